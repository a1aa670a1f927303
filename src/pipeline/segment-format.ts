/**
 * The one on-disk record format, shared by the local store, the journal and the spool (docs/design.md has the
 * measurements behind it). A segment file holds the records of one writer of one log stream (run, step):
 *
 *   "DDLSEG1\n"  u32le header length  header JSON   (what is constant for the stream, written once)
 *   frame*       varint body length   body
 *
 * A body is `flags` (bits 0-2 level, bit 3 stderr, bit 4 own attributes, bit 5 absolute), the time and seq
 * (absolute in the first frame of every write, else zigzag deltas from the previous frame), the message's UTF-8
 * length and bytes, and the record's own attributes as JSON up to the end of the body. Frames of one write are a
 * unit: a write that is cut short (a crash, a full disk) leaves a torn last frame, which readers cut off.
 *
 * The journal writes a chunk's records as one block frame instead (`encodeAll`, when their text is ASCII): `flags`
 * 0x40, the record count, the first record's time and seq (absolute), the table's length, the table (per record its
 * flags, time and seq deltas, message length and, with bit 4, attributes length), then the text to the end of the
 * body (every message, each followed by its attributes' JSON). One native call encodes the whole text where frames
 * took one or two per record. A block cut short (a crash mid-write) still gives the records whose text is whole
 * (`salvage`): the table comes first for that.
 *
 * When a chunk's records are its lines as they came (the record builder's `rawLines`), the journal writes those
 * bytes instead, as a lines frame (`encodeLines`): `flags` 0x81, the record count, their time (one for all) and first
 * seq (absolute; the seqs follow each other), the table's length, the table (per record its flags, message length
 * and, with bit 4, an index into the dictionary), the dictionary's length and the dictionary (each distinct
 * attributes' JSON once, its length first), then the lines to the end of the body (each ends with `\n`; its record's
 * message is its last bytes before it). No text is encoded and the lines are not copied: they are a part of their own
 * (`parts`, one writev). Flags 0x80 (journals written before): the same but the attributes one per record, in order,
 * each table entry giving a length instead of an index; still read.
 *
 * A parsed lines frame (`encodeParsedLines`, flags 0x82, what the journal writes for such lines since the ninth
 * session) has no table: the parser's version, the record count, their time and first seq, one byte (the level of
 * a line that does not say its own, and bit 3 stderr), then the lines to the end of the body. Each record is what
 * the record builder's plain-line parser (runner/plain-line.ts) makes of its line: a decoder reads these frames only
 * when it is given that parser (`createFrameDecoder({ lineParser })`, the journal's reader).
 *
 * An ack frame (`encodeAcks`, flags 0x83, the journal's checkpoint since the eleventh session) holds no record: the
 * seq ranges the intake acknowledged, as the range count then per range its first seq and its length less one. The
 * journal writes it in front of the next chunk's frames (one writev) or alone; it leaves the deltas of the frames
 * around it alone. `decode` answers it as `acks`, `decodeSpan` skips it (the local store never writes one), and
 * `scanAcks` reads a file's acks without decoding its records.
 */
import {
  ORIGINAL_TIMESTAMP,
  type Level,
  type LogRecordData,
  type StreamContext,
  type StreamName,
} from '../core/log-record.js';

export const SEGMENT_MAGIC = Buffer.from('DDLSEG1\n', 'latin1');
export const SEGMENT_VERSION = 1;
export const SEGMENT_EXTENSION = '.seg';
/** A header larger than this is not ours (a damaged file). */
const MAX_HEADER_BYTES = 1 << 20;

const LEVEL_CODES: readonly Level[] = ['debug', 'info', 'warn', 'error', 'critical'];
const LEVEL_CODE: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3, critical: 4 };
const STDERR = 0x08;
const HAS_ATTRIBUTES = 0x10;
const ABSOLUTE = 0x20;
/** A block frame's flags (alone: the records' own flags are in its table). */
const BLOCK = 0x40;
/** A lines frame's flags (alone, as a block's): its attributes one per record (written before the eighth session). */
const LINES = 0x80;
/** A lines frame whose attributes are a dictionary, each record's an index into it (what encodeLines writes). */
const LINES_DICT = 0x81;
/** A lines frame with no table: each record is what the line parser makes of its line (encodeParsedLines). */
const PARSED_LINES = 0x82;
/** An ack frame: seq ranges the intake acknowledged (the journal's checkpoint), no record. */
const ACKS = 0x83;
const NEWLINE = 0x0a;
/** A lines frame's attributes dictionary holds at most this many distinct ones (else a block frame). */
const MAX_DICT_ENTRIES = 64;
/** Below this many records, encodeAll writes frames (a block would not pay). */
const MIN_BLOCK_RECORDS = 4;
/** Above this many characters of text, encodeAll writes frames: the encoder's buffer, which stays, stays small. */
const MAX_BLOCK_CHARS = 1 << 20;

/** Who wrote a segment: a `run` (or `flush`) process, told apart from its look-alikes (docs/reliability.md). */
export interface SegmentOwner {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), when known. */
  startTicks?: number;
  /** /proc/sys/kernel/random/boot_id: a pid from another boot is nobody. */
  bootId?: string;
  /** The pid namespace (/proc/self/ns/pid): a pid from another namespace cannot be checked here. */
  pidNs?: string;
  host: string;
}

export interface SegmentHeader {
  v: number;
  /** `local` (the local store), `journal` (a remote flavor's write-ahead journal). */
  kind: 'local' | 'journal';
  /** Unique per writing process: with the log id and seq it names a record (`dd_logstore.writer`). */
  writer: string;
  context: StreamContext;
  createdAt: number;
  owner?: SegmentOwner;
  /** The journal's part number (files rotate at a bounded size). */
  part?: number;
  /**
   * The writer's stdout and stderr were one pipe (`cmd > out 2>&1`): its records' stream is `combined`, not `stdout`.
   * A record's flags only have room to say stderr or not; the header says which the rest are.
   */
  merged?: boolean;
}

