/**
 * A Logs Search answer read as bytes for `logs --output jsonl`: each event's `jsonl` line is written straight from
 * the page's bytes, with no JS object per event, beside the fields `logs` filters, orders and de-duplicates on. The
 * object path (JSON.parse, `entryFromEvent`, `jsonlLine`) cost ~0.65 CPU-s per 100k records, much of it the garbage
 * of 100k parsed events (docs/performance.md, "Read-back from Datadog: the byte path").
 *
 * The bytes are the object path's bytes, by construction and by test (search-scan.test.ts):
 * - a string with no escape is copied as it is (valid UTF-8 with no `\` and no control byte is what `JSON.stringify`
 *   writes for its value); one with an escape is decoded and spelled by `jsonString`, as `jsonlLine` does;
 * - a number is copied when it is a canonical integer, else spelled `String(Number(text))` (`null` if not finite);
 * - an array in the attributes is `JSON.stringify` of its parsed value, as `flatMembers` writes it;
 * - the attributes are flattened to dotted keys on the way, in the page's order, which is `for...in`'s order unless a
 *   name is index-like (starts with a digit), has a dot, repeats, or is `""` / `__proto__` at the top: such an event,
 *   and any event not of the common shape (a field of another type, a nested object where a field `logs` reads is),
 *   is parsed on its own and converted as today (`entryFromEvent`, printed by `jsonlLine`).
 * A page that is not UTF-8, not `{"data":[{...`, or not valid JSON where the scanner reads it is left whole to the
 * object path (undefined), which then answers or fails as before.
 */
import { isUtf8 } from 'node:buffer';
import { jsonString } from '../../core/json-string.js';
import type { LogEntry } from '../../query/log-entry.js';
import { borrowLines } from '../../query/line-pages.js';
import type { LogsSearchEvent, LogsSearchResponse } from './api-client.js';
import { entryFromEvent } from './log-entry.js';

const Q = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const DOT = 0x2e;

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const HEAD = latin1('{"data":[');
const L_ID = latin1('{"id":');
const L_TIME = latin1(',"timestamp":"');
const L_STATUS = latin1('","status":');
const L_MESSAGE = latin1(',"message":');
const L_SERVICE = latin1(',"service":');
const L_HOST = latin1(',"host":');
const L_TAGS = latin1(',"tags":[');
const L_ATTRS = latin1('],"attributes":{');
const L_END = latin1('}}\n');
const NULL = latin1('null');
const INFO = latin1('"info"');
const EMPTY_STRING = latin1('""');

/** The attributes `entryFromEvent` reads, as the dotted paths the scanner writes. */
const P_SEQ = latin1('dd_logstore.seq');
const P_WRITER = latin1('dd_logstore.writer');
const P_LOG_ID = latin1('zenml.log.id');
const P_STEP = latin1('zenml.step.name');
const P_STEP_RUN = latin1('zenml.step.run.name');

/** What a value is, for the fields `entryFromEvent` reads: absent, a string, a number, null, anything else. */
const ABSENT = 0;
const STRING = 1;
const NUMBER = 2;
const NULL_KIND = 3;
const OTHER = 4;

/** A scanned record: the object path's fields, and its `jsonl` line (newline included) in `lineBytes`. */
type ScannedEntry = LogEntry & Required<Pick<LogEntry, 'lineBytes' | 'lineStart' | 'lineEnd'>>;

/** A search answer read by the scanner: `data` is empty, `scanned` holds its records in the page's order. */
export type ScannedAnswer = LogsSearchResponse & { scanned: LogEntry[] };

/** Attributes of a scanned record: its line carries them; nothing reads them (the jsonl printer uses the line). */
const NO_ATTRIBUTES: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;
const NO_BYTES = Buffer.alloc(0);

// ---- reading JSON tokens

/** Set by stringEnd: the string it read holds an escape. */
let escaped = false;

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

/** Past the closing quote of the string whose quote is at p, or -1 (a control byte, a bad escape, the end). */
function stringEnd(b: Buffer, p: number): number {
  escaped = false;
  const n = b.length;
  for (let i = p + 1; i < n; i++) {
    const c = b[i] as number;
    if (c === Q) return i + 1;
    if (c === BACKSLASH) {
      escaped = true;
      const d = b[++i];
      if (d === 0x75 /* u */) {
        if (!isHex(b[i + 1]) || !isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4])) return -1;
        i += 4;
      } else if (
        d !== Q &&
        d !== BACKSLASH &&
        d !== 0x2f &&
        d !== 0x62 &&
        d !== 0x66 &&
        d !== 0x6e &&
        d !== 0x72 &&
        d !== 0x74
      )
        return -1;
    } else if (c < 0x20) return -1;
  }
  return -1;
}

