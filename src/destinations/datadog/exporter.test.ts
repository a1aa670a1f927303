import { describe, it, expect, afterEach } from '@jest/globals';
import { sinkTo } from '../../../test/helpers/sink-to.js';
import { createManualTimers } from '../../../test/helpers/manual-timers.js';
import { testContext, testRecord } from '../../../test/helpers/test-records.js';
import { startTestHttpServer, type Responder, type TestHttpServer } from '../../../test/helpers/test-http-server.js';
import { createIntakeSerializer } from './serializer.js';
import { RUNTIME_HAS_ZSTD } from '../../../test/helpers/content-encoding.js';

const servers: TestHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(respond?: Responder): Promise<TestHttpServer> {
  const s = await startTestHttpServer(respond);
  servers.push(s);
  return s;
}

describe('datadog intake exporter (through the log sink)', () => {
  it('posts gzip JSON arrays that decode to the same items, with the intake headers', async () => {
    const s = await server();
    const ctx = testContext();
    const sink = sinkTo(
      { flavor: 'datadog', protocol: 'intake', url: `${s.url}/api/v2/logs`, apiKey: 'secret-key' },
      ctx,
      {
        batching: { maxExportBatchSize: 400 },
        timers: createManualTimers(),
      },
    );
    const records = Array.from({ length: 1000 }, (_, i) => testRecord(i, { message: `line ${i} \u2713` }));
    for (const r of records) sink.emit(r);
    expect(await sink.shutdown(10_000)).toEqual({ read: 1000, delivered: 1000, spooled: 0, dropped: 0, failed: 0 });

    expect(s.requests.map((r) => r.path)).toEqual(Array(3).fill('/api/v2/logs'));
    for (const req of s.requests) {
      expect(req.headers['dd-api-key']).toBe('secret-key');
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['content-encoding']).toBe('gzip');
      expect(req.raw.length).toBeLessThan(req.body.length);
    }
    const serializer = createIntakeSerializer(ctx);
    // Concurrent requests may land in any order: dd_logstore.seq keeps the order of the records.
    const received = s.requests
      .flatMap((r) => JSON.parse(r.body.toString('utf8')) as Record<string, number>[])
      .sort((a, b) => (a['dd_logstore.seq'] ?? 0) - (b['dd_logstore.seq'] ?? 0));
    expect(received).toEqual(records.map((r) => JSON.parse(serializer.serialize(r))));
  });

  // zstd is in node:zlib from Node 22.15: CI's Node 24 run exercises this; Node 20 has no zstd to send.
  (RUNTIME_HAS_ZSTD ? it : it.skip)(
    `sends zstd with Content-Encoding: zstd (needs Node >= 22.15; this is ${process.version})`,
    async () => {
      const s = await server();
      const ctx = testContext();
      const sink = sinkTo(
        { flavor: 'datadog', protocol: 'intake', url: s.url, apiKey: 'k', compression: 'zstd' },
        ctx,
        {
          timers: createManualTimers(),
        },
      );
      const records = Array.from({ length: 300 }, (_, i) => testRecord(i));
      for (const r of records) sink.emit(r);
      await sink.shutdown();
      expect(s.requests[0]?.headers['content-encoding']).toBe('zstd');
      expect(s.requests[0]?.raw.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
      const serializer = createIntakeSerializer(ctx);
      expect(JSON.parse(s.requests[0]?.body.toString('utf8') ?? '')).toEqual(
        records.map((r) => JSON.parse(serializer.serialize(r))),
      );
    },
  );

  it('sends plain JSON with compression none', async () => {
    const s = await server();
    const sink = sinkTo(
      { flavor: 'datadog', protocol: 'intake', url: s.url, apiKey: 'k', compression: 'none' },
      testContext(),
      {
        timers: createManualTimers(),
      },
    );
    sink.emit(testRecord(0));
    await sink.shutdown();
    expect(s.requests[0]?.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(s.requests[0]?.raw.toString() ?? '')).toHaveLength(1);
  });

  it('keeps each request within 1000 items and 5 MB uncompressed', async () => {
    const s = await server();
    const sink = sinkTo({ flavor: 'datadog', protocol: 'intake', url: s.url, apiKey: 'k' }, testContext(), {
      batching: { maxExportBatchSize: 5000 },
      timers: createManualTimers(),
    });
    for (let i = 0; i < 1500; i++) sink.emit(testRecord(i));
    const big = 'z'.repeat(900_000);
    for (let i = 0; i < 12; i++) sink.emit(testRecord(1500 + i, { message: big }));
    expect(await sink.shutdown()).toMatchObject({ read: 1512, delivered: 1512 });
    const sizes = s.requests.map((r) => [(JSON.parse(r.body.toString()) as unknown[]).length, r.body.length] as const);
    expect(sizes.reduce((n, [count]) => n + count, 0)).toBe(1512);
    for (const [count, bytes] of sizes) {
      expect(count).toBeLessThanOrEqual(1000);
      expect(bytes).toBeLessThanOrEqual(5_000_000);
    }
  });

  it('counts every record of a 403 answer as failed, none lost, and keeps the error', async () => {
    const s = await server((_req, res) =>
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"errors":["Forbidden"]}'),
    );
    const sink = sinkTo({ flavor: 'datadog', protocol: 'intake', url: s.url, apiKey: 'bad' }, testContext(), {
      batching: { maxExportBatchSize: 100, maxConcurrentExports: 1 },
      timers: createManualTimers(),
    });
    for (let i = 0; i < 250; i++) sink.emit(testRecord(i));
    const counts = await sink.shutdown();
    expect(counts).toEqual({ read: 250, delivered: 0, spooled: 0, dropped: 0, failed: 250 });
    // 401/403 stop sending for the run: one request, not one per batch.
    expect(s.requests).toHaveLength(1);
    expect(sink.firstErrors()).toEqual({
      failure: { status: 403, message: 'HTTP 403: {"errors":["Forbidden"]}', records: 250 },
    });
  });

  it('counts a mix of answers exactly', async () => {
    const s = await server((_req, res, i) => res.writeHead(i % 2 === 0 ? 202 : 503).end(i % 2 === 0 ? '{}' : ''));
    const sink = sinkTo({ flavor: 'datadog', protocol: 'intake', url: s.url, apiKey: 'k' }, testContext(), {
      batching: { maxExportBatchSize: 10, maxConcurrentExports: 1 },
      // No time to retry: each 503 is final (retries have their own tests).
      exportTimeoutMs: 1,
      timers: createManualTimers(),
    });
    for (let i = 0; i < 95; i++) sink.emit(testRecord(i));
    const counts = await sink.shutdown();
    expect(counts.delivered + counts.failed).toBe(95);
    expect(counts).toEqual({ read: 95, delivered: 50, spooled: 0, dropped: 0, failed: 45 });
    expect(sink.firstErrors().retryable).toMatchObject({ status: 503, records: 45 });
  });
});
