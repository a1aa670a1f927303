/**
 * Logs intake v2 items, written straight into the batch's bytes. Everything that is the same for every record of a
 * stream (service, host, tags, the zenml.* attributes) is rendered and UTF-8 encoded once; a record costs one
 * JSON.stringify of its message, one short string and a memcpy, and no intermediate object.
 */
import { createByteBuffer, type ByteBuffer } from '../../pipeline/byte-buffer.js';
import {
  contextAttributes,
  type Level,
  type LogRecordData,
  type StreamContext,
  type StreamName,
} from '../../core/log-record.js';
import { jsonString, NEEDS_JSON_ESCAPE } from '../../core/json-string.js';

/** The intake item's own fields: everything else on an item is an attribute. */
export const INTAKE_ITEM_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'message',
  'status',
  'timestamp',
  'service',
  'hostname',
  'ddsource',
  'ddtags',
  'version',
]);

/** Item fields a record attribute (or a tag) must not override: such an attribute is renamed, never duplicated. */
const RESERVED_KEYS = new Set([...INTAKE_ITEM_FIELDS, 'dd_logstore.seq', 'dd_logstore.stream']);
const MESSAGE_KEY = Buffer.from('{"message":');
const MESSAGE_KEY_QUOTE = Buffer.from('{"message":"');
/** An item's key before its message: alone (an escaped message brings its quote), or with the message's quote. */
interface Opening {
  key: Buffer;
  keyQuote: Buffer;
}
const OPENING: Opening = { key: MESSAGE_KEY, keyQuote: MESSAGE_KEY_QUOTE };
/** After `{"id":…,` the brace is written already. */
const OPENING_AFTER_ID: Opening = { key: MESSAGE_KEY.subarray(1), keyQuote: MESSAGE_KEY_QUOTE.subarray(1) };
/** How every chained item starts (its message's opening quote included: an escaped message writes over it). */
export const ITEM_OPENING: Buffer = MESSAGE_KEY_QUOTE;
const NEXT_OPENING = ',' + ITEM_OPENING.toString();

/** Datadog's standard attribute for the logger (runner/python-logging.ts sets it). */
const LOGGER_NAME = 'logger.name';

/** Attribute names whose rendered `,"name":` is kept. */
const MAX_CACHED_KEYS = 256;

/** Prefix for a record attribute whose name collides with a reserved key. */
export const RENAMED_ATTRIBUTE_PREFIX = 'attr.';

export interface IntakeSerializer {
  /** Appends one intake item (a JSON object, no separator); with `id`, the local flavor's line with `"id"` first. */
  write(out: ByteBuffer, record: LogRecordData, id?: string): void;
  /**
   * The intake array's items chained (json-batch.ts `ChainedItems`): `out` ends with ITEM_OPENING, which the item
   * before wrote; appends the item's rest, a comma and the next item's opening, so that the ~400 constant bytes at
   * the end of an item and the next one's start are one copy. The batch drops the last opening.
   */
  writeChained(out: ByteBuffer, record: LogRecordData): void;
  /** One item as a string: for tests and the spool, not the hot path. */
  serialize(record: LogRecordData, id?: string): string;
}

