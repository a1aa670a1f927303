/**
 * Rendering read-back records: text for people (coloured by level on a TTY), stable JSON for scripts. Each line goes
 * to a held output (IOStreams.outHeld: a buffer written per ~64 KB, not one write per record), flushed at the end of
 * each batch of records printed.
 */
import type { ChalkInstance } from 'chalk';
import { visibleLength } from '../io/output.js';
import { escapeControlChars } from '../core/control-chars.js';
import { entryJson, jsonlLine } from './entry-json.js';
import type { LogEntry } from './log-entry.js';
import { linesWritten } from './line-pages.js';

export const OUTPUT_FORMATS = ['text', 'json', 'jsonl', 'table'] as const;
export type LogsFormat = (typeof OUTPUT_FORMATS)[number];

/** Rows `--output table` holds to size its columns; later rows are printed as they come. */
export const TABLE_WINDOW = 1000;

export function levelPaint(status: string, color: ChalkInstance): (s: string) => string {
  switch (status) {
    case 'error':
    case 'critical':
    case 'alert':
    case 'emergency':
      return color.red;
    case 'warn':
    case 'warning':
      return color.yellow;
    case 'debug':
    case 'trace':
      return color.gray;
    default:
      return (s) => s;
  }
}

/**
 * How text and table output show a record's own text: control characters escaped (as journalctl does, on a terminal
 * and in a pipe alike), or with `raw` (`--raw`) as they were.
 */
export interface RenderOptions {
  raw?: boolean;
}

/**
 * Per colour instance: the painted time of the last timestamp, and the painted level and step columns. Consecutive
 * records mostly share their millisecond, level and step, and building those strings was most of `logs`' time.
 */
interface TextCache {
  time: number;
  timeText: string;
  levels: Map<string, string>;
  steps: Map<string, string>;
}
const textCaches = new WeakMap<ChalkInstance, TextCache>();
const MAX_CACHED = 256;

function textCache(color: ChalkInstance): TextCache {
  let c = textCaches.get(color);
  if (c === undefined) textCaches.set(color, (c = { time: NaN, timeText: '', levels: new Map(), steps: new Map() }));
  return c;
}

/** `2024-05-01T12:00:00.000Z INFO     train  message`; multi-line records keep their lines, indented. */
export function renderText(e: LogEntry, color: ChalkInstance, options: RenderOptions = {}): string {
  return textPrefix(e.timestamp, e.status, e.step, color, options) + textBody(e.message, options);
}

/** A text line up to its message: the time, the level and the step columns. */
export function textPrefix(
  timestamp: number,
  status: string,
  stepName: string | undefined,
  color: ChalkInstance,
  options: RenderOptions = {},
): string {
  const c = textCache(color);
  if (timestamp !== c.time) {
    c.time = timestamp;
    c.timeText = color.dim(Number.isFinite(timestamp) ? new Date(timestamp).toISOString() : '-');
  }
  let level = c.levels.get(status);
  if (level === undefined) {
    level = levelPaint(status, color)(status.toUpperCase().padEnd(8));
    if (c.levels.size < MAX_CACHED) c.levels.set(status, level);
  }
  const raw = options.raw === true;
  let step = '';
  if (stepName !== undefined && stepName !== '') {
    const key = raw ? `r:${stepName}` : `e:${stepName}`;
    step = c.steps.get(key) ?? color.cyan(raw ? stepName : escapeControlChars(stepName)) + ' ';
    if (c.steps.size < MAX_CACHED) c.steps.set(key, step);
  }
  return `${c.timeText} ${level} ${step}`;
}

/** A text line's message and its end: control characters escaped (unless raw), later lines indented. */
export function textBody(message: string, options: RenderOptions = {}): string {
  const text = options.raw === true ? message : escapeControlChars(message, true);
  const shown = text.includes('\n') ? text.split('\n').join('\n    ') : text;
  return `${shown}\n`;
}

export interface Printer {
  print(entries: readonly LogEntry[]): void;
  /** Closes the output (the `]` of json) and flushes. */
  end(): void;
}

/** Where a printer's text goes: pieces of whole lines, held until `flush`. */
export interface PrinterOut {
  write(text: string): void;
  /** Whole lines as UTF-8, [start, end) of bytes; true when the sink keeps them (a pipe still writing them). */
  writeBytes?(bytes: Buffer, start: number, end: number): boolean;
  flush(): void;
}

/**
 * `jsonl` lines: a scanned record's line as its bytes, several adjacent ones of one page in one piece (a page's
 * records are mostly printed in its own order); any other record by `jsonlLine`.
 */
