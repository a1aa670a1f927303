/**
 * A small protobuf reader for OTLP `ExportLogsServiceRequest` (opentelemetry-proto
 * `collector/logs/v1/logs_service.proto`, `logs/v1/logs.proto`, `common/v1/common.proto`), and the matching reader
 * for the OTLP/JSON encoding. Only the fields the emulator maps are kept; unknown fields are skipped, as protobuf
 * requires. `@opentelemetry/otlp-transformer` only serializes, so there is nothing to reuse for decoding.
 */

export type AnyValue = string | number | boolean | Uint8Array | AnyValue[] | { [key: string]: AnyValue } | null;

export interface OtlpLogRecord {
  /** Epoch milliseconds from `time_unix_nano`, else `observed_time_unix_nano`, else undefined. */
  timeMs: number | undefined;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Record<string, AnyValue>;
}

export interface OtlpScopeLogs {
  scopeName: string;
  logRecords: OtlpLogRecord[];
}

export interface OtlpResourceLogs {
  resource: Record<string, AnyValue>;
  scopeLogs: OtlpScopeLogs[];
}

export class ProtobufError extends Error {}

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a JS number (exact up to 2^53, enough for every field read here except nanosecond times). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError('truncated varint');
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new ProtobufError('varint too long');
  }

  varintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError('truncated varint');
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
    throw new ProtobufError('varint too long');
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.end) throw new ProtobufError('truncated fixed64');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getBigUint64(0, true);
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new ProtobufError('truncated double');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  /** Returns [start, end) of a length-delimited field and skips it. */
  lengthDelimited(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new ProtobufError('truncated length-delimited field');
    this.pos = end;
    return [start, end];
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.lengthDelimited();
        return;
      case WIRE_I32:
        this.pos += 4;
        break;
      default:
        throw new ProtobufError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new ProtobufError('truncated field');
  }
}

const utf8 = new TextDecoder('utf-8');

function str(buf: Uint8Array, [start, end]: [number, number]): string {
  return utf8.decode(buf.subarray(start, end));
}

function* fields(r: Reader): Generator<[number, number]> {
  while (!r.done()) {
    const tag = r.varint();
    yield [tag >>> 3, tag & 7];
  }
}

function nanosToMs(n: bigint): number | undefined {
  return n === 0n ? undefined : Number(n / 1_000_000n);
}

function readAnyValue(buf: Uint8Array, [start, end]: [number, number]): AnyValue {
  const r = new Reader(buf, start, end);
  let value: AnyValue = null;
  for (const [field, wire] of fields(r)) {
    if (field === 1 && wire === WIRE_LEN) value = str(buf, r.lengthDelimited());
    else if (field === 2 && wire === WIRE_VARINT) value = r.varint() !== 0;
    else if (field === 3 && wire === WIRE_VARINT) value = Number(BigInt.asIntN(64, r.varintBig()));
    else if (field === 4 && wire === WIRE_I64) value = r.double();
    else if (field === 5 && wire === WIRE_LEN) value = readArrayValue(buf, r.lengthDelimited());
    else if (field === 6 && wire === WIRE_LEN) value = readKeyValues(buf, r.lengthDelimited(), 1);
    else if (field === 7 && wire === WIRE_LEN) {
      const [s, e] = r.lengthDelimited();
      value = buf.slice(s, e);
    } else r.skip(wire);
  }
  return value;
}

function readArrayValue(buf: Uint8Array, [start, end]: [number, number]): AnyValue[] {
  const r = new Reader(buf, start, end);
  const out: AnyValue[] = [];
  for (const [field, wire] of fields(r)) {
    if (field === 1 && wire === WIRE_LEN) out.push(readAnyValue(buf, r.lengthDelimited()));
    else r.skip(wire);
  }
  return out;
}

/** Reads the repeated KeyValue field `kvField` of a message into an object. */
function readKeyValues(buf: Uint8Array, [start, end]: [number, number], kvField: number): Record<string, AnyValue> {
  const r = new Reader(buf, start, end);
  const out: Record<string, AnyValue> = {};
  for (const [field, wire] of fields(r)) {
    if (field === kvField && wire === WIRE_LEN) {
      const [k, v] = readKeyValue(buf, r.lengthDelimited());
      out[k] = v;
    } else r.skip(wire);
  }
  return out;
}

function readKeyValue(buf: Uint8Array, [start, end]: [number, number]): [string, AnyValue] {
  const r = new Reader(buf, start, end);
  let key = '';
  let value: AnyValue = null;
  for (const [field, wire] of fields(r)) {
    if (field === 1 && wire === WIRE_LEN) key = str(buf, r.lengthDelimited());
    else if (field === 2 && wire === WIRE_LEN) value = readAnyValue(buf, r.lengthDelimited());
    else r.skip(wire);
  }
  return [key, value];
}