export function encodeHeader(header: SegmentHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.allocUnsafe(SEGMENT_MAGIC.length + 4 + json.length);
  SEGMENT_MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, SEGMENT_MAGIC.length);
  json.copy(out, SEGMENT_MAGIC.length + 4);
  return out;
}

export type HeaderResult =
  { kind: 'ok'; header: SegmentHeader; bodyStart: number } | { kind: 'short' } | { kind: 'bad'; reason: string };

/** The header of a segment, from the first bytes of the file; `short` when they do not hold all of it yet. */
export function decodeHeader(buf: Buffer): HeaderResult {
  const m = SEGMENT_MAGIC.length;
  if (buf.length < m + 4)
    return buf.subarray(0, m).equals(SEGMENT_MAGIC.subarray(0, buf.length))
      ? { kind: 'short' }
      : { kind: 'bad', reason: 'not a segment file' };
  if (!buf.subarray(0, m).equals(SEGMENT_MAGIC)) return { kind: 'bad', reason: 'not a segment file' };
  const len = buf.readUInt32LE(m);
  if (len > MAX_HEADER_BYTES) return { kind: 'bad', reason: 'header too large' };
  if (buf.length < m + 4 + len) return { kind: 'short' };
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', m + 4, m + 4 + len));
  } catch {
    return { kind: 'bad', reason: 'header is not JSON' };
  }
  const h = header as Partial<SegmentHeader> | null;
  if (typeof h !== 'object' || h === null || h.v !== SEGMENT_VERSION || typeof h.writer !== 'string')
    return { kind: 'bad', reason: 'unknown header' };
  const c = h.context as Partial<StreamContext> | undefined;
  if (typeof c !== 'object' || c === null || typeof c.runId !== 'string' || typeof c.logId !== 'string')
    return { kind: 'bad', reason: 'header without a stream' };
  return { kind: 'ok', header: h as SegmentHeader, bodyStart: m + 4 + len };
}

/**
 * Encodes records as frames into its own growing buffer; the first frame after `begin()` is absolute, so every write
 * stands alone. Each frame is written in place: its length prefix is reserved at the width its upper bound needs.
 */
export interface FrameEncoder {
  /** Starts a new write unit: drops what was encoded and makes the next frame carry its time and seq in full. */
  begin(): void;
  encode(record: LogRecordData): void;
  /**
   * Encodes records of one write: a block frame when there are a few and their text is ASCII (the journal's common
   * case: ~2x cheaper per record), else a frame each as `encode` does. Readers: `decode` only (journals).
   */
  encodeAll(records: readonly LogRecordData[], from?: number, to?: number): void;
  /**
   * Encodes `records[from, from + count)` as one lines frame whose lines are `lines` (the record builder's
   * `rawLines`: one line per record, each record's message the end of its line, all ASCII). False, with nothing
   * written, when the records do not share one time (a record given another time after the builder: `encodeAll` them).
   */
  encodeLines(records: readonly LogRecordData[], from: number, count: number, lines: Buffer): boolean;
  /**
   * `records[from, from + count)` as one parsed lines frame: `lines` are theirs as `encodeLines` takes them, and each
   * record is what plain-line.ts (version `parser`) makes of its line with `defaultLevel` (the builder's promise,
   * `RawLines`). What can change a record after the builder is checked: false, nothing written, when they do not
   * share one time or were given another (run-step.ts's time-window rewrite). `timestamp`: the time the builder
   * gave them all (`RawLines.timestamp`); with it only the first and the last record's are compared, not each one's.
   */
  encodeParsedLines(
    records: readonly LogRecordData[],
    from: number,
    count: number,
    lines: Buffer,
    defaultLevel: Level,
    parser: number,
    timestamp?: number,
  ): boolean;
  /**
   * An ack frame of `ranges` (`[from, to, from, to, ...]`, inclusive seqs): the journal's checkpoint. It does not
   * change the frames' deltas: written first after `begin()`, the next record frame is still absolute.
   */
  encodeAcks(ranges: readonly number[]): void;
  /** The frames encoded since `begin()` (a view, valid until the next `begin()`; a copy when `parts` are several). */
  bytes(): Buffer;
  /** The same bytes as parts to write in order (one `writev`): a lines frame's lines are not copied. */
  parts(): Buffer[];
}

type Utf8Writer = { utf8Write(s: string, offset: number, length?: number): number };
const HAS_UTF8_WRITE = typeof (Buffer.prototype as Partial<Utf8Writer>).utf8Write === 'function';

