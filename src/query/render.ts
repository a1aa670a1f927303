/**
 * Rendering read-back records: text for people (coloured by level on a TTY), stable JSON for scripts. Output is
 * built into large chunks: one write per ~64 KB, not one per record.
 */
import type { ChalkInstance } from 'chalk';
import { visibleLength } from '../io/output.js';
import { escapeControlChars } from '../core/control-chars.js';
import { flatAttributes } from './log-entry.js';
import type { LogEntry } from './log-entry.js';

export const OUTPUT_FORMATS = ['text', 'json', 'jsonl', 'table'] as const;
export type LogsFormat = (typeof OUTPUT_FORMATS)[number];

const CHUNK = 1 << 16;

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

/** `2024-05-01T12:00:00.000Z INFO     train  message`; multi-line records keep their lines, indented. */
export function renderText(e: LogEntry, color: ChalkInstance, options: RenderOptions = {}): string {
  const time = Number.isFinite(e.timestamp) ? new Date(e.timestamp).toISOString() : '-';
  const level = levelPaint(e.status, color)(e.status.toUpperCase().padEnd(8));
  const shown = (s: string): string => (options.raw ? s : escapeControlChars(s, true));
  const step = e.step !== undefined && e.step !== '' ? color.cyan(shown(e.step)) + ' ' : '';
  const text = shown(e.message);
  const message = text.includes('\n') ? text.split('\n').join('\n    ') : text;
  return `${color.dim(time)} ${level} ${step}${message}\n`;
}

/** The stable object of `--output json/jsonl`: the same keys, in the same order, for every store. */
export function entryJson(e: LogEntry): Record<string, unknown> {
  return {
    id: e.id,
    timestamp: Number.isFinite(e.timestamp) ? new Date(e.timestamp).toISOString() : null,
    status: e.status,
    message: e.message,
    service: e.service ?? null,
    host: e.host ?? null,
    tags: e.tags ?? [],
    attributes: flatAttributes(e),
  };
}

export interface Printer {
  print(entries: readonly LogEntry[]): void;
  /** Closes the output (the `]` of json) and flushes. */
  end(): void;
}

export function createPrinter(
  format: LogsFormat,
  write: (chunk: string) => void,
  color: ChalkInstance,
  options: RenderOptions = {},
): Printer {
  const shown = (s: string): string => (options.raw ? s : escapeControlChars(s, true));
  let buf = '';
  let count = 0;
  const flushIfBig = () => {
    if (buf.length >= CHUNK) {
      write(buf);
      buf = '';
    }
  };
  switch (format) {
    case 'jsonl':
      return {
        print(entries) {
          for (const e of entries) {
            buf += JSON.stringify(entryJson(e)) + '\n';
            flushIfBig();
          }
          if (buf) write(buf);
          buf = '';
        },
        end() {},
      };
    case 'json':
      return {
        print(entries) {
          for (const e of entries) {
            buf += (count++ === 0 ? '[\n' : ',\n') + JSON.stringify(entryJson(e), null, 2).replace(/^/gm, '  ');
            flushIfBig();
          }
          if (buf) write(buf);
          buf = '';
        },
        end() {
          write(count === 0 ? '[]\n' : '\n]\n');
        },
      };
    case 'table': {
      // A table needs its column widths: rows are kept until the end.
      const rows: string[][] = [];
      return {
        print(entries) {
          for (const e of entries)
            rows.push([
              Number.isFinite(e.timestamp) ? new Date(e.timestamp).toISOString() : '-',
              levelPaint(e.status, color)(e.status.toUpperCase()),
              shown(e.step ?? ''),
              shown(e.message),
            ]);
        },
        end() {
          if (rows.length === 0) return;
          const head = ['TIME', 'LEVEL', 'STEP', 'MESSAGE'];
          const widths = [0, 1, 2].map((i) =>
            Math.max(visibleLength(head[i] ?? ''), ...rows.map((r) => visibleLength(r[i] ?? ''))),
          );
          const line = (r: string[]) =>
            r.map((c, i) => (i < 3 ? c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(c))) : c)).join('  ');
          let out = color.bold(line(head)) + '\n';
          for (const r of rows) {
            out +=
              line(r).replace(/\n/g, '\n' + ' '.repeat((widths[0] ?? 0) + (widths[1] ?? 0) + (widths[2] ?? 0) + 6)) +
              '\n';
            if (out.length >= CHUNK) {
              write(out);
              out = '';
            }
          }
          if (out) write(out);
        },
      };
    }
    case 'text':
      return {
        print(entries) {
          for (const e of entries) {
            buf += renderText(e, color, options);
            flushIfBig();
          }
          if (buf) write(buf);
          buf = '';
        },
        end() {},
      };
  }
}