function skipSpace(b: Buffer, p: number): number {
  let c = b[p];
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
  return p;
}

function digitsEnd(b: Buffer, p: number): number {
  let c = b[p];
  while (c !== undefined && c >= 0x30 && c <= 0x39) c = b[++p];
  return p;
}

/** Past the JSON number at p, or -1. Sets `canonical`: an integer that String(Number(text)) spells as it is. */
let canonical = false;
function numberEnd(b: Buffer, p: number): number {
  const minus = b[p] === 0x2d;
  const first = minus ? p + 1 : p;
  let i = digitsEnd(b, first);
  const digits = i - first;
  if (digits === 0 || (b[first] === 0x30 && digits > 1)) return -1;
  canonical = digits <= 15 && !(minus && b[first] === 0x30);
  if (b[i] === DOT) {
    const f = digitsEnd(b, i + 1);
    if (f === i + 1) return -1;
    i = f;
    canonical = false;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    let e = i + 1;
    if (b[e] === 0x2b || b[e] === 0x2d) e++;
    const f = digitsEnd(b, e);
    if (f === e) return -1;
    i = f;
    canonical = false;
  }
  return i;
}

function literalEnd(b: Buffer, p: number, word: Buffer): number {
  for (let i = 0; i < word.length; i++) if (b[p + i] !== word[i]) return -1;
  return p + word.length;
}
const TRUE = latin1('true');
const PROTO = latin1('__proto__');
const FALSE = latin1('false');

/** Past the scalar at p, or -1 (an object, an array, not JSON). */
function scalarEnd(b: Buffer, p: number): number {
  const c = b[p];
  if (c === Q) return stringEnd(b, p);
  if (c === 0x74) return literalEnd(b, p, TRUE);
  if (c === 0x66) return literalEnd(b, p, FALSE);
  if (c === 0x6e) return literalEnd(b, p, NULL);
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return numberEnd(b, p);
  return -1;
}

/** Past the value at p, brackets matched (not checked further: JSON.parse of the event or value does that), or -1. */
function valueEnd(b: Buffer, p: number): number {
  const c = b[p];
  if (c !== OPEN && c !== OPEN_ARRAY) return scalarEnd(b, p);
  const n = b.length;
  let depth = 0;
  for (let i = p; i < n;) {
    const d = b[i] as number;
    if (d === Q) {
      i = stringEnd(b, i);
      if (i < 0) return -1;
      continue;
    }
    if (d === OPEN || d === OPEN_ARRAY) depth++;
    else if ((d === CLOSE || d === CLOSE_ARRAY) && --depth === 0) return i + 1;
    i++;
  }
  return -1;
}

function sameBytes(a: Buffer, s: number, e: number, k: Buffer): boolean {
  if (e - s !== k.length) return false;
  for (let i = 0; i < k.length; i++) if (a[s + i] !== k[i]) return false;
  return true;
}

function sameRange(b: Buffer, s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i++) if (b[s1 + i] !== b[s2 + i]) return false;
  return true;
}

/** Node's own slicers, which `toString` calls after checking its arguments (100k records call them 600k times). */
interface Slicers {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}
const utf8 = (b: Buffer, s: number, e: number): string => (b as Buffer & Slicers).utf8Slice(s, e);
const latin1Text = (b: Buffer, s: number, e: number): string => (b as Buffer & Slicers).latin1Slice(s, e);

/** The string value of the JSON string at [s, e) (quotes included). */
function stringValue(b: Buffer, s: number, e: number, hasEscape: boolean): string {
  return hasEscape ? (JSON.parse(utf8(b, s, e)) as string) : utf8(b, s + 1, e - 1);
}

/** A string value that mostly repeats from one record to the next (a status, a stream's log id): made once. */
interface Repeated {
  bytes: Buffer;
  length: number;
  value: string;
}
const repeated = (): Repeated => ({ bytes: Buffer.alloc(256), length: -1, value: '' });