export function createFrameEncoder(initialBytes = 256 * 1024): FrameEncoder {
  let prevTs = 0;
  let prevSeq = -1;
  let absolute = true;
  let buf = Buffer.allocUnsafe(initialBytes);
  let len = 0;
  const attributesJson = createAttributesJson();
  // encodeBlock's table, reused.
  let table = Buffer.allocUnsafe(0);
  // encodeLines' attributes dictionary, reused.
  const dict: string[] = [];
  // Bytes that go between the encoded ones, not copied (a lines frame's lines): pairs of (offset in buf, bytes), the
  // first `externalLength` entries (a count, not `external.length = 0` per write: setting an array's length is a
  // runtime call in code not yet optimized, which the journal's ~1,500 writes per 1M lines mostly are).
  const external: (number | Buffer)[] = [];
  let externalLength = 0;
  const addExternal = (at: number, bytes: Buffer): void => {
    external[externalLength++] = at;
    external[externalLength++] = bytes;
  };

  /** The records as one block frame; false (nothing written) when their text is not ASCII or too long. */
  function encodeBlock(records: readonly LogRecordData[], from: number, to: number): boolean {
    const n = to - from;
    // The table first, in its own buffer: its length goes before it. Per record at most flags, two deltas, two lengths.
    if (table.length < n * 37) table = Buffer.allocUnsafe(n * 37 * 2);
    const t = table;
    const first = records[from] as LogRecordData;
    let ts = first.timestamp;
    let seq = first.seq - 1;
    let q = 0;
    // The text concatenated: a rope V8 flattens once, when it is encoded (cheaper here than an array and a join).
    let text = '';
    for (let i = from; i < to; i++) {
      const r = records[i] as LogRecordData;
      const attrs = r.attributes === undefined ? undefined : attributesJson(r.attributes);
      text += r.message;
      if (attrs !== undefined) text += attrs;
      if (text.length > MAX_BLOCK_CHARS) return false;
      let flags = LEVEL_CODE[r.level] ?? 1;
      if (r.stream === 'stderr') flags |= STDERR;
      if (attrs !== undefined) flags |= HAS_ATTRIBUTES;
      t[q++] = flags;
      const dTs = r.timestamp - ts;
      if (dTs === 0) t[q++] = 0;
      else q = writeVarint(t, q, zigzag(dTs));
      const dSeq = r.seq - seq - 1;
      if (dSeq === 0) t[q++] = 0;
      else q = writeVarint(t, q, zigzag(dSeq));
      ts = r.timestamp;
      seq = r.seq;
      q = writeVarint(t, q, r.message.length);
      if (attrs !== undefined) q = writeVarint(t, q, attrs.length);
    }
    const chars = text.length;
    const firstTs = zigzag(first.timestamp);
    const firstSeq = zigzag(first.seq);
    const headLen = 1 + varintLength(n) + varintLength(firstTs) + varintLength(firstSeq) + varintLength(q);
    // Exact if the text is ASCII (checked below): no padded widths.
    const bodyLen = headLen + q + chars;
    const lenWidth = varintLength(bodyLen);
    // 8 bytes of slack: a non-ASCII text then writes more bytes than it has characters even if cut at the end.
    if (len + lenWidth + bodyLen + 8 > buf.length) {
      const next = Buffer.allocUnsafe(Math.max(buf.length * 2, len + lenWidth + bodyLen + 8));
      buf.copy(next, 0, 0, len);
      buf = next;
    }
    const b = buf;
    const textAt = len + lenWidth + headLen + q;
    // As many bytes as characters: ASCII, so each part's length in characters is its length in bytes.
    if (utf8Write(b, text, textAt) !== chars) return false;
    let p = writeVarint(b, len, bodyLen);
    b[p++] = BLOCK;
    p = writeVarint(b, p, n);
    p = writeVarint(b, p, firstTs);
    p = writeVarint(b, p, firstSeq);
    p = writeVarint(b, p, q);
    t.copy(b, p, 0, q);
    len = textAt + chars;
    // A frame after the block is a delta from its last record, as after any frame.
    prevTs = ts;
    prevSeq = seq;
    absolute = false;
    return true;
  }

  function ensure(bytes: number): void {
    if (len + bytes <= buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(buf.length * 2, len + bytes));
    buf.copy(next, 0, 0, len);
    buf = next;
  }

  const encoder: FrameEncoder = {
    encodeAll(records, from = 0, to = records.length) {
      const ok = to - from >= MIN_BLOCK_RECORDS && HAS_UTF8_WRITE && encodeBlock(records, from, to);
      if (!ok) for (let i = from; i < to; i++) encoder.encode(records[i] as LogRecordData);
    },
    encodeLines(records, from, count, lines) {
      if (count === 0) return true;
      const first = records[from] as LogRecordData;
      const ts = first.timestamp;
      const n = count;
      // Per record at most flags, a message length and a dictionary index.
      if (table.length < n * 11) table = Buffer.allocUnsafe(n * 11 * 2);
      const t = table;
      let q = 0;
      // The frame's distinct attributes (most records that have any share one of a few: the Python logger's name).
      dict.length = 0;
      let lastJson: string | undefined;
      let lastIndex = 0;
      for (let i = from; i < from + n; i++) {
        const r = records[i] as LogRecordData;
        if (r.timestamp !== ts) return false;
        let flags = LEVEL_CODE[r.level] ?? 1;
        if (r.stream === 'stderr') flags |= STDERR;
        const attrs = r.attributes === undefined ? undefined : attributesJson(r.attributes);
        if (attrs === undefined) {
          t[q++] = flags;
          // ASCII (the builder's promise): characters are bytes.
          q = writeVarint(t, q, r.message.length);
          continue;
        }
        if (attrs !== lastJson) {
          lastIndex = dict.indexOf(attrs);
          if (lastIndex === -1) {
            // Many distinct ones (unusual): a block frame, with no dictionary to search.
            if (dict.length >= MAX_DICT_ENTRIES) return false;
            // As many bytes as characters, checked here (once per entry): the frame's room is exact, so a non-ASCII
            // entry cut at a character boundary could write exactly its length in bytes and pass the check below.
            if (Buffer.byteLength(attrs) !== attrs.length) return false;
            lastIndex = dict.push(attrs) - 1;
          }
          lastJson = attrs;
        }
        t[q++] = flags | HAS_ATTRIBUTES;
        q = writeVarint(t, q, r.message.length);
        q = writeVarint(t, q, lastIndex);
      }
      let dictBytes = 0;
      for (const d of dict) dictBytes += varintLength(d.length) + d.length;
      const firstTs = zigzag(ts);
      const firstSeq = zigzag(first.seq);
      const headLen = 1 + varintLength(n) + varintLength(firstTs) + varintLength(firstSeq) + varintLength(q) + q;
      const bodyLen = headLen + varintLength(dictBytes) + dictBytes + lines.length;
      const lenWidth = varintLength(bodyLen);
      // The lines are not copied here: they follow as a part of their own (`parts`, one writev).
      ensure(lenWidth + bodyLen - lines.length);
      const b = buf;
      let p = writeVarint(b, len, bodyLen);
      b[p++] = LINES_DICT;
      p = writeVarint(b, p, n);
      p = writeVarint(b, p, firstTs);
      p = writeVarint(b, p, firstSeq);
      p = writeVarint(b, p, q);
      p += t.copy(b, p, 0, q);
      p = writeVarint(b, p, dictBytes);
      for (const d of dict) {
        p = writeVarint(b, p, d.length);
        // ASCII (checked when it joined the dictionary; else a block, whose encoder checks the same).
        if (utf8Write(b, d, p) !== d.length) return false;
        p += d.length;
      }
      len = p;
      addExternal(p, lines);
      prevTs = ts;
      prevSeq = first.seq + n - 1;
      absolute = false;
      return true;
    },
    encodeParsedLines(records, from, count, lines, defaultLevel, parser, timestamp) {
      if (count === 0) return true;
      const first = records[from] as LogRecordData;
      const ts = first.timestamp;
      // The time-window rewrite gives every record of a chunk's lines a new time and this attribute, or none (they
      // share one time and the window moves between chunks only): the first one tells.
      if (first.attributes !== undefined && Object.hasOwn(first.attributes, ORIGINAL_TIMESTAMP)) return false;
      const last = from + count - 1;
      if (timestamp !== undefined) {
        // The builder gave them all this time: the first and the last still have it, so none was given another (a
        // rewrite is all or none, above). No load per record (~700 per chunk).
        if (ts !== timestamp || (records[last] as LogRecordData).timestamp !== ts) return false;
      } else for (let i = from + 1; i <= last; i++) if ((records[i] as LogRecordData).timestamp !== ts) return false;
      const firstTs = zigzag(ts);
      const firstSeq = zigzag(first.seq);
      const head = 1 + varintLength(parser) + varintLength(count) + varintLength(firstTs) + varintLength(firstSeq) + 1;
      const bodyLen = head + lines.length;
      const lenWidth = varintLength(bodyLen);
      ensure(lenWidth + head);
      const b = buf;
      let p = writeVarint(b, len, bodyLen);
      b[p++] = PARSED_LINES;
      p = writeVarint(b, p, parser);
      p = writeVarint(b, p, count);
      p = writeVarint(b, p, firstTs);
      p = writeVarint(b, p, firstSeq);
      b[p++] = (LEVEL_CODE[defaultLevel] ?? 1) | (first.stream === 'stderr' ? STDERR : 0);
      len = p;
      // The lines are not copied here: they follow as a part of their own (`parts`, one writev).
      addExternal(p, lines);
      prevTs = ts;
      prevSeq = first.seq + count - 1;
      absolute = false;
      return true;
    },
    encodeAcks(ranges) {
      const count = ranges.length >> 1;
      let bodyLen = 1 + varintLength(count);
      for (let i = 0; i < 2 * count; i += 2) {
        const from = ranges[i] as number;
        bodyLen += varintLength(from) + varintLength((ranges[i + 1] as number) - from);
      }
      ensure(varintLength(bodyLen) + bodyLen);
      const b = buf;
      let p = writeVarint(b, len, bodyLen);
      b[p++] = ACKS;
      p = writeVarint(b, p, count);
      for (let i = 0; i < 2 * count; i += 2) {
        const from = ranges[i] as number;
        p = writeVarint(b, p, from);
        p = writeVarint(b, p, (ranges[i + 1] as number) - from);
      }
      len = p;
    },
    begin() {
      absolute = true;
      len = 0;
      externalLength = 0;
    },
    parts() {
      if (externalLength === 0) return [buf.subarray(0, len)];
      const out: Buffer[] = [];
      let at = 0;
      for (let i = 0; i < externalLength; i += 2) {
        const to = external[i] as number;
        if (to > at) out.push(buf.subarray(at, to));
        out.push(external[i + 1] as Buffer);
        at = to;
      }
      if (len > at) out.push(buf.subarray(at, len));
      return out;
    },
    bytes: () => (externalLength === 0 ? buf.subarray(0, len) : Buffer.concat(encoder.parts())),
    encode(r) {
      const message = r.message;
      // The attributes' JSON goes straight into the frame, as the message does: no Buffer of its own per record.
      const attrs = r.attributes === undefined ? undefined : attributesJson(r.attributes);
      const maxMsg = message.length * 3;
      const maxBody = 1 + 20 + 8 + maxMsg + (attrs === undefined ? 0 : attrs.length * 3);
      const lenWidth = varintLength(maxBody);
      if (len + lenWidth + maxBody > buf.length) {
        const next = Buffer.allocUnsafe(Math.max(buf.length * 2, len + lenWidth + maxBody));
        buf.copy(next, 0, 0, len);
        buf = next;
      }
      const b = buf;
      const bodyAt = len + lenWidth;
      let flags = LEVEL_CODE[r.level] ?? 1;
      if (r.stream === 'stderr') flags |= STDERR;
      if (attrs) flags |= HAS_ATTRIBUTES;
      let p = bodyAt + 1;
      const ts = r.timestamp;
      const seq = r.seq;
      if (absolute) {
        flags |= ABSOLUTE;
        p = writeVarint(b, p, zigzag(ts));
        p = writeVarint(b, p, zigzag(seq));
        absolute = false;
      } else {
        // A chunk's records share their read time and follow each other: both deltas are 0, one byte each.
        const dTs = ts - prevTs;
        if (dTs === 0) b[p++] = 0;
        else p = writeVarint(b, p, zigzag(dTs));
        const dSeq = seq - prevSeq - 1;
        if (dSeq === 0) b[p++] = 0;
        else p = writeVarint(b, p, zigzag(dSeq));
      }
      b[bodyAt] = flags;
      prevTs = ts;
      prevSeq = seq;
      const msgWidth = varintLength(maxMsg);
      const msgAt = p + msgWidth;
      const msgLen = utf8Write(b, message, msgAt);
      // Both lengths went in front of what they measure: written now, in the width reserved for them.
      writePaddedVarint(b, p, msgLen, msgWidth);
      p = msgAt + msgLen;
      if (attrs !== undefined) p += utf8Write(b, attrs, p);
      writePaddedVarint(b, len, p - bodyAt, lenWidth);
      len = p;
    },
  };
  return encoder;
}

