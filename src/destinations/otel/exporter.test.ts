import { describe, it, expect, afterEach } from '@jest/globals';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { sinkTo } from '../../../test/helpers/sink-to.js';
import { createManualTimers } from '../../../test/helpers/manual-timers.js';
import type { LogRecordData } from '../../core/log-record.js';
import { testContext, testRecord } from '../../../test/helpers/test-records.js';
import { startTestHttpServer, type TestHttpServer } from '../../../test/helpers/test-http-server.js';
import { createOtlpRecordBuilder, toHrTime } from './records.js';

const servers: TestHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

// A small protobuf reader, enough for ExportLogsServiceRequest: field number -> values, in order.
type Field = bigint | Buffer;
function fields(buf: Buffer): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++] ?? 0;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const [num, wire] = [tag >>> 3, tag & 7];
    let value: Field;
    if (wire === 0) value = varint();
    else if (wire === 1) {
      value = buf.readBigUInt64LE(pos);
      pos += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else throw new Error(`wire type ${wire}`);
    out.set(num, [...(out.get(num) ?? []), value]);
  }
  return out;
}
const msgs = (m: Map<number, Field[]>, n: number): Map<number, Field[]>[] =>
  (m.get(n) ?? []).map((v) => fields(v as Buffer));
const str = (m: Map<number, Field[]>, n: number): string | undefined =>
  (m.get(n)?.[0] as Buffer | undefined)?.toString();
function anyValue(m: Map<number, Field[]>): unknown {
  if (m.has(1)) return str(m, 1);
  if (m.has(2)) return m.get(2)?.[0] === 1n;
  if (m.has(3)) return Number(m.get(3)?.[0]);
  if (m.has(4)) return (m.get(4)?.[0] as bigint | undefined) === undefined ? undefined : 'double';
  return undefined;
}
function keyValues(list: Map<number, Field[]>[]): Record<string, unknown> {
  return Object.fromEntries(list.map((kv) => [str(kv, 1), anyValue(msgs(kv, 2)[0] ?? new Map())]));
}

interface Decoded {
  resource: Record<string, unknown>;
  scope: string | undefined;
  records: {
    time: bigint;
    severityNumber: number;
    severityText?: string;
    body: unknown;
    attributes: Record<string, unknown>;
  }[];
}
function decodeLogsRequest(body: Buffer): Decoded[] {
  return msgs(fields(body), 1).map((rl) => {
    const scopeLogs = msgs(rl, 2)[0] ?? new Map();
    return {
      resource: keyValues(msgs(msgs(rl, 1)[0] ?? new Map(), 1)),
      scope: str(msgs(scopeLogs, 1)[0] ?? new Map(), 1),
      records: msgs(scopeLogs, 2).map((lr) => ({
        time: lr.get(1)?.[0] as bigint,
        severityNumber: Number(lr.get(2)?.[0]),
        severityText: str(lr, 3),
        body: anyValue(msgs(lr, 5)[0] ?? new Map()),
        attributes: keyValues(msgs(lr, 6)),
      })),
    };
  });
}

const records: LogRecordData[] = [
  testRecord(0, { level: 'debug', message: 'starting' }),
  testRecord(1, { level: 'critical', message: 'fatal: out of memory \u00e9', timestamp: 1_700_000_000_123 }),
  testRecord(2, { level: 'warn', attributes: { 'dd_logstore.part': '1/2', count: 3, nested: { a: 1 } } }),
];