function repeatedValue(r: Repeated, b: Buffer, s: number, e: number, hasEscape: boolean): string {
  const n = e - s;
  if (n === r.length) {
    let i = 0;
    while (i < n && b[s + i] === r.bytes[i]) i++;
    if (i === n) return r.value;
  }
  const value = stringValue(b, s, e, hasEscape);
  if (n <= r.bytes.length) {
    for (let i = 0; i < n; i++) r.bytes[i] = b[s + i] as number;
    r.length = n;
    r.value = value;
  }
  return value;
}
const lastStatus = repeated();
const lastWriter = repeated();
const lastLogId = repeated();
const lastStep = repeated();

function kindAt(b: Buffer, p: number): number {
  const c = b[p];
  return c === Q
    ? STRING
    : c === 0x6e
      ? NULL_KIND
      : c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)
        ? NUMBER
        : OTHER;
}

// ---- the output

/**
 * Where bytes are written: the lines of the page being read (copied out, exactly sized, once the page is read). An
 * event's attributes are flattened as they are read, at the place its line will start (`lineAt`), since its other
 * fields may come after them; once they are known its line is written after the members, the members moved behind
 * it and the whole line back to `lineAt` (`copyWithin`: a memmove, ~25 ns for a line where a JS byte loop over the
 * ~400 bytes of members was ~650 ns).
 */
let out: Buffer = Buffer.allocUnsafeSlow(1 << 20);
/** Where the event being read will have its line, and the length of its flattened attributes there. */
let lineAt = 0;
let membersLength = 0;

function ensure(o: number, more: number): void {
  if (o + more <= out.length) return;
  const grown = Buffer.allocUnsafeSlow(Math.max(out.length * 2, o + more + 1024));
  out.copy(grown, 0, 0, o);
  out = grown;
}

/** Copies [s, e) of b to the output at o. A loop: `Buffer.copy`'s checks cost more than the few bytes it copies. */
function put(o: number, b: Buffer, s: number, e: number): number {
  ensure(o, e - s);
  if (e - s > 1024) return o + b.copy(out, o, s, e);
  const to = out;
  for (let i = s; i < e; i++) to[o++] = b[i] as number;
  return o;
}

function putAll(o: number, k: Buffer): number {
  return put(o, k, 0, k.length);
}

function putText(o: number, text: string): number {
  ensure(o, text.length * 3);
  return o + out.write(text, o, 'utf8');
}

/**
 * The JSON string whose quote is at p copied to the output at o as it is read, when it has no escape and no control
 * byte (then it is what `jsonString` spells): past its closing quote in the page, or -1 (nothing to use in the output).
 */