function utf8Write(b: Buffer, s: string, at: number): number {
  return HAS_UTF8_WRITE ? (b as Buffer & Utf8Writer).utf8Write(s, at) : b.write(s, at, 'utf8');
}

/** Distinct values remembered per attribute key; past this the key's cache starts over (memory stays bounded). */
const MAX_CACHED_VALUES = 1024;
const MAX_CACHED_KEYS = 64;

/**
 * A record's own attributes as `JSON.stringify` spells them, or undefined when it has no keys. Most records that have
 * any carry one string attribute from a small set (the Python logger's name): its JSON is remembered per key and
 * value instead of built per record (JSON.stringify was 60 % of the journal's encoding for the bench's print mix).
 */
function createAttributesJson(): (attributes: Record<string, unknown>) => string | undefined {
  const byKey = new Map<string, Map<string, string>>();
  return (o) => {
    let key: string | undefined;
    for (const k in o) {
      if (key !== undefined) return JSON.stringify(o);
      key = k;
    }
    if (key === undefined) return undefined;
    const value = o[key];
    // An inherited key (JSON.stringify leaves it out) or a value that is not a string: no shortcut.
    if (typeof value !== 'string' || !Object.hasOwn(o, key)) return JSON.stringify(o);
    let values = byKey.get(key);
    if (values === undefined) {
      if (byKey.size >= MAX_CACHED_KEYS) byKey.clear();
      byKey.set(key, (values = new Map()));
    }
    let json = values.get(value);
    if (json === undefined) {
      if (values.size >= MAX_CACHED_VALUES) values.clear();
      json = JSON.stringify(o);
      values.set(value, json);
    }
    return json;
  };
}

