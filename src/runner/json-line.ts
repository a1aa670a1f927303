/**
 * JSON lines: a line that parses as an object with `message` or `msg`. That field becomes the message, its level and
 * timestamp fields are used, everything else becomes attributes. Only tried when the line starts with `{` and ends
 * with `}`, so plain text never pays for JSON.parse.
 */
import type { Level } from '../core/log-record.js';
import { levelFromValue } from './level-detect.js';

export interface JsonLine {
  message: string;
  level: Level | undefined;
  /** Epoch milliseconds, when the line carried a usable timestamp. */
  timestamp: number | undefined;
  attributes: Record<string, unknown> | undefined;
}

const MESSAGE_FIELDS = ['message', 'msg'] as const;
/**
 * Attribute namespaces only dd-logstore sets (`zenml.run.id`, `dd_logstore.seq`...). A line's own field in one of
 * them, flat (`"zenml.run.id"`) or nested (`{"zenml": {"run": {"id": ...}}}`, which Datadog flattens to the same
 * name), would move the record to another run or collide with its key: it is kept under this prefix instead.
 */
const RESERVED_NAMESPACES = ['zenml', 'dd_logstore'];
export const RESERVED_RENAME_PREFIX = 'attr.';
const LEVEL_FIELDS = ['level', 'severity', 'levelname', 'status', 'lvl', 'loglevel', 'log.level', 'severity_text'];
const TIMESTAMP_FIELDS = ['timestamp', 'time', 'ts', '@timestamp', 'datetime', 'date'];

/** Numbers below this are seconds, below the next milliseconds, then microseconds, then nanoseconds. */
const SECONDS_BELOW = 1e11;
const MILLIS_BELOW = 1e14;
const MICROS_BELOW = 1e17;

export function looksLikeJsonObject(line: string): boolean {
  return line.charCodeAt(0) === 0x7b && line.charCodeAt(line.length - 1) === 0x7d;
}

/** The parsed line, or undefined when it is not a JSON object. `line` must already be trimmed. */
export function parseJsonLine(line: string): JsonLine | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const obj = parsed as Record<string, unknown>;

  let level: Level | undefined;
  let levelKey: string | undefined;
  for (const key of LEVEL_FIELDS) {
    if (!(key in obj)) continue;
    level = levelFromValue(obj[key], key === 'level');
    if (level) {
      levelKey = key;
      break;
    }
  }
  const messageKey = MESSAGE_FIELDS.find((k) => k in obj);
  if (messageKey === undefined) {
    // Not a log line we can take apart: keep the whole line as the message, but honour its level.
    return { message: line, level, timestamp: undefined, attributes: undefined };
  }
  const raw = obj[messageKey];
  const message = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? '');

  let timestamp: number | undefined;
  let timestampKey: string | undefined;
  for (const key of TIMESTAMP_FIELDS) {
    if (!(key in obj)) continue;
    timestamp = toEpochMillis(obj[key]);
    if (timestamp !== undefined) {
      timestampKey = key;
      break;
    }
  }
  // The other fields, copied rather than deleted from a spread: `delete` would turn the object into a slow map.
  let attributes: Record<string, unknown> | undefined;
  for (const key in obj) {
    if (key === messageKey || key === levelKey || key === timestampKey) continue;
    attributes ??= {};
    // A JSON `__proto__` key is data: define it rather than set the prototype.
    if (key === '__proto__')
      Object.defineProperty(attributes, key, { value: obj[key], enumerable: true, writable: true });
    else attributes[isReserved(key) ? RESERVED_RENAME_PREFIX + key : key] = obj[key];
  }
  return { message, level, timestamp, attributes };
}

function isReserved(key: string): boolean {
  for (const ns of RESERVED_NAMESPACES) {
    if (key.startsWith(ns) && (key.length === ns.length || key.charCodeAt(ns.length) === 0x2e)) return true;
  }
  return false;
}

export function toEpochMillis(value: unknown): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return undefined;
    const ms =
      value < SECONDS_BELOW
        ? Math.round(value * 1000)
        : value < MILLIS_BELOW
          ? Math.round(value)
          : value < MICROS_BELOW
            ? Math.round(value / 1e3)
            : Math.round(value / 1e6);
    // Past what a Date can hold, a number is not a time.
    return Number.isNaN(new Date(ms).getTime()) ? undefined : ms;
  }
  if (typeof value === 'string' && value.length >= 8) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
