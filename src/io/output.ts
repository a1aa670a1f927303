/**
 * Printing data in the format the user asked for: a table on a TTY, tab-separated text when piped, or JSON / JSONL
 * for scripts. Every printer goes through IOStreams.out, so secrets are masked on the way out.
 */
import { UsageError } from '../core/errors.js';
import type { IOStreams } from './iostreams.js';

export const OUTPUT_FORMATS = ['table', 'json', 'jsonl', 'text'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string | undefined, io: IOStreams): OutputFormat {
  if (value === undefined) return io.stdoutIsTTY ? 'table' : 'text';
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}, got '${value}'`, {
    hint: 'e.g. --output json',
  });
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** In a table too wide for the terminal, columns with a dropOrder are left out, the highest first. */
  dropOrder?: number;
}

/** A list: rows for table/text, plain objects for json/jsonl. */
export async function printList<T>(
  io: IOStreams,
  format: OutputFormat,
  rows: readonly T[],
  columns: readonly Column<T>[],
  toJson: (row: T) => unknown,
  /**
   * `borderless`: `docker ps`/`kubectl get` style, no lines, two spaces between columns (long lists). `empty`: what a
   * table with no rows says on stderr (a terminal left blank looks like a hang or a failure); piped formats say nothing.
   */
  style: { borderless?: boolean; empty?: string } = {},
): Promise<void> {
  switch (format) {
    case 'json':
      io.out(JSON.stringify(rows.map(toJson), null, 2) + '\n');
      return;
    case 'jsonl':
      for (const row of rows) io.out(JSON.stringify(toJson(row)) + '\n');
      return;
    case 'text':
      for (const row of rows) io.out(columns.map((c) => c.value(row)).join('\t') + '\n');
      return;
    case 'table': {
      if (rows.length === 0) {
        if (style.empty !== undefined) io.err(style.empty + '\n');
        return;
      }
      const { default: Table } = await import('cli-table3');
      const shown = columnsThatFit(columns, rows, io.terminalColumns);
      const cells = rows.map((row) => shown.map((c) => c.value(row)));
      const head = shown.map((c) => c.header);
      const table = new Table({
        head,
        style: {
          head: io.colorOut ? ['cyan'] : [],
          border: [],
          ...(style.borderless ? { 'padding-left': 0, 'padding-right': 2 } : {}),
        },
        ...(style.borderless ? { chars: BORDERLESS } : {}),
        ...fitToWidth([head, ...cells], io.terminalColumns),
      });
      for (const row of cells) table.push(row);
      const text = table.toString();
      io.out((style.borderless ? text.replace(/ +$/gm, '') : text) + '\n');
    }
  }
}

const BORDERLESS = Object.fromEntries(
  [
    'top',
    'top-mid',
    'top-left',
    'top-right',
    'bottom',
    'bottom-mid',
    'bottom-left',
    'bottom-right',
    'left',
    'left-mid',
    'mid',
    'mid-mid',
    'right',
    'right-mid',
    'middle',
  ].map((k) => [k, '']),
);

/** The columns of a table, leaving out droppable ones (highest dropOrder first) while it is wider than `maxWidth`. */
export function columnsThatFit<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  maxWidth: number | undefined,
): Column<T>[] {
  let shown = [...columns];
  if (maxWidth === undefined) return shown;
  const widthOf = (c: Column<T>) => 3 + Math.max(visibleLength(c.header), ...rows.map((r) => longestLine(c.value(r))));
  const total = () => 1 + shown.reduce((sum, c) => sum + widthOf(c), 0);
  for (;;) {
    if (total() <= maxWidth) return shown;
    const next = shown.filter((c) => c.dropOrder !== undefined).sort((a, b) => b.dropOrder! - a.dropOrder!)[0];
    if (next === undefined) return shown;
    shown = shown.filter((c) => c !== next);
  }
}

/** One object: key/value pairs for table/text, the object itself for json/jsonl. */
export async function printObject(
  io: IOStreams,
  format: OutputFormat,
  pairs: readonly [string, string][],
  json: unknown,
): Promise<void> {
  switch (format) {
    case 'json':
      io.out(JSON.stringify(json, null, 2) + '\n');
      return;
    case 'jsonl':
      io.out(JSON.stringify(json) + '\n');
      return;
    case 'text':
      for (const [k, v] of pairs) io.out(`${k}: ${v}\n`);
      return;
    case 'table': {
      const { default: Table } = await import('cli-table3');
      const table = new Table({
        style: { head: [], border: [] },
        ...fitToWidth(
          pairs.map(([k, v]) => [k, v]),
          io.terminalColumns,
        ),
      });
      for (const [k, v] of pairs) table.push({ [k]: v });
      io.out(table.toString() + '\n');
    }
  }
}

/** Narrowest a wrapped column gets (padding included). */
const MIN_WRAPPED_WIDTH = 12;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Length as shown: colour codes take no columns. */
export function visibleLength(s: string): number {
  // Most cells have no colour code: no copy of the string for them (a 1M-row table measures 3M cells).
  return s.includes('\u001b') ? s.replace(ANSI, '').length : s.length;
}

/**
 * cli-table3 options that fit a table into `maxWidth` columns: the widest columns are capped at one width, chosen
 * as large as fits, and their cells wrap on word boundaries (a long error hint in `log-store verify` wraps instead
 * of spilling over the terminal). A column never gets narrower than its longest word: an id or a URL is never cut,
 * even if the table then stays wider than the terminal. Nothing when the table already fits or there is no limit.
 */
export function fitToWidth(
  rows: readonly (readonly string[])[],
  maxWidth: number | undefined,
): { colWidths?: number[]; wordWrap?: boolean; wrapOnWordBoundary?: boolean } {
  if (maxWidth === undefined || rows.length === 0) return {};
  const n = Math.max(...rows.map((r) => r.length));
  const column = (i: number) => rows.map((r) => r[i] ?? '');
  // Each cell has one space of padding on either side; the borders take n + 1 columns.
  const natural = Array.from({ length: n }, (_, i) => 2 + Math.max(0, ...column(i).map(longestLine)));
  const least = natural.map((w, i) =>
    Math.min(w, Math.max(MIN_WRAPPED_WIDTH, 2 + Math.max(0, ...column(i).map(longestWord)))),
  );
  const widths = (cap: number) => natural.map((w, i) => Math.max(least[i] ?? 0, Math.min(w, cap)));
  const total = (cap: number) => widths(cap).reduce((sum, w) => sum + w, 0);
  const budget = maxWidth - (n + 1);
  if (total(Infinity) <= budget) return {};
  let cap = 0;
  for (let hi = Math.max(...natural); cap < hi;) {
    const mid = Math.ceil((cap + hi) / 2);
    if (total(mid) <= budget) cap = mid;
    else hi = mid - 1;
  }
  return { colWidths: widths(cap), wordWrap: true, wrapOnWordBoundary: true };
}

function longestLine(cell: string): number {
  return Math.max(...cell.split('\n').map(visibleLength));
}

function longestWord(cell: string): number {
  return Math.max(...cell.split(/\s+/).map(visibleLength));
}