export type FrameResult =
  | { kind: 'record'; record: LogRecordData; next: number }
  /** A block frame's records (those `keep` kept). */
  | { kind: 'records'; records: LogRecordData[]; next: number }
  /** Dropped by the filter before its record was built. */
  | { kind: 'skip'; next: number }
  /** An ack frame (no record): inclusive seq ranges, flat (`[from, to, from, to, ...]`). */
  | { kind: 'acks'; ranges: number[]; next: number }
  | { kind: 'short' }
  | { kind: 'bad'; reason: string };

/**
 * Where a frame's parts are, without building anything: what `logs` renders text from (the message's bytes copied,
 * not decoded). One object, filled again by every `decodeSpan`.
 */
export interface FrameSpan {
  level: Level;
  timestamp: number;
  seq: number;
  stderr: boolean;
  /** The message's UTF-8 bytes: [messageStart, messageEnd). */
  messageStart: number;
  messageEnd: number;
  /** The record's own attributes' JSON: [messageEnd, next) when true. */
  hasAttributes: boolean;
  /** Where the next frame starts. */
  next: number;
}

/** `decodeSpan`'s answer: the span is filled (`FRAME`), or the frame was filtered out, or cannot be read (yet). */
export const FRAME = 0;
export const SKIPPED = 1;
export const SHORT = 2;
export const BAD = 3;

/** Frame decoding state: the previous frame's time and seq (deltas are relative to them). */
export interface FrameDecoder {
  decode(buf: Buffer, at: number, keep?: FrameFilter): FrameResult;
  /**
   * The frame at `at` into `span` (FRAME), or SKIPPED (`keep` said no; `span.next` is set), SHORT, or BAD (`reason`
   * says why). The attributes' JSON is checked as `decode` checks it, so both read a damaged file alike.
   */
  decodeSpan(buf: Buffer, at: number, span: FrameSpan, keep?: FrameFilter): number;
  /** Why the last BAD. */
  readonly reason: string;
  /**
   * The frame at `at` runs past the end of `buf`, the end of a file whose writer died mid-write: if it is a block,
   * the records whose text is whole before the cut (a frame's record is all or nothing: none).
   */
  salvage(buf: Buffer, at: number): LogRecordData[];
  /** From the segment's header: records not from stderr are `combined` (SegmentHeader.merged), else `stdout`. */
  setMerged(merged: boolean): void;
}

/** Decides on a frame from its level and time alone, before its message is decoded. */
export type FrameFilter = (level: Level, timestamp: number) => boolean;

export function createFrameSpan(): FrameSpan {
  return {
    level: 'info',
    timestamp: 0,
    seq: 0,
    stderr: false,
    messageStart: 0,
    messageEnd: 0,
    hasAttributes: false,
    next: 0,
  };
}

/**
 * What the record builder makes of a plain line (runner/plain-line.ts): a journal's parsed lines frames need it. A
 * frame written under another `version` is read with this one all the same (every line once; its level and logger as
 * this version sees them).
 */
export interface LineParser {
  readonly version: number;
  parse(
    line: string,
    defaultLevel: Level,
  ): { message: string; level: Level; attributes: Record<string, unknown> | undefined };
}

