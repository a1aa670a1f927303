/**
 * Logs intake v2 (`POST /api/v2/logs`) and OTLP items turned into stored records, with Datadog's documented
 * limits: at most 1000 items and 5 MB (uncompressed) per request, 1 MB per log (larger ones are truncated), and
 * logs older than 18 h or more than 2 h in the future accepted but not indexed.
 */
import type { NewRecord } from './store.js';
import type { AnyValue, OtlpResourceLogs } from './otlp-decode.js';
import { normalizeStatus, statusFromSeverityNumber } from './status.js';
import { parseIsoUtc } from './time-math.js';

export const MAX_ITEMS_PER_REQUEST = 1000;
/** Datadog documents "5MB" and "1MB"; the emulator takes the stricter decimal reading. */
export const MAX_PAYLOAD_BYTES = 5_000_000;
export const MAX_LOG_BYTES = 1_000_000;
export const MAX_PAST_MS = 18 * 3_600_000;
export const MAX_FUTURE_MS = 2 * 3_600_000;

export class IntakeError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

export interface IntakeResult {
  records: NewRecord[];
  items: number;
  truncated: number;
  notIndexed: number;
}

/**
 * Item fields that are consumed: they become the record's message, service, source and tags. `timestamp`, `status`,
 * `host` and `hostname` also set the record's own fields, but stay among its attributes, as Datadog's remappers
 * leave them.
 */
const CONSUMED = new Set(['message', 'service', 'ddsource', 'ddtags']);

function flattenInto(out: Record<string, unknown>, prefix: string, v: unknown): void {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) out[prefix] = {};
    for (const [k, child] of entries) flattenInto(out, prefix === '' ? k : `${prefix}.${k}`, child);
    return;
  }
  out[prefix] = v;
}

function parseTimestamp(v: unknown, fallback: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.floor(v);
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return Number(v);
    const t = parseIsoUtc(v);
    if (!Number.isNaN(t)) return t;
  }
  return fallback;
}

function splitTags(v: unknown): string[] {
  if (typeof v !== 'string' || v === '') return [];
  const out: string[] = [];
  for (const t of v.split(',')) {
    const s = t.trim();
    if (s !== '') out.push(s);
  }
  return out;
}

/** Cuts a UTF-8 string to at most `maxBytes` bytes on a character boundary. */
function truncateUtf8(s: string, maxBytes: number): string {
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= maxBytes) return s;
  let end = Math.max(0, maxBytes);
  while (end > 0 && ((buf[end] as number) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

function isStale(ts: number, now: number): boolean {
  return ts < now - MAX_PAST_MS || ts > now + MAX_FUTURE_MS;
}

function badRequest(detail: string): IntakeError {
  return new IntakeError(400, 'Bad Request', detail);
}

export interface IntakeParams {
  /** The `ddtags` query parameter: tags added to every item of the request (Datadog documents it). */
  ddtags?: string | null | undefined;
}

/** Parses and validates an intake v2 body (already decompressed). Throws IntakeError for 400s. */
export function readIntakeBody(body: Buffer, now: number, params: IntakeParams = {}): IntakeResult {
  const queryTags = splitTags(params.ddtags);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('the body is not valid JSON');
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length > MAX_ITEMS_PER_REQUEST) {
    throw badRequest(`${items.length} log items in one request; the limit is ${MAX_ITEMS_PER_REQUEST}`);
  }
  // Only a body over 1 MB can hold an item over 1 MB, so only then is each item measured.
  const measure = body.length > MAX_LOG_BYTES;
  const result: IntakeResult = { records: [], items: items.length, truncated: 0, notIndexed: 0 };
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw badRequest(`item ${i} is not a JSON object`);
    }
    const obj = item as Record<string, unknown>;
    if (obj.message === undefined || obj.message === null) throw badRequest(`item ${i} has no "message"`);
    let message = typeof obj.message === 'string' ? obj.message : JSON.stringify(obj.message);
    let truncated = false;
    if (measure) {
      const size = Buffer.byteLength(JSON.stringify(obj), 'utf8');
      if (size > MAX_LOG_BYTES) {
        message = truncateUtf8(message, Buffer.byteLength(message, 'utf8') - (size - MAX_LOG_BYTES));
        truncated = true;
        result.truncated++;
      }
    }
    const timestamp = parseTimestamp(obj.timestamp, now);
    if (isStale(timestamp, now)) {
      result.notIndexed++;
      continue;
    }
    const attributes: Record<string, unknown> = {};
    for (const key in obj) {
      if (!CONSUMED.has(key)) flattenInto(attributes, key, obj[key]);
    }
    result.records.push({
      timestamp,
      message,
      status: normalizeStatus(obj.status),
      service: typeof obj.service === 'string' ? obj.service : '',
      host: typeof obj.hostname === 'string' ? obj.hostname : typeof obj.host === 'string' ? obj.host : '',
      source: typeof obj.ddsource === 'string' ? obj.ddsource : '',
      tags: queryTags.length === 0 ? splitTags(obj.ddtags) : [...splitTags(obj.ddtags), ...queryTags],
      attributes,
      truncated,
    });
  }
  return result;
}