describe('OTLP exporter (through the log sink)', () => {
  it('sends protobuf that decodes to the records, resource and attributes (datadog flavor, dd-api-key, gzip)', async () => {
    const s = await startTestHttpServer((_req, res) => res.writeHead(200).end());
    servers.push(s);
    const ctx = testContext();
    const sink = sinkTo({ flavor: 'datadog', protocol: 'otlp', url: `${s.url}/v1/logs`, apiKey: 'the-key' }, ctx, {
      timers: createManualTimers(),
    });
    for (const r of records) sink.emit(r);
    expect(await sink.shutdown()).toEqual({ read: 3, delivered: 3, spooled: 0, dropped: 0, failed: 0 });

    const [req] = s.requests;
    expect(req?.path).toBe('/v1/logs');
    expect(req?.headers['dd-api-key']).toBe('the-key');
    expect(req?.headers['content-type']).toBe('application/x-protobuf');
    expect(req?.headers['content-encoding']).toBe('gzip');
    const body = req?.body ?? Buffer.alloc(0);

    // Round trip: the body is exactly what otlp-transformer's own serializer makes of these records, the stream's
    // tags as a `ddtags` attribute (Datadog's OTLP mapping reads it as the log's tags).
    const builder = createOtlpRecordBuilder({ ...ctx, attributes: { ...ctx.attributes, ddtags: ctx.tags.join(',') } });
    expect(Buffer.from(ProtobufLogsSerializer.serializeRequest(records.map(builder.toReadable)) ?? [])).toEqual(body);

    const decoded = decodeLogsRequest(body);
    expect(decoded).toHaveLength(1);
    expect(decoded[0]?.resource).toEqual({
      'service.name': 'zenml',
      'service.version': '0.1.0',
      'host.name': 'build-7',
    });
    expect(decoded[0]?.scope).toBe('dd-logstore');
    const got = decoded[0]?.records ?? [];
    expect(got.map((r) => [r.severityNumber, r.severityText, r.body])).toEqual([
      [5, 'debug', 'starting'],
      [21, 'critical', 'fatal: out of memory \u00e9'],
      [13, 'warn', 'line 2'],
    ]);
    expect(got[1]?.time).toBe(1_700_000_000_123_000_000n);
    expect(got[2]?.attributes).toEqual({
      'zenml.log.id': ctx.logId,
      'zenml.log.source': 'step',
      'zenml.log_store.id': ctx.logStoreId,
      'zenml.log_store.name': 'dd',
      'zenml.run.id': ctx.runId,
      'zenml.step.name': 'train',
      'dd_logstore.pipeline': 'nightly',
      'zenml.pipeline.run.id': ctx.runId,
      'zenml.step.run.name': 'train',
      'zenml.pipeline.name': 'nightly',
      ddtags: 'env:ci,team:ml',
      env: 'ci',
      team: 'ml',
      'dd_logstore.part': '1/2',
      count: 3,
      nested: '{"a":1}',
      'dd_logstore.seq': 2,
      'dd_logstore.stream': 'stdout',
    });
  });

  it('sends OTLP JSON with custom headers (otel flavor, no compression)', async () => {
    const s = await startTestHttpServer((_req, res) => res.writeHead(200).end('{}'));
    servers.push(s);
    const sink = sinkTo(
      {
        flavor: 'otel',
        url: `${s.url}/v1/logs`,
        protocol: 'http/json',
        headers: { authorization: 'Bearer t', 'x-scope': 'a' },
      },
      testContext(),
      {
        timers: createManualTimers(),
      },
    );
    for (const r of records) sink.emit(r);
    await sink.shutdown();
    const [req] = s.requests;
    expect(req?.headers).toMatchObject({
      authorization: 'Bearer t',
      'x-scope': 'a',
      'content-type': 'application/json',
    });
    expect(req?.headers['content-encoding']).toBeUndefined();
    type KV = { key: string; value: Record<string, unknown> };
    const json = JSON.parse(req?.body.toString() ?? '') as {
      resourceLogs: {
        resource: { attributes: KV[] };
        scopeLogs: {
          logRecords: {
            timeUnixNano: unknown;
            severityText: string;
            severityNumber: number;
            body: { stringValue: string };
            attributes: KV[];
          }[];
        }[];
      }[];
    };
    const rl = json.resourceLogs[0];
    expect(rl?.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'zenml' } });
    const lr = rl?.scopeLogs[0]?.logRecords ?? [];
    expect(lr.map((r) => [r.severityText, r.severityNumber, r.body.stringValue])).toEqual([
      ['debug', 5, 'starting'],
      ['critical', 21, 'fatal: out of memory \u00e9'],
      ['warn', 13, 'line 2'],
    ]);
    expect(String(lr[1]?.timeUnixNano)).toBe('1700000000123000000');
    expect(lr[0]?.attributes).toContainEqual({ key: 'zenml.run.id', value: { stringValue: testContext().runId } });
    expect(lr[0]?.attributes).toContainEqual({ key: 'dd_logstore.seq', value: { intValue: 0 } });
  });

  it('converts epoch milliseconds to hrtime', () => {
    expect(toHrTime(1_700_000_000_123)).toEqual([1_700_000_000, 123_000_000]);
  });
});