export function createFrameDecoder(options: { lineParser?: LineParser } = {}): FrameDecoder {
  const lineParser = options.lineParser;
  let plain: StreamName = 'stdout';
  let prevTs = 0;
  let prevSeq = -1;
  let started = false;
  let reason = '';
  const pos = { p: 0 };
  const bad = (why: string): number => {
    reason = why;
    return BAD;
  };
  function decodeSpan(buf: Buffer, at: number, span: FrameSpan, keep?: FrameFilter): number {
    pos.p = at;
    const len = readVarint(buf, pos);
    if (len < 0) return SHORT;
    const start = pos.p;
    const end = start + len;
    if (end > buf.length) return SHORT;
    // An ack frame holds no record (a journal's; the local store's files have none): passed over.
    if (len > 0 && buf[start] === ACKS) {
      span.next = end;
      return SKIPPED;
    }
    if (len < 3) return bad('frame too short');
    const flags = buf[start] as number;
    const level = LEVEL_CODES[flags & 0x07];
    if (level === undefined || flags & 0xc0) return bad('unknown frame flags');
    pos.p = start + 1;
    const rawTs = readVarint(buf, pos);
    const rawSeq = readVarint(buf, pos);
    if (rawTs < 0 || rawSeq < 0 || pos.p > end) return bad('damaged frame');
    const ts = unzigzag(rawTs);
    const seq = unzigzag(rawSeq);
    let timestamp: number;
    let seqNo: number;
    if (flags & ABSOLUTE) {
      timestamp = ts;
      seqNo = seq;
      started = true;
    } else {
      if (!started) return bad('a delta frame without its base');
      timestamp = prevTs + ts;
      seqNo = prevSeq + 1 + seq;
    }
    const msgLen = readVarint(buf, pos);
    if (msgLen < 0 || pos.p + msgLen > end) return bad('message past the frame');
    span.next = end;
    if (keep !== undefined && !keep(level, timestamp)) {
      prevTs = timestamp;
      prevSeq = seqNo;
      return SKIPPED;
    }
    const hasAttributes = (flags & HAS_ATTRIBUTES) !== 0;
    // Text output never shows them, but a frame whose attributes do not parse ends the readable part all the same.
    if (hasAttributes && span !== recordSpan && !attributesParse(buf, pos.p + msgLen, end))
      return bad('attributes are not JSON');
    prevTs = timestamp;
    prevSeq = seqNo;
    span.level = level;
    span.timestamp = timestamp;
    span.seq = seqNo;
    span.stderr = (flags & STDERR) !== 0;
    span.messageStart = pos.p;
    span.messageEnd = pos.p + msgLen;
    span.hasAttributes = hasAttributes;
    return FRAME;
  }
  // Attributes' bytes that parsed lately: most records that have any carry one of a few (the Python logger's name).
  const parsed: Buffer[] = [];
  let nextParsed = 0;
  function attributesParse(buf: Buffer, start: number, end: number): boolean {
    const n = end - start;
    for (const known of parsed) if (known.length === n && sameBytes(known, buf, start)) return true;
    try {
      JSON.parse(buf.toString('utf8', start, end));
    } catch {
      return false;
    }
    if (n <= MAX_REMEMBERED_ATTRIBUTE_BYTES) {
      parsed[nextParsed] = Buffer.from(buf.subarray(start, end));
      nextParsed = (nextParsed + 1) % REMEMBERED_ATTRIBUTES;
    }
    return true;
  }
  /**
   * A record of a block or lines frame, from its table entry, message and attributes' bytes (at `attrsAt`), added
   * unless `keep` says no; false when its attributes are not JSON (the readable part ends there).
   */
  function addRecord(
    records: LogRecordData[],
    keep: FrameFilter | undefined,
    flags: number,
    level: Level,
    timestamp: number,
    seq: number,
    message: string,
    buf: Buffer,
    attrsAt: number,
    attrsLen: number,
  ): boolean {
    let attributes: Record<string, unknown> | undefined;
    if (attrsLen > 0) {
      try {
        attributes = JSON.parse(buf.toString('utf8', attrsAt, attrsAt + attrsLen)) as Record<string, unknown>;
      } catch {
        return false;
      }
    }
    if (keep !== undefined && !keep(level, timestamp)) return true;
    const record: LogRecordData = { timestamp, seq, stream: flags & STDERR ? 'stderr' : plain, level, message };
    if (attributes !== undefined) record.attributes = attributes;
    records.push(record);
    return true;
  }
  /**
   * A block frame's records (`encodeBlock`), every part checked: a damaged block ends the readable part. `torn`: the
   * block is cut short at `end` (the end of the file): the records whose text is whole, or undefined.
   */
  function decodeBlock(buf: Buffer, start: number, end: number, keep?: FrameFilter, torn = false): FrameResult {
    const damaged = { kind: 'bad', reason: 'damaged block' } as const;
    pos.p = start + 1;
    const n = readVarint(buf, pos);
    const rawTs = readVarint(buf, pos);
    const rawSeq = readVarint(buf, pos);
    const tableLen = readVarint(buf, pos);
    if (n < 0 || rawTs < 0 || rawSeq < 0 || tableLen < 0 || pos.p + tableLen > end) return damaged;
    const tableEnd = pos.p + tableLen;
    let text = tableEnd;
    let timestamp = unzigzag(rawTs);
    let seq = unzigzag(rawSeq) - 1;
    const records: LogRecordData[] = [];
    for (let i = 0; i < n; i++) {
      if (pos.p >= tableEnd) return damaged;
      const flags = buf[pos.p++] as number;
      const level = tableLevel(flags);
      if (level === undefined) return damaged;
      const dTs = readVarint(buf, pos);
      const dSeq = readVarint(buf, pos);
      const msgLen = readVarint(buf, pos);
      const attrsLen = flags & HAS_ATTRIBUTES ? readVarint(buf, pos) : 0;
      if (dTs < 0 || dSeq < 0 || msgLen < 0 || attrsLen < 0 || pos.p > tableEnd) return damaged;
      if (text + msgLen + attrsLen > end) {
        if (torn) break;
        return damaged;
      }
      timestamp += unzigzag(dTs);
      seq += 1 + unzigzag(dSeq);
      const message = buf.toString('utf8', text, text + msgLen);
      text += msgLen;
      if (!addRecord(records, keep, flags, level, timestamp, seq, message, buf, text, attrsLen)) return notJson;
      text += attrsLen;
    }
    if (torn) return { kind: 'records', records, next: end };
    if (pos.p !== tableEnd || text !== end) return damaged;
    prevTs = timestamp;
    prevSeq = seq;
    started = true;
    return { kind: 'records', records, next: end };
  }
  /**
   * A lines frame's records (`encodeLines`), every part checked as a block's. `torn`: cut short at `end`: the records
   * whose line and attributes are whole. `dictionary`: the frame's attributes are a list of distinct ones (LINES_DICT,
   * each record's table entry gives an index), else one per record in order (LINES, journals written before).
   */
  function decodeLines(
    buf: Buffer,
    start: number,
    end: number,
    keep?: FrameFilter,
    torn = false,
    dictionary = true,
  ): FrameResult {
    const damaged = { kind: 'bad', reason: 'damaged lines frame' } as const;
    pos.p = start + 1;
    const n = readVarint(buf, pos);
    const rawTs = readVarint(buf, pos);
    const rawSeq = readVarint(buf, pos);
    const tableLen = readVarint(buf, pos);
    if (n < 0 || rawTs < 0 || rawSeq < 0 || tableLen < 0 || pos.p + tableLen > end) return damaged;
    const tableEnd = pos.p + tableLen;
    // After the table, the attributes (before the lines: a cut in the lines leaves every record's attributes whole).
    const at = { p: tableEnd };
    const attrsTotal = readVarint(buf, at);
    if (attrsTotal < 0 || at.p + attrsTotal > end) return torn ? { kind: 'records', records: [], next: end } : damaged;
    let attrsAt = at.p;
    const attrsEnd = attrsAt + attrsTotal;
    // The dictionary's entries: where each one's JSON is, and its length.
    const entries: number[] = [];
    if (dictionary) {
      while (at.p < attrsEnd) {
        const entryLen = readVarint(buf, at);
        if (entryLen < 0 || at.p + entryLen > attrsEnd) return damaged;
        entries.push(at.p, entryLen);
        at.p += entryLen;
      }
    }
    let line = attrsEnd;
    const timestamp = unzigzag(rawTs);
    let seq = unzigzag(rawSeq) - 1;
    const records: LogRecordData[] = [];
    for (let i = 0; i < n; i++) {
      if (pos.p >= tableEnd) return damaged;
      const flags = buf[pos.p++] as number;
      const level = tableLevel(flags);
      if (level === undefined) return damaged;
      const msgLen = readVarint(buf, pos);
      const attrsRef = flags & HAS_ATTRIBUTES ? readVarint(buf, pos) : -1;
      if (msgLen < 0 || (attrsRef < 0 && flags & HAS_ATTRIBUTES) || pos.p > tableEnd) return damaged;
      let thisAt = attrsAt;
      let attrsLen = 0;
      if (attrsRef >= 0 && dictionary) {
        if (2 * attrsRef >= entries.length) return damaged;
        thisAt = entries[2 * attrsRef] as number;
        attrsLen = entries[2 * attrsRef + 1] as number;
      } else if (attrsRef >= 0) {
        attrsLen = attrsRef;
        if (attrsAt + attrsLen > attrsEnd) return damaged;
        attrsAt += attrsLen;
      }
      const nl = line < end ? buf.indexOf(NEWLINE, line) : -1;
      if (nl === -1 || nl >= end) {
        if (torn) break;
        return damaged;
      }
      if (nl - line < msgLen) return damaged;
      seq++;
      const message = buf.toString('utf8', nl - msgLen, nl);
      line = nl + 1;
      if (!addRecord(records, keep, flags, level, timestamp, seq, message, buf, thisAt, attrsLen)) return notJson;
    }
    if (torn) return { kind: 'records', records, next: end };
    if (pos.p !== tableEnd || line !== end || (!dictionary && attrsAt !== attrsEnd)) return damaged;
    prevTs = timestamp;
    prevSeq = seq;
    started = true;
    return { kind: 'records', records, next: end };
  }
  /**
   * A parsed lines frame's records (`encodeParsedLines`): each line through the line parser. `torn`: cut short at
   * `end`: the records whose line is whole.
   */
  function decodeParsedLines(buf: Buffer, start: number, end: number, keep?: FrameFilter, torn = false): FrameResult {
    const damaged = { kind: 'bad', reason: 'damaged lines frame' } as const;
    if (lineParser === undefined) return { kind: 'bad', reason: 'a parsed lines frame, and no line parser to read it' };
    pos.p = start + 1;
    const version = readVarint(buf, pos);
    const n = readVarint(buf, pos);
    const rawTs = readVarint(buf, pos);
    const rawSeq = readVarint(buf, pos);
    if (version < 0 || n < 0 || rawTs < 0 || rawSeq < 0 || pos.p >= end) return torn ? noRecords(end) : damaged;
    const levelByte = buf[pos.p++] as number;
    const defaultLevel = tableLevel(levelByte);
    if (defaultLevel === undefined || levelByte & HAS_ATTRIBUTES) return damaged;
    const stream: StreamName = levelByte & STDERR ? 'stderr' : plain;
    const timestamp = unzigzag(rawTs);
    let seq = unzigzag(rawSeq) - 1;
    let line = pos.p;
    const records: LogRecordData[] = [];
    for (let i = 0; i < n; i++) {
      const nl = line < end ? buf.indexOf(NEWLINE, line) : -1;
      if (nl === -1 || nl >= end) {
        if (torn) break;
        return damaged;
      }
      seq++;
      const parsed = lineParser.parse(buf.toString('utf8', line, nl), defaultLevel);
      line = nl + 1;
      if (keep !== undefined && !keep(parsed.level, timestamp)) continue;
      const record: LogRecordData = { timestamp, seq, stream, level: parsed.level, message: parsed.message };
      if (parsed.attributes !== undefined) record.attributes = parsed.attributes;
      records.push(record);
    }
    if (torn) return { kind: 'records', records, next: end };
    if (line !== end) return damaged;
    prevTs = timestamp;
    prevSeq = seq;
    started = true;
    return { kind: 'records', records, next: end };
  }
  /** `decode`'s own span: its attributes are parsed once, when the record is built. */
  const recordSpan = createFrameSpan();
  return {
    decodeSpan,
    get reason() {
      return reason;
    },
    setMerged(merged) {
      plain = merged ? 'combined' : 'stdout';
    },
    salvage(buf, at) {
      pos.p = at;
      const len = readVarint(buf, pos);
      const kind = buf[pos.p];
      if (
        len <= 0 ||
        pos.p >= buf.length ||
        (kind !== BLOCK && kind !== LINES && kind !== LINES_DICT && kind !== PARSED_LINES)
      )
        return [];
      const r =
        kind === BLOCK
          ? decodeBlock(buf, pos.p, buf.length, undefined, true)
          : kind === PARSED_LINES
            ? decodeParsedLines(buf, pos.p, buf.length, undefined, true)
            : decodeLines(buf, pos.p, buf.length, undefined, true, kind === LINES_DICT);
      return r.kind === 'records' ? r.records : [];
    },
    decode(buf, at, keep) {
      pos.p = at;
      const blockLen = readVarint(buf, pos);
      if (blockLen > 0 && pos.p + blockLen <= buf.length) {
        if (buf[pos.p] === PARSED_LINES) return decodeParsedLines(buf, pos.p, pos.p + blockLen, keep);
        if (buf[pos.p] === BLOCK) return decodeBlock(buf, pos.p, pos.p + blockLen, keep);
        if (buf[pos.p] === LINES_DICT) return decodeLines(buf, pos.p, pos.p + blockLen, keep);
        if (buf[pos.p] === LINES) return decodeLines(buf, pos.p, pos.p + blockLen, keep, false, false);
        if (buf[pos.p] === ACKS) {
          const ranges: number[] = [];
          const end = pos.p + blockLen;
          return readAckRanges(buf, pos.p, end, ranges)
            ? { kind: 'acks', ranges, next: end }
            : { kind: 'bad', reason: 'damaged ack frame' };
        }
      }
      const s = recordSpan;
      const got = decodeSpan(buf, at, s, keep);
      if (got === SHORT) return { kind: 'short' };
      if (got === BAD) return { kind: 'bad', reason };
      if (got === SKIPPED) return { kind: 'skip', next: s.next };
      let attributes: Record<string, unknown> | undefined;
      if (s.hasAttributes) {
        try {
          attributes = JSON.parse(buf.toString('utf8', s.messageEnd, s.next)) as Record<string, unknown>;
        } catch {
          // The file's readable part ends here (the reader stops at a bad frame).
          return notJson;
        }
      }
      // One shape for every record (no spread): a read of 1M records builds 1M of these.
      const record: LogRecordData = {
        timestamp: s.timestamp,
        seq: s.seq,
        stream: s.stderr ? 'stderr' : plain,
        level: s.level,
        message: buf.toString('utf8', s.messageStart, s.messageEnd),
      };
      if (attributes !== undefined) record.attributes = attributes;
      return { kind: 'record', record, next: s.next };
    },
  };
}