function readLogRecord(buf: Uint8Array, range: [number, number]): OtlpLogRecord {
  const r = new Reader(buf, range[0], range[1]);
  let time = 0n;
  let observed = 0n;
  const rec: OtlpLogRecord = { timeMs: undefined, severityNumber: 0, severityText: '', body: null, attributes: {} };
  for (const [field, wire] of fields(r)) {
    if (field === 1 && wire === WIRE_I64) time = r.fixed64();
    else if (field === 11 && wire === WIRE_I64) observed = r.fixed64();
    else if (field === 2 && wire === WIRE_VARINT) rec.severityNumber = r.varint();
    else if (field === 3 && wire === WIRE_LEN) rec.severityText = str(buf, r.lengthDelimited());
    else if (field === 5 && wire === WIRE_LEN) rec.body = readAnyValue(buf, r.lengthDelimited());
    else if (field === 6 && wire === WIRE_LEN) {
      const [k, v] = readKeyValue(buf, r.lengthDelimited());
      rec.attributes[k] = v;
    } else r.skip(wire);
  }
  rec.timeMs = nanosToMs(time) ?? nanosToMs(observed);
  return rec;
}

function readScopeLogs(buf: Uint8Array, range: [number, number]): OtlpScopeLogs {
  const r = new Reader(buf, range[0], range[1]);
  const out: OtlpScopeLogs = { scopeName: '', logRecords: [] };
  for (const [field, wire] of fields(r)) {
    if (field === 1 && wire === WIRE_LEN) {
      // InstrumentationScope: name = 1.
      const sr = new Reader(buf, ...r.lengthDelimited());
      for (const [f, w] of fields(sr)) {
        if (f === 1 && w === WIRE_LEN) out.scopeName = str(buf, sr.lengthDelimited());
        else sr.skip(w);
      }
    } else if (field === 2 && wire === WIRE_LEN) out.logRecords.push(readLogRecord(buf, r.lengthDelimited()));
    else r.skip(wire);
  }
  return out;
}

function readResourceLogs(buf: Uint8Array, range: [number, number]): OtlpResourceLogs {
  const r = new Reader(buf, range[0], range[1]);
  const out: OtlpResourceLogs = { resource: {}, scopeLogs: [] };
  for (const [field, wire] of fields(r)) {
    if (field === 1 && wire === WIRE_LEN) out.resource = readKeyValues(buf, r.lengthDelimited(), 1);
    else if (field === 2 && wire === WIRE_LEN) out.scopeLogs.push(readScopeLogs(buf, r.lengthDelimited()));
    else r.skip(wire);
  }
  return out;
}

/** Decodes a protobuf `ExportLogsServiceRequest`. Throws ProtobufError on malformed input. */
export function decodeExportLogsRequest(buf: Uint8Array): OtlpResourceLogs[] {
  const r = new Reader(buf, 0, buf.length);
  const out: OtlpResourceLogs[] = [];
  for (const [field, wire] of fields(r)) {
    if (field === 1 && wire === WIRE_LEN) out.push(readResourceLogs(buf, r.lengthDelimited()));
    else r.skip(wire);
  }
  return out;
}

// ---- OTLP/JSON ----

type Json = unknown;

function isObj(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arr(v: Json): Json[] {
  return Array.isArray(v) ? v : [];
}

function jsonAnyValue(v: Json): AnyValue {
  if (!isObj(v)) return null;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (typeof v.bytesValue === 'string') return new Uint8Array(Buffer.from(v.bytesValue, 'base64'));
  if (isObj(v.arrayValue)) return arr(v.arrayValue.values).map(jsonAnyValue);
  if (isObj(v.kvlistValue)) return jsonKeyValues(v.kvlistValue.values);
  return null;
}

function jsonKeyValues(list: Json): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  for (const kv of arr(list)) {
    if (isObj(kv) && typeof kv.key === 'string') out[kv.key] = jsonAnyValue(kv.value);
  }
  return out;
}

function jsonNanosToMs(v: Json): number | undefined {
  if (typeof v === 'string' && /^\d+$/.test(v)) return nanosToMs(BigInt(v));
  if (typeof v === 'number' && v > 0) return Math.floor(v / 1e6);
  return undefined;
}

/** Decodes an OTLP/JSON `ExportLogsServiceRequest` (already parsed). */
export function decodeExportLogsJson(body: Json): OtlpResourceLogs[] {
  if (!isObj(body)) throw new ProtobufError('OTLP JSON body is not an object');
  return arr(body.resourceLogs).map((rl) => {
    const r = isObj(rl) ? rl : {};
    return {
      resource: isObj(r.resource) ? jsonKeyValues(r.resource.attributes) : {},
      scopeLogs: arr(r.scopeLogs).map((sl) => {
        const s = isObj(sl) ? sl : {};
        return {
          scopeName: isObj(s.scope) && typeof s.scope.name === 'string' ? s.scope.name : '',
          logRecords: arr(s.logRecords).map((lr) => {
            const l = isObj(lr) ? lr : {};
            return {
              timeMs: jsonNanosToMs(l.timeUnixNano) ?? jsonNanosToMs(l.observedTimeUnixNano),
              severityNumber: typeof l.severityNumber === 'number' ? l.severityNumber : 0,
              severityText: typeof l.severityText === 'string' ? l.severityText : '',
              body: jsonAnyValue(l.body),
              attributes: jsonKeyValues(l.attributes),
            };
          }),
        };
      }),
    };
  });
}