function printJsonl(entries: readonly LogEntry[], out: PrinterOut): void {
  const n = entries.length;
  for (let i = 0; i < n; i++) {
    const e = entries[i] as LogEntry;
    const bytes = e.lineBytes;
    if (bytes === undefined) {
      out.write(jsonlLine(e) + '\n');
      continue;
    }
    const start = e.lineStart as number;
    let end = e.lineEnd as number;
    let lines = 1;
    for (let next = entries[i + 1]; next !== undefined && next.lineBytes === bytes && next.lineStart === end;) {
      end = next.lineEnd as number;
      lines++;
      next = entries[++i + 1];
    }
    let kept = false;
    if (out.writeBytes !== undefined) kept = out.writeBytes(bytes, start, end);
    else
      for (let at = start; at < end;) {
        const nl = bytes.indexOf(0x0a, at);
        const stop = nl < 0 || nl >= end ? end : nl + 1;
        out.write(bytes.toString('utf8', at, stop));
        at = stop;
      }
    // Written or copied: the page's buffer is taken back once all its lines are (unless the sink keeps them).
    linesWritten(bytes, lines, kept);
  }
}

export function createPrinter(
  format: LogsFormat,
  out: PrinterOut,
  color: ChalkInstance,
  options: RenderOptions = {},
): Printer {
  const shown = (s: string): string => (options.raw ? s : escapeControlChars(s, true));
  let count = 0;
  switch (format) {
    case 'jsonl':
      return {
        print(entries) {
          printJsonl(entries, out);
          out.flush();
        },
        end() {},
      };
    case 'json':
      return {
        print(entries) {
          for (const e of entries)
            // Indented after each \n alone: `^` with the m flag also matches after U+2028 and U+2029, which
            // JSON.stringify leaves raw inside a string (two spaces went into the message).
            out.write(
              (count++ === 0 ? '[\n  ' : ',\n  ') + JSON.stringify(entryJson(e), null, 2).replace(/\n/g, '\n  '),
            );
          out.flush();
        },
        end() {
          out.write(count === 0 ? '[]\n' : '\n]\n');
          out.flush();
        },
      };
    case 'table': {
      // Column widths come from the first TABLE_WINDOW rows, held until then; later rows stream out at once, a
      // column growing only when a row needs more (a longer step name), so memory is bounded whatever the run.
      const head = ['TIME', 'LEVEL', 'STEP', 'MESSAGE'];
      let held: string[][] | undefined = [];
      const widths = [0, 1, 2].map((i) => visibleLength(head[i] ?? ''));
      const fit = (r: readonly string[]): void => {
        for (let i = 0; i < 3; i++) widths[i] = Math.max(widths[i] ?? 0, visibleLength(r[i] ?? ''));
      };
      const pad = (r: readonly string[], i: number): string =>
        (r[i] ?? '') + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(r[i] ?? '')));
      const line = (r: readonly string[]): string => `${pad(r, 0)}  ${pad(r, 1)}  ${pad(r, 2)}  ${r[3] ?? ''}`;
      const row = (r: readonly string[]): void => {
        fit(r);
        const text = line(r);
        if (text.includes('\n')) {
          const indent = '\n' + ' '.repeat((widths[0] ?? 0) + (widths[1] ?? 0) + (widths[2] ?? 0) + 6);
          out.write(text.replace(/\n/g, indent) + '\n');
        } else out.write(text + '\n');
      };
      // One ISO string per millisecond, one painted level per status: a 1M-row table repeats both.
      let timeMs = Number.NaN;
      let timeText = '-';
      const time = (ms: number): string => {
        if (ms !== timeMs) {
          timeMs = ms;
          timeText = Number.isFinite(ms) ? new Date(ms).toISOString() : '-';
        }
        return timeText;
      };
      const levels = new Map<string, string>();
      const level = (status: string): string => {
        let t = levels.get(status);
        if (t === undefined) levels.set(status, (t = levelPaint(status, color)(status.toUpperCase())));
        return t;
      };
      const release = (): void => {
        if (held === undefined) return;
        const rows = held;
        held = undefined;
        if (rows.length === 0) return;
        for (const r of rows) fit(r);
        out.write(color.bold(line(head)) + '\n');
        for (const r of rows) row(r);
      };
      return {
        print(entries) {
          for (const e of entries) {
            const r = [time(e.timestamp), level(e.status), shown(e.step ?? ''), shown(e.message)];
            if (held === undefined) row(r);
            else if (held.push(r) >= TABLE_WINDOW) release();
          }
          out.flush();
        },
        end() {
          release();
          out.flush();
        },
      };
    }
    case 'text':
      return {
        print(entries) {
          for (const e of entries) out.write(renderText(e, color, options));
          out.flush();
        },
        end() {},
      };
  }
}