const notJson = { kind: 'bad', reason: 'attributes are not JSON' } as const;

/** An ack frame's ranges (its body is `[start, end)`) appended to `out`; false when the body does not hold them. */
function readAckRanges(buf: Buffer, start: number, end: number, out: number[]): boolean {
  const pos = { p: start + 1 };
  const count = readVarint(buf, pos);
  if (count < 0) return false;
  const at = out.length;
  for (let i = 0; i < count; i++) {
    const from = readVarint(buf, pos);
    const more = readVarint(buf, pos);
    if (from < 0 || more < 0 || pos.p > end) {
      out.length = at;
      return false;
    }
    out.push(from, from + more);
  }
  if (pos.p === end) return true;
  out.length = at;
  return false;
}

/** What `scanAcks` came to: frames passed up to `at`; `short` when one is cut off there, `bad` when not a frame. */
export interface AckScan {
  at: number;
  short: boolean;
  bad?: string;
}

/**
 * A journal's acks without its records (`flush` gathers every part's before it resends: an ack lands after the
 * records it covers, in the same part or a later one). Walks the frames from `at` by their lengths, appending each
 * ack frame's ranges to `out`; a frame is checked only as far as its kind (its flag byte a record's or a known
 * frame's), so a damaged length is most likely caught where the next frame's flag byte makes no sense.
 */
