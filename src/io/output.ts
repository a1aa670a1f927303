/**
 * Printing data in the format the user asked for: a table on a TTY, tab-separated text when piped, or JSON / JSONL
 * for scripts. Every printer goes through IOStreams.out, so secrets are masked on the way out.
 */
import { UsageError } from '../cli/errors.js';
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
}

/** A list: rows for table/text, plain objects for json/jsonl. */
export async function printList<T>(
  io: IOStreams,
  format: OutputFormat,
  rows: readonly T[],
  columns: readonly Column<T>[],
  toJson: (row: T) => unknown,
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
      if (rows.length === 0) return;
      const { default: Table } = await import('cli-table3');
      const table = new Table({
        head: columns.map((c) => c.header),
        style: { head: io.colorOut ? ['cyan'] : [], border: [] },
      });
      for (const row of rows) table.push(columns.map((c) => c.value(row)));
      io.out(table.toString() + '\n');
    }
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
      const table = new Table({ style: { head: [], border: [] } });
      for (const [k, v] of pairs) table.push({ [k]: v });
      io.out(table.toString() + '\n');
    }
  }
}