function anyToJson(v: AnyValue): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(anyToJson);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, anyToJson(x)]));
  }
  return v;
}

/**
 * OTLP records mapped the way Datadog's OTLP intake maps them: resource `service.name` -> service, `host.name` ->
 * host, severityText (else severityNumber) -> status, body -> message, log attributes (and the other resource
 * attributes) -> attributes, `ddtags` attribute -> tags.
 */
export function readOtlpLogs(resourceLogs: OtlpResourceLogs[], now: number): IntakeResult {
  const result: IntakeResult = { records: [], items: 0, truncated: 0, notIndexed: 0 };
  for (const rl of resourceLogs) {
    const resAttrs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rl.resource)) {
      if (k !== 'service.name' && k !== 'host.name') flattenInto(resAttrs, k, anyToJson(v));
    }
    const service = typeof rl.resource['service.name'] === 'string' ? rl.resource['service.name'] : '';
    const host = typeof rl.resource['host.name'] === 'string' ? rl.resource['host.name'] : '';
    for (const sl of rl.scopeLogs) {
      for (const lr of sl.logRecords) {
        result.items++;
        const timestamp = lr.timeMs ?? now;
        if (isStale(timestamp, now)) {
          result.notIndexed++;
          continue;
        }
        const attributes: Record<string, unknown> = { ...resAttrs };
        let tags: string[] = [];
        for (const [k, v] of Object.entries(lr.attributes)) {
          if (k === 'ddtags') tags = splitTags(v);
          else flattenInto(attributes, k, anyToJson(v));
        }
        let message =
          typeof lr.body === 'string' ? lr.body : lr.body === null ? '' : JSON.stringify(anyToJson(lr.body));
        let truncated = false;
        if (message.length > MAX_LOG_BYTES / 4 && Buffer.byteLength(message, 'utf8') > MAX_LOG_BYTES) {
          message = truncateUtf8(message, MAX_LOG_BYTES);
          truncated = true;
          result.truncated++;
        }
        result.records.push({
          timestamp,
          message,
          status:
            lr.severityText !== '' ? normalizeStatus(lr.severityText) : statusFromSeverityNumber(lr.severityNumber),
          service,
          host,
          source: '',
          tags,
          attributes,
          truncated,
        });
      }
    }
  }
  return result;
}

/**
 * Counts the top-level items of a JSON array without building any object (the benchmark's count-only mode).
 * Returns -1 when the body is not a JSON array. Strings are skipped whole with a native `indexOf` to their closing
 * quote (an even run of backslashes before it), so brackets and commas inside messages do not count; this runs
 * at several hundred MB/s, about 3x a byte-by-byte loop.
 */
export function countJsonArrayItems(buf: Buffer): number {
  const n = buf.length;
  let i = 0;
  while (i < n && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
  if (buf[i] !== 0x5b /* [ */) return -1;
  i++;
  let depth = 1;
  let count = 0;
  let sawValue = false;
  for (; i < n; i++) {
    const c = buf[i] as number;
    if (c === 0x22 /* " */) {
      if (depth === 1) sawValue = true;
      let j = buf.indexOf(0x22, i + 1);
      while (j > 0 && buf[j - 1] === 0x5c /* \ */) {
        let k = j - 1;
        let backslashes = 0;
        while (buf[k] === 0x5c) {
          backslashes++;
          k--;
        }
        if (backslashes % 2 === 0) break;
        j = buf.indexOf(0x22, j + 1);
      }
      if (j < 0) return count + 1;
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth === 1) sawValue = true;
      depth++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      if (depth === 0) break;
    } else if (c === 0x2c /* , */) {
      if (depth === 1) count++;
    } else if (depth === 1 && c > 0x20) {
      sawValue = true;
    }
  }
  return sawValue ? count + 1 : 0;
}
