import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
// A dependency of sdk-logs (not ours directly): the only way to give the provider a service.name / host.name.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { gzipSync } from 'node:zlib';
import { createEmulator } from './emulator.js';
import type { Emulator } from './emulator.js';
import { decodeExportLogsJson, decodeExportLogsRequest, ProtobufError } from './otlp-decode.js';

const RUN_ID = '3f2b8c1e-9d4a-4e6f-8b7a-1c2d3e4f5a6b';

async function makeRecords(now: number): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'zenml', 'service.version': '0.1.0', 'host.name': 'host-a' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('dd-logstore');
  logger.emit({
    timestamp: now,
    severityNumber: SeverityNumber.INFO,
    severityText: 'info',
    body: 'épochs: 1/3 ✓',
    attributes: {
      'zenml.run.id': RUN_ID,
      'dd_logstore.seq': 1,
      'dd_logstore.stream': 'stdout',
      flag: true,
      ratio: 0.5,
    },
  });
  logger.emit({
    timestamp: now + 1,
    severityNumber: SeverityNumber.ERROR,
    body: 'Traceback (most recent call last):\n  boom',
    attributes: { 'zenml.run.id': RUN_ID, 'dd_logstore.seq': 2, list: ['a', 'b'], neg: -5 },
  });
  logger.emit({ timestamp: now + 2, severityText: 'WARNING', body: { structured: 'yes' } });
  await provider.forceFlush();
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  return records;
}

describe('OTLP decoding', () => {
  const now = Date.parse('2024-05-01T12:00:00.123Z');

  it('reads what ProtobufLogsSerializer writes', async () => {
    const bytes = ProtobufLogsSerializer.serializeRequest(await makeRecords(now));
    expect(bytes).toBeDefined();
    const [rl] = decodeExportLogsRequest(bytes as Uint8Array);
    expect(rl?.resource).toMatchObject({ 'service.name': 'zenml', 'service.version': '0.1.0', 'host.name': 'host-a' });
    const recs = rl?.scopeLogs.flatMap((s) => s.logRecords) ?? [];
    expect(rl?.scopeLogs[0]?.scopeName).toBe('dd-logstore');
    expect(recs).toEqual([
      {
        timeMs: now,
        severityNumber: SeverityNumber.INFO,
        severityText: 'info',
        body: 'épochs: 1/3 ✓',
        attributes: {
          'zenml.run.id': RUN_ID,
          'dd_logstore.seq': 1,
          'dd_logstore.stream': 'stdout',
          flag: true,
          ratio: 0.5,
        },
      },
      {
        timeMs: now + 1,
        severityNumber: SeverityNumber.ERROR,
        severityText: '',
        body: 'Traceback (most recent call last):\n  boom',
        attributes: { 'zenml.run.id': RUN_ID, 'dd_logstore.seq': 2, list: ['a', 'b'], neg: -5 },
      },
      { timeMs: now + 2, severityNumber: 0, severityText: 'WARNING', body: { structured: 'yes' }, attributes: {} },
    ]);
  });

  it('reads what JsonLogsSerializer writes, to the same result', async () => {
    const records = await makeRecords(now);
    const json = JSON.parse(Buffer.from(JsonLogsSerializer.serializeRequest(records) as Uint8Array).toString('utf8'));
    const fromJson = decodeExportLogsJson(json);
    const fromProto = decodeExportLogsRequest(ProtobufLogsSerializer.serializeRequest(records) as Uint8Array);
    expect(fromJson).toEqual(fromProto);
  });

  it('rejects truncated protobuf', async () => {
    const bytes = ProtobufLogsSerializer.serializeRequest(await makeRecords(now)) as Uint8Array;
    expect(() => decodeExportLogsRequest(bytes.subarray(0, bytes.length - 3))).toThrow(ProtobufError);
  });
});

describe('POST /v1/logs', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await createEmulator();
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => emu.reset());

  async function post(body: Uint8Array, contentType: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${emu.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'dd-api-key': emu.apiKey, ...headers },
      body,
    });
  }

  it.each([
    ['protobuf', 'application/x-protobuf'],
    ['JSON', 'application/json'],
  ])('maps an OTLP %s request to stored records', async (kind, contentType) => {
    const now = Date.now();
    const records = await makeRecords(now);
    const body =
      kind === 'JSON' ? JsonLogsSerializer.serializeRequest(records) : ProtobufLogsSerializer.serializeRequest(records);
    const res = await post(body as Uint8Array, contentType);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const stored = emu.records();
    expect(stored).toHaveLength(3);
    expect(stored[0]).toMatchObject({
      timestamp: now,
      message: 'épochs: 1/3 ✓',
      status: 'info',
      service: 'zenml',
      host: 'host-a',
      route: 'otlp',
      attributes: { 'zenml.run.id': RUN_ID, 'dd_logstore.seq': 1, 'service.version': '0.1.0', flag: true },
    });
    expect(stored[1]).toMatchObject({ status: 'error', message: 'Traceback (most recent call last):\n  boom' });
    expect(stored[2]).toMatchObject({ status: 'warn', message: '{"structured":"yes"}' });
    expect(emu.requests()[0]).toMatchObject({ route: 'otlp', items: 3, status: 200 });

    // The stored records are searchable like intake ones.
    const search = await fetch(`${emu.url}/api/v2/logs/events/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'dd-api-key': emu.apiKey, 'dd-application-key': emu.appKey },
      body: JSON.stringify({
        filter: { query: `@zenml.run.id:"${RUN_ID}" status:error`, from: String(now - 1000), to: String(now + 1000) },
      }),
    });
    const page = (await search.json()) as { data: { attributes: { message: string } }[] };
    expect(page.data.map((d) => d.attributes.message)).toEqual(['Traceback (most recent call last):\n  boom']);
  });

  it('accepts gzip and refuses missing or unknown keys', async () => {
    const body = ProtobufLogsSerializer.serializeRequest(await makeRecords(Date.now())) as Uint8Array;
    const gz = await post(gzipSync(body), 'application/x-protobuf', { 'content-encoding': 'gzip' });
    expect(gz.status).toBe(200);
    const noKey = await fetch(`${emu.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    });
    expect(noKey.status).toBe(401);
    expect((await post(body, 'application/x-protobuf', { 'dd-api-key': 'nope' })).status).toBe(403);
    expect(emu.records()).toHaveLength(3);
  });

  it('answers 400 to a body that is not OTLP', async () => {
    const res = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff]), 'application/x-protobuf');
    expect(res.status).toBe(400);
  });
});