export function createIntakeSerializer(ctx: StreamContext): IntakeSerializer {
  const constant: Record<string, string> = {
    service: ctx.service,
    hostname: ctx.hostname,
    ddsource: ctx.source,
    ddtags: ctx.tags.join(','),
    version: ctx.serviceVersion,
  };
  // A tag such as `service:x` stays in ddtags but must not override the item's own field.
  for (const [key, value] of Object.entries(contextAttributes(ctx))) if (!RESERVED_KEYS.has(key)) constant[key] = value;
  const reserved = new Set([...RESERVED_KEYS, ...Object.keys(constant)]);
  // The rest of an item after its seq, per stream: `,"dd_logstore.stream":"stdout","service":...}`. Rendered and
  // encoded once, so the ~400 constant bytes of every item are a memcpy.
  const rest = (stream: string): string => `,"dd_logstore.stream":"${stream}",` + JSON.stringify(constant).slice(1);
  // Picked with comparisons, not `table[record.stream]`: a keyed load per item went through V8's megamorphic stub
  // cache (the stream names are constants, so the comparisons are pointer checks).
  const stdoutBytes = streamBytes(rest('stdout'));
  const stderrBytes = streamBytes(rest('stderr'));
  const combinedBytes = streamBytes(rest('combined'));
  const bytesOf = (stream: StreamName): StreamBytes =>
    stream === 'stdout' ? stdoutBytes : stream === 'stderr' ? stderrBytes : combinedBytes;
  // `","status":"info","timestamp":1714564800000,"dd_logstore.seq":` per level, for the current millisecond: records
  // of one burst share it, and a 13-digit number is a visible cost to convert per record. The leading quote closes a
  // message that was copied without escaping. The last one asked is kept apart: most records repeat the level of the
  // one before, and then no lookup is made at all.
  let middleTimestamp = Number.NaN;
  let middle: Partial<Record<Level, Buffer>> = {};
  let lastLevel: Level | undefined;
  let lastMiddle: Buffer = Buffer.alloc(0);
  const middleFor = (level: Level, timestamp: number): Buffer => {
    if (timestamp === middleTimestamp) {
      if (level === lastLevel) return lastMiddle;
    } else {
      middleTimestamp = timestamp;
      middle = {};
    }
    // A NaN here would make the whole request invalid JSON; a runner bug must cost one timestamp, not a batch.
    const ms = Number.isFinite(timestamp) ? Math.trunc(timestamp) : Date.now();
    lastLevel = level;
    lastMiddle = middle[level] ??= Buffer.from(`","status":"${level}","timestamp":${ms},"dd_logstore.seq":`);
    return lastMiddle;
  };

  function write(out: ByteBuffer, record: LogRecordData, id?: string): void {
    if (id !== undefined) out.writeString('{"id":' + JSON.stringify(id) + ',');
    writeMessageAndSeq(out, record, id === undefined ? OPENING : OPENING_AFTER_ID);
    if (record.attributes === undefined) {
      out.writeBytes(bytesOf(record.stream).tail);
    } else {
      out.writeBytes(bytesOf(record.stream).tailOpen);
      out.writeString(renderAttributes(record.attributes, keyPrefix) + '}');
    }
  }

  /**
   * The message, the middle and the seq. `opening` is the item's key before the message; undefined when the previous
   * item's chained tail already wrote it, with the message's opening quote.
   */
  function writeMessageAndSeq(out: ByteBuffer, record: LogRecordData, opening?: Opening): void {
    const message = record.message;
    const fragment = middleFor(record.level, record.timestamp);
    // The record builder's hint (core/log-record.ts): the line's chunk was scanned for these bytes already.
    if (record.jsonSafeMessage !== true && NEEDS_JSON_ESCAPE.test(message)) {
      // JSON.stringify writes its own opening quote: a chained opening's is taken back.
      if (opening === undefined) out.truncate(out.length - 1);
      else out.writeBytes(opening.key);
      out.writeString(JSON.stringify(message));
      out.writeBytes(fragment.subarray(1));
    } else {
      if (opening !== undefined) out.writeBytes(opening.keyQuote);
      // A marked message is ASCII: Latin-1's writer copies it, cheaper than UTF-8's per call (Node 20 more than 24).
      if (record.jsonSafeMessage === true) out.writeAscii(message);
      else out.writeString(message);
      out.writeBytes(fragment);
    }
    out.writeUint(record.seq);
  }

  function writeChained(out: ByteBuffer, record: LogRecordData): void {
    writeMessageAndSeq(out, record);
    if (record.attributes === undefined) {
      out.writeBytes(bytesOf(record.stream).tailNext);
    } else {
      const bytes = bytesOf(record.stream);
      const end = loggerEnd(bytes, record.attributes);
      if (end !== undefined) {
        out.writeBytes(end);
        return;
      }
      out.writeBytes(bytes.tailOpen);
      out.writeString(renderAttributes(record.attributes, keyPrefix) + '}' + NEXT_OPENING);
    }
  }

  /**
   * A chained item's end when its only attribute is the logger's name, as python-logging's formats give it (2 records
   * in 5 of the bench's): the stream's tail, `,"logger.name":"app.db"}` and the next opening, rendered once per name
   * (a run has a few loggers) and copied in one. Else undefined: the attributes are rendered as they come. Rendering
   * them each time built three strings, scanned the name for escapes and flattened the lot for `utf8Write`.
   */
  function loggerEnd(bytes: StreamBytes, attributes: Record<string, unknown>): Buffer | undefined {
    const name = attributes[LOGGER_NAME];
    if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(attributes, LOGGER_NAME)) return undefined;
    let keys = 0;
    for (const key in attributes) if (key !== LOGGER_NAME || ++keys > 1) return undefined;
    // The last few names first, compared as strings: a name sliced from its line has no hash yet, and the Map's
    // lookup computed one per record (~23 ms per 1M lines in a run's profile). A run has a few loggers, interleaved.
    const recent = bytes.recentLoggers;
    for (let i = 0; i < recent.length; i++) {
      const r = recent[i] as RecentLogger;
      if (r.name === name) return r.end;
    }
    let end = bytes.loggerEnds.get(name);
    if (end === undefined) {
      end = Buffer.from(bytes.rest.slice(0, -1) + keyPrefix(LOGGER_NAME) + jsonString(name) + '}' + NEXT_OPENING);
      // Bounded like the key prefixes: a child that names a new logger per line must not grow this without end.
      if (bytes.loggerEnds.size < MAX_CACHED_KEYS) bytes.loggerEnds.set(name, end);
    }
    if (recent.length < RECENT_LOGGERS) recent.push({ name, end });
    else recent[bytes.nextRecent++ % RECENT_LOGGERS] = { name, end };
    return end;
  }

  // `,"logger.name":` per attribute name (renamed when reserved): the same few names come back on every record.
  const prefixes = new Map<string, string>();
  function keyPrefix(key: string): string {
    let prefix = prefixes.get(key);
    if (prefix === undefined) {
      prefix = ',' + JSON.stringify(reserved.has(key) ? RENAMED_ATTRIBUTE_PREFIX + key : key) + ':';
      // Bounded: a child that invents a new key per line (JSON lines) must not grow this without end.
      if (prefixes.size < MAX_CACHED_KEYS) prefixes.set(key, prefix);
    }
    return prefix;
  }

  function serialize(record: LogRecordData, id?: string): string {
    const out = createByteBuffer(512);
    write(out, record, id);
    return out.bytes().toString('utf8');
  }

  return { write, writeChained, serialize };
}