function copyPlainString(b: Buffer, p: number, o: number): number {
  const n = b.length;
  ensure(o, n - p);
  const to = out;
  to[o++] = Q;
  for (let i = p + 1; i < n; i++) {
    const c = b[i] as number;
    to[o++] = c;
    if (c === Q) return i + 1;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

/** The JSON string at [s, e) as `jsonString` spells its value. */
function putString(o: number, b: Buffer, s: number, e: number, hasEscape: boolean): number {
  return hasEscape ? putText(o, jsonString(stringValue(b, s, e, true))) : put(o, b, s, e);
}

// ---- the attributes

const prefix: { bytes: Buffer; length: number } = { bytes: Buffer.allocUnsafeSlow(4096), length: 0 };
let prefixAt = new Int32Array(64);
let keysFrom = new Int32Array(64);
let keyStart = new Int32Array(1024);
let keyEnd = new Int32Array(1024);

/** The fields of the event being read that `entryFromEvent` takes from its attributes. */
const known = {
  seq: ABSENT,
  seqS: 0,
  seqE: 0,
  seqEsc: false,
  writer: ABSENT,
  writerS: 0,
  writerE: 0,
  writerEsc: false,
  logId: ABSENT,
  logIdS: 0,
  logIdE: 0,
  logIdEsc: false,
  step: ABSENT,
  stepS: 0,
  stepE: 0,
  stepEsc: false,
  stepRun: ABSENT,
  stepRunS: 0,
  stepRunE: 0,
  stepRunEsc: false,
};

function resetKnown(): void {
  known.seq = known.writer = known.logId = known.step = known.stepRun = ABSENT;
}

/** A value at the dotted key out[ks, ke): noted when `entryFromEvent` reads that attribute. */
function noteKnown(ks: number, ke: number, kind: number, vs: number, ve: number, esc: boolean): void {
  const n = ke - ks;
  if (n === 15 && sameBytes(out, ks, ke, P_SEQ)) {
    known.seq = kind;
    known.seqS = vs;
    known.seqE = ve;
    known.seqEsc = esc;
  } else if (n === 15 && sameBytes(out, ks, ke, P_STEP)) {
    known.step = kind;
    known.stepS = vs;
    known.stepE = ve;
    known.stepEsc = esc;
  } else if (n === 18 && sameBytes(out, ks, ke, P_WRITER)) {
    known.writer = kind;
    known.writerS = vs;
    known.writerE = ve;
    known.writerEsc = esc;
  } else if (n === 12 && sameBytes(out, ks, ke, P_LOG_ID)) {
    known.logId = kind;
    known.logIdS = vs;
    known.logIdE = ve;
    known.logIdEsc = esc;
  } else if (n === 19 && sameBytes(out, ks, ke, P_STEP_RUN)) {
    known.stepRun = kind;
    known.stepRunS = vs;
    known.stepRunE = ve;
    known.stepRunEsc = esc;
  }
}

/** A path where `entryFromEvent` reads a value: an object there is left to the object path. */
function isKnownPath(b: Buffer, n: number): boolean {
  return (
    sameBytes(b, 0, n, P_SEQ) ||
    sameBytes(b, 0, n, P_WRITER) ||
    sameBytes(b, 0, n, P_LOG_ID) ||
    sameBytes(b, 0, n, P_STEP) ||
    sameBytes(b, 0, n, P_STEP_RUN)
  );
}

function growKeys(keys: number): void {
  if (keys < keyStart.length) return;
  const s = new Int32Array(keyStart.length * 2);
  const e = new Int32Array(keyEnd.length * 2);
  s.set(keyStart);
  e.set(keyEnd);
  keyStart = s;
  keyEnd = e;
}

function growDepth(depth: number): void {
  if (depth + 1 < prefixAt.length) return;
  const a = new Int32Array(prefixAt.length * 2);
  const f = new Int32Array(keysFrom.length * 2);
  a.set(prefixAt);
  f.set(keysFrom);
  prefixAt = a;
  keysFrom = f;
}

function pushPrefix(b: Buffer, s: number, e: number): void {
  const need = prefix.length + 1 + (e - s);
  if (need > prefix.bytes.length) {
    const grown = Buffer.allocUnsafeSlow(Math.max(need, prefix.bytes.length * 2));
    prefix.bytes.copy(grown, 0, 0, prefix.length);
    prefix.bytes = grown;
  }
  const to = prefix.bytes;
  let at = prefix.length;
  if (at > 0) to[at++] = DOT;
  // A loop: the names are short, and Buffer.copy's checks and view cost ~200 ns a call (8 a record).
  for (let i = s; i < e; i++) to[at++] = b[i] as number;
  prefix.length = at;
}

/** Where flatten ended: past the object in the page, and in the output. */
const flattened = { p: 0, o: 0 };

/**
 * The members of `flattenAttributes(JSON.parse(object at p))` as `jsonlLine` writes them (no braces), into the
 * output at o; false when the object is not of the common shape. Sets `flattened`.
 */
function flatten(b: Buffer, p: number, o: number): boolean {
  let depth = 0;
  let keys = 0;
  let wrote = false;
  keysFrom[0] = 0;
  prefix.length = 0;
  p = skipSpace(b, p + 1);
  if (b[p] === CLOSE) {
    flattened.p = p + 1;
    flattened.o = o;
    return true;
  }
  for (;;) {
    if (b[p] !== Q) return false;
    const ks = p + 1;
    const kend = stringEnd(b, p);
    if (kend < 0 || escaped) return false;
    const ke = kend - 1;
    for (let i = ks; i < ke; i++) if (b[i] === DOT) return false;
    // A name starting with a digit may be an array index, which for...in gives first; at the top, '' and __proto__
    // are left to JSON.stringify by jsonlLine.
    const c0 = b[ks] as number;
    if (c0 >= 0x30 && c0 <= 0x39) return false;
    if (depth === 0 && (ke === ks || sameBytes(b, ks, ke, PROTO))) return false;
    // A repeated name: JSON.parse keeps the last value at the first one's place.
    for (let j = keysFrom[depth] as number; j < keys; j++)
      if (sameRange(b, keyStart[j] as number, keyEnd[j] as number, ks, ke)) return false;
    growKeys(keys);
    keyStart[keys] = ks;
    keyEnd[keys] = ke;
    keys++;
    p = skipSpace(b, kend);
    if (b[p] !== COLON) return false;
    p = skipSpace(b, p + 1);
    const c = b[p];
    if (c === OPEN) {
      growDepth(depth);
      prefixAt[depth] = prefix.length;
      pushPrefix(b, ks, ke);
      if (isKnownPath(prefix.bytes, prefix.length)) return false;
      depth++;
      keysFrom[depth] = keys;
      p = skipSpace(b, p + 1);
      if (b[p] !== CLOSE) continue;
      // An empty object flattens to nothing.
      p++;
      depth--;
      keys = keysFrom[depth + 1] as number;
      prefix.length = prefixAt[depth] as number;
    } else {
      const isArray = c === OPEN_ARRAY;
      ensure(o, prefix.length + (ke - ks) + 4);
      if (wrote) out[o++] = COMMA;
      wrote = true;
      out[o++] = Q;
      const dotted = o;
      o = put(o, prefix.bytes, 0, prefix.length);
      if (prefix.length > 0) out[o++] = DOT;
      o = put(o, b, ks, ke);
      const dottedEnd = o;
      ensure(o, 2);
      out[o++] = Q;
      out[o++] = COLON;
      // A string with no escape is copied as it is read (one pass over its bytes, not a scan and then a copy).
      let ve = c === Q ? copyPlainString(b, p, o) : -1;
      if (ve >= 0) {
        noteKnown(dotted, dottedEnd, STRING, p, ve, false);
        o += ve - p;
      } else {
        ve = isArray ? valueEnd(b, p) : scalarEnd(b, p);
        if (ve < 0) return false;
        const esc = escaped;
        noteKnown(dotted, dottedEnd, isArray ? OTHER : kindAt(b, p), p, ve, esc);
        if (isArray) {
          let v: unknown;
          try {
            v = JSON.parse(utf8(b, p, ve));
          } catch {
            return false;
          }
          o = putText(o, JSON.stringify(v));
        } else if (c === Q) o = putString(o, b, p, ve, esc);
        else if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
          if (canonical) o = put(o, b, p, ve);
          else {
            const v = Number(latin1Text(b, p, ve));
            o = putText(o, Number.isFinite(v) ? String(v) : 'null');
          }
        } else o = put(o, b, p, ve);
      }
      p = ve;
    }
    // After a member: a comma, or the end of as many objects as close here.
    for (;;) {
      p = skipSpace(b, p);
      if (b[p] === COMMA) {
        p = skipSpace(b, p + 1);
        break;
      }
      if (b[p] !== CLOSE) return false;
      p++;
      if (depth === 0) {
        flattened.p = p;
        flattened.o = o;
        return true;
      }
      depth--;
      keys = keysFrom[depth + 1] as number;
      prefix.length = prefixAt[depth] as number;
    }
  }
}

// ---- one event

/** The time last read: records of one burst share their millisecond. */
let lastTime: Buffer = Buffer.allocUnsafeSlow(64);
let lastTimeLength = -1;
let lastMs = Number.NaN;
let lastIso: Buffer = NO_BYTES;

/** The time at [s, e) is the one last read (compared in place: a subarray a record cost a view object). */
function sameTime(b: Buffer, s: number, e: number): boolean {
  if (e - s !== lastTimeLength) return false;
  for (let i = 0; i < lastTimeLength; i++) if (b[s + i] !== lastTime[i]) return false;
  return true;
}

/** The spans of an event's fields: [start, end) of each JSON value in the page, -1 when absent. */
const f = {
  id: -1,
  idE: 0,
  idEsc: false,
  ts: -1,
  tsE: 0,
  status: -1,
  statusE: 0,
  statusEsc: false,
  message: -1,
  messageE: 0,
  messageEsc: false,
  service: -1,
  serviceE: 0,
  host: -1,
  hostE: 0,
  tags: -1,
  tagsE: 0,
  attrs: -1,
};

const K_ID = latin1('id');
const K_ATTRIBUTES = latin1('attributes');
const K_TIMESTAMP = latin1('timestamp');
const K_MESSAGE = latin1('message');
const K_STATUS = latin1('status');
const K_SERVICE = latin1('service');
const K_HOST = latin1('host');
const K_TAGS = latin1('tags');

/** The event's top object at p: the spans of `id` and `attributes`; past it, or -1 (uncommon: read as an object). */
function readEventKeys(b: Buffer, p: number): number {
  f.id = -1;
  let outer = -1;
  p = skipSpace(b, p + 1);
  if (b[p] === CLOSE) return -1;
  for (;;) {
    if (b[p] !== Q) return -1;
    const ks = p + 1;
    const kend = stringEnd(b, p);
    if (kend < 0 || escaped) return -1;
    const ke = kend - 1;
    p = skipSpace(b, kend);
    if (b[p] !== COLON) return -1;
    p = skipSpace(b, p + 1);
    const vs = p;
    if (sameBytes(b, ks, ke, K_ID)) {
      if (f.id >= 0 || b[p] !== Q) return -1;
      p = stringEnd(b, p);
      if (p < 0) return -1;
      f.id = vs;
      f.idE = p;
      f.idEsc = escaped;
    } else if (sameBytes(b, ks, ke, K_ATTRIBUTES)) {
      if (outer >= 0 || b[p] !== OPEN) return -1;
      p = readOuterAttributes(b, p);
      if (p < 0) return -1;
      outer = vs;
    } else {
      // Another key (`type`): a scalar is passed over; anything else is left to the object path.
      p = scalarEnd(b, p);
      if (p < 0) return -1;
    }
    p = skipSpace(b, p);
    if (b[p] === COMMA) p = skipSpace(b, p + 1);
    else if (b[p] === CLOSE) break;
    else return -1;
  }
  return f.id >= 0 && outer >= 0 ? p + 1 : -1;
}

/** The record's own fields, in the event's `attributes` at p; past it, or -1. */
function readOuterAttributes(b: Buffer, p: number): number {
  f.ts = f.status = f.message = f.service = f.host = f.tags = f.attrs = -1;
  membersLength = 0;
  resetKnown();
  p = skipSpace(b, p + 1);
  if (b[p] === CLOSE) return p + 1;
  for (;;) {
    if (b[p] !== Q) return -1;
    const ks = p + 1;
    const kend = stringEnd(b, p);
    if (kend < 0 || escaped) return -1;
    const ke = kend - 1;
    p = skipSpace(b, kend);
    if (b[p] !== COLON) return -1;
    p = skipSpace(b, p + 1);
    const vs = p;
    const c = b[p];
    const len = ke - ks;
    // A field twice: JSON.parse keeps the last; left to it.
    if (len === 10 && sameBytes(b, ks, ke, K_ATTRIBUTES)) {
      if (f.attrs >= 0 || c !== OPEN) return -1;
      // Flattened now, where the line will be: read once.
      if (!flatten(b, p, lineAt)) return -1;
      p = flattened.p;
      membersLength = flattened.o - lineAt;
      f.attrs = vs;
    } else if (len === 4 && sameBytes(b, ks, ke, K_TAGS)) {
      if (f.tags >= 0) return -1;
      p = c === OPEN_ARRAY ? tagsEnd(b, p) : c === 0x6e ? literalEnd(b, p, NULL) : -1;
      f.tags = vs;
      f.tagsE = p;
    } else {
      // The other fields are strings (service and host may be null); a key entryFromEvent does not read is passed
      // over when it is a scalar.
      p = scalarEnd(b, p);
      if (p < 0) return -1;
      const isString = c === Q;
      if (len === 9 && sameBytes(b, ks, ke, K_TIMESTAMP)) {
        if (f.ts >= 0 || !isString || escaped) return -1;
        f.ts = vs + 1;
        f.tsE = p - 1;
      } else if (len === 7 && sameBytes(b, ks, ke, K_MESSAGE)) {
        if (f.message >= 0 || !isString) return -1;
        f.message = vs;
        f.messageE = p;
        f.messageEsc = escaped;
      } else if (len === 6 && sameBytes(b, ks, ke, K_STATUS)) {
        if (f.status >= 0 || !isString) return -1;
        f.status = vs;
        f.statusE = p;
        f.statusEsc = escaped;
      } else if (len === 7 && sameBytes(b, ks, ke, K_SERVICE)) {
        if (f.service >= 0 || (!isString && c !== 0x6e)) return -1;
        f.service = vs;
        f.serviceE = p;
      } else if (len === 4 && sameBytes(b, ks, ke, K_HOST)) {
        if (f.host >= 0 || (!isString && c !== 0x6e)) return -1;
        f.host = vs;
        f.hostE = p;
      }
    }
    if (p < 0) return -1;
    p = skipSpace(b, p);
    if (b[p] === COMMA) p = skipSpace(b, p + 1);
    else if (b[p] === CLOSE) return p + 1;
    else return -1;
  }
}

/** Past the array of strings at p, or -1. */
function tagsEnd(b: Buffer, p: number): number {
  p = skipSpace(b, p + 1);
  if (b[p] === CLOSE_ARRAY) return p + 1;
  for (;;) {
    if (b[p] !== Q) return -1;
    p = stringEnd(b, p);
    if (p < 0) return -1;
    p = skipSpace(b, p);
    if (b[p] === COMMA) p = skipSpace(b, p + 1);
    else if (b[p] === CLOSE_ARRAY) return p + 1;
    else return -1;
  }
}

/**
 * The event's line into the output at `lineAt` (its flattened attributes are there), its entry into entries; the
 * output's end, or -1 (uncommon).
 */
function writeEvent(b: Buffer, entries: LogEntry[]): number {
  if (f.ts < 0) return -1;
  if (!sameTime(b, f.ts, f.tsE)) {
    if (f.tsE - f.ts > lastTime.length) lastTime = Buffer.allocUnsafeSlow(f.tsE - f.ts);
    lastTimeLength = b.copy(lastTime, 0, f.ts, f.tsE);
    lastMs = Date.parse(utf8(b, f.ts, f.tsE));
    // An unreadable time prints as null: left to the object path.
    if (!Number.isFinite(lastMs)) {
      lastTimeLength = -1;
      return -1;
    }
    lastIso = latin1(new Date(lastMs).toISOString());
  }
  // The line is written after the members, which then move behind it, and the whole line moves back to lineAt.
  const members = lineAt;
  const start = lineAt + membersLength;
  let o = putAll(start, L_ID);
  o = putString(o, b, f.id, f.idE, f.idEsc);
  o = putAll(o, L_TIME);
  o = putAll(o, lastIso);
  o = putAll(o, L_STATUS);
  o = f.status >= 0 ? putString(o, b, f.status, f.statusE, f.statusEsc) : putAll(o, INFO);
  o = putAll(o, L_MESSAGE);
  o = f.message >= 0 ? putString(o, b, f.message, f.messageE, f.messageEsc) : putAll(o, EMPTY_STRING);
  o = putAll(o, L_SERVICE);
  o = f.service >= 0 ? putScalar(o, b, f.service, f.serviceE) : putAll(o, NULL);
  o = putAll(o, L_HOST);
  o = f.host >= 0 ? putScalar(o, b, f.host, f.hostE) : putAll(o, NULL);
  o = putAll(o, L_TAGS);
  // The tags one by one: what is between them in the page (spaces) is not ours to copy; null is no tags.
  if (f.tags >= 0 && b[f.tags] === OPEN_ARRAY)
    for (let t = skipSpace(b, f.tags + 1), n = 0; b[t] === Q; n++) {
      const te = stringEnd(b, t);
      if (n > 0) {
        ensure(o, 1);
        out[o++] = COMMA;
      }
      o = putString(o, b, t, te, escaped);
      t = skipSpace(b, te);
      if (b[t] === COMMA) t = skipSpace(b, t + 1);
    }
  o = putAll(o, L_ATTRS);
  ensure(o, membersLength + L_END.length);
  out.copyWithin(o, members, start);
  o = putAll(o + membersLength, L_END);
  out.copyWithin(lineAt, start, o);
  const end = lineAt + (o - start);
  entries.push(scannedEntry(b, lineAt, end));
  return end;
}

/** A string field's span as the page spells it (quotes and escapes included), or null. */
function putScalar(o: number, b: Buffer, s: number, e: number): number {
  return b[s] === Q ? putString(o, b, s, e, hasEscape(b, s, e)) : put(o, b, s, e);
}

function hasEscape(b: Buffer, s: number, e: number): boolean {
  for (let i = s + 1; i < e - 1; i++) if (b[i] === BACKSLASH) return true;
  return false;
}

/** Number(text) of the JSON number at [s, e): summed when it is up to 15 digits (exact), else parsed from its text. */
function integerAt(b: Buffer, s: number, e: number): number {
  if (e - s > 15 || (b[s] === 0x30 && e - s > 1)) return Number(latin1Text(b, s, e));
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = (b[i] as number) - 0x30;
    if (d < 0 || d > 9) return Number(latin1Text(b, s, e));
    v = v * 10 + d;
  }
  return v;
}