export function scanAcks(buf: Buffer, at: number, out: number[]): AckScan {
  const pos = { p: at };
  while (at < buf.length) {
    pos.p = at;
    const len = readVarint(buf, pos);
    if (len < 0 || pos.p + len > buf.length) return { at, short: true };
    const start = pos.p;
    const end = start + len;
    if (len === 0) return { at, short: false, bad: 'frame too short' };
    const flags = buf[start] as number;
    if (flags === ACKS) {
      if (!readAckRanges(buf, start, end, out)) return { at, short: false, bad: 'damaged ack frame' };
    } else if (
      flags !== BLOCK &&
      flags !== LINES &&
      flags !== LINES_DICT &&
      flags !== PARSED_LINES &&
      (flags & 0xc0 || (flags & 0x07) >= LEVEL_CODES.length)
    )
      return { at, short: false, bad: 'unknown frame flags' };
    at = end;
  }
  return { at, short: false };
}

function noRecords(next: number): FrameResult {
  return { kind: 'records', records: [], next };
}

/** A block's or lines frame's table entry's level; undefined when its flags are not a record's (damage). */
function tableLevel(flags: number): Level | undefined {
  return flags & ~(0x07 | STDERR | HAS_ATTRIBUTES) ? undefined : LEVEL_CODES[flags & 0x07];
}

const REMEMBERED_ATTRIBUTES = 8;
const MAX_REMEMBERED_ATTRIBUTE_BYTES = 256;

function sameBytes(a: Buffer, b: Buffer, at: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[at + i]) return false;
  return true;
}

function zigzag(n: number): number {
  // Times and seqs are safe integers: arithmetic, not 32-bit bit operations.
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/** Below this, varints are done with 32-bit integer operations (most deltas and lengths); above, with arithmetic. */
const SMALL = 0x80000000;

function varintLength(n: number): number {
  if (n < SMALL) return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(b: Buffer, p: number, n: number): number {
  if (n < SMALL) {
    while (n >= 0x80) {
      b[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    b[p++] = n;
    return p;
  }
  while (n >= 0x80) {
    b[p++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  b[p++] = n;
  return p;
}

/** A varint stretched to `width` bytes (continuation bits on zero digits): a length reserved before its value. */
function writePaddedVarint(b: Buffer, p: number, n: number, width: number): number {
  if (n < SMALL) {
    for (let i = 0; i < width - 1; i++) {
      b[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    b[p++] = n;
    return p;
  }
  for (let i = 0; i < width - 1; i++) {
    b[p++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  b[p++] = n;
  return p;
}

/** -1 when the buffer ends inside the varint. */
function readVarint(b: Buffer, pos: { p: number }): number {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (pos.p >= b.length) return -1;
    const byte = b[pos.p++] as number;
    n += (byte & 0x7f) * mul;
    if (byte < 0x80) return n;
    mul *= 128;
  }
  return -1;
}