/** A stream's constant bytes after an item's seq: whole, without its closing brace, and with the next opening. */
interface StreamBytes {
  /** The tail as text: `,"dd_logstore.stream":"stdout",...}`. */
  readonly rest: string;
  readonly tail: Buffer;
  readonly tailOpen: Buffer;
  readonly tailNext: Buffer;
  /** Per logger name, a chained item's end when that name is its only attribute (`loggerEnd`). */
  readonly loggerEnds: Map<string, Buffer>;
  /** The names last looked up, checked before the Map; `nextRecent` is the slot replaced next. */
  readonly recentLoggers: RecentLogger[];
  nextRecent: number;
}

interface RecentLogger {
  readonly name: string;
  readonly end: Buffer;
}

/** Logger names compared before the Map's lookup: more would cost more compares than the hash they spare. */
const RECENT_LOGGERS = 4;

function streamBytes(rest: string): StreamBytes {
  const tail = Buffer.from(rest);
  return {
    rest,
    tail,
    tailOpen: tail.subarray(0, -1),
    tailNext: Buffer.from(rest + NEXT_OPENING),
    loggerEnds: new Map(),
    recentLoggers: [],
    nextRecent: 0,
  };
}

function renderAttributes(attributes: Record<string, unknown>, keyPrefix: (key: string) => string): string {
  let s = '';
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = renderValue(attributes[key]);
    if (value === undefined) continue;
    s += keyPrefix(key) + value;
  }
  return s;
}

function renderValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      try {
        return JSON.stringify(value);
      } catch {
        // Cycles or BigInt inside an object: keep what can be shown rather than losing the record.
        return JSON.stringify(String(value));
      }
  }
}