/** `entryFromEvent`'s fields of the event just written (its line at [start, end) of the output). */
function scannedEntry(b: Buffer, start: number, end: number): ScannedEntry {
  let seq = 0;
  let hasSeq = false;
  if (known.seq === NUMBER) {
    seq = integerAt(b, known.seqS, known.seqE);
    hasSeq = true;
  } else if (known.seq === STRING && known.seqE - known.seqS > 2) {
    seq = Number(stringValue(b, known.seqS, known.seqE, known.seqEsc));
    hasSeq = true;
  }
  // attributeAt(step.name) ?? attributeAt(step.run.name): a null step name gives way too.
  let step: string | undefined;
  if (known.step === STRING) step = repeatedValue(lastStep, b, known.stepS, known.stepE, known.stepEsc);
  else if ((known.step === ABSENT || known.step === NULL_KIND) && known.stepRun === STRING)
    step = repeatedValue(lastStep, b, known.stepRunS, known.stepRunE, known.stepRunEsc);
  return {
    id: stringValue(b, f.id, f.idE, f.idEsc),
    timestamp: lastMs,
    status: f.status >= 0 ? repeatedValue(lastStatus, b, f.status, f.statusE, f.statusEsc) : 'info',
    message: f.message >= 0 ? stringValue(b, f.message, f.messageE, f.messageEsc) : '',
    service: undefined,
    host: undefined,
    tags: undefined,
    step,
    logId: known.logId === STRING ? repeatedValue(lastLogId, b, known.logIdS, known.logIdE, known.logIdEsc) : undefined,
    seq,
    writer:
      known.writer === STRING ? repeatedValue(lastWriter, b, known.writerS, known.writerE, known.writerEsc) : undefined,
    hasSeq,
    attributes: NO_ATTRIBUTES,
    nested: true,
    lineBytes: NO_BYTES,
    lineStart: start,
    lineEnd: end,
  };
}

/** The event at p parsed on its own and converted as the object path does; undefined when it cannot be. */
function eventAsObject(b: Buffer, p: number): { entry: LogEntry; end: number } | undefined {
  const end = valueEnd(b, p);
  if (end < 0) return undefined;
  let ev: unknown;
  try {
    ev = JSON.parse(utf8(b, p, end));
  } catch {
    return undefined;
  }
  // entryFromEvent reads ev.attributes.attributes: an event without an attributes object fails there, as before.
  const a = (ev as { attributes?: unknown } | null)?.attributes;
  if (a === null || typeof a !== 'object') return undefined;
  return { entry: entryFromEvent(ev as LogsSearchEvent), end };
}

/**
 * The answer read by the scanner, or undefined to leave it to the object path (search-page.ts). Its records are
 * `scanned`, in the page's order: a common one with its `jsonl` line in `lineBytes` (one buffer per page, lent:
 * query/line-pages.ts), an uncommon one as `entryFromEvent` makes it.
 */
export function scanSearchAnswer(b: Buffer): ScannedAnswer | undefined {
  if (!sameBytes(b, 0, HEAD.length, HEAD) || !isUtf8(b)) return undefined;
  let p = skipSpace(b, HEAD.length);
  if (b[p] !== OPEN) return undefined;
  const entries: LogEntry[] = [];
  let o = 0;
  let lines = 0;
  for (;;) {
    const at = p;
    lineAt = o;
    const end = readEventKeys(b, p);
    const o2 = end < 0 ? -1 : writeEvent(b, entries);
    if (o2 >= 0) {
      o = o2;
      p = end;
      lines++;
    } else {
      const one = eventAsObject(b, at);
      if (one === undefined) return undefined;
      entries.push(one.entry);
      p = one.end;
    }
    p = skipSpace(b, p);
    if (b[p] === COMMA) p = skipSpace(b, p + 1);
    else if (b[p] === CLOSE_ARRAY) break;
    else return undefined;
  }
  // What follows the events (meta, links), with the events left out: `{"data":[]` and the rest.
  let rest: unknown;
  try {
    rest = JSON.parse(`{"data":[]${utf8(b, p + 1, b.length)}`);
  } catch {
    return undefined;
  }
  const data = (rest as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== 0) return undefined;
  if (lines > 0) {
    const page = borrowLines(o, lines);
    out.copy(page, 0, 0, o);
    for (const e of entries) if (e.lineBytes !== undefined) e.lineBytes = page;
  }
  const answer = rest as ScannedAnswer;
  answer.scanned = entries;
  return answer;
}
