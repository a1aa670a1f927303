/**
 * Micro-benchmark of the export layer alone (not a test): N records of ~100 bytes through createLogSink to a null
 * HTTP sink in a separate process (so its CPU is not ours), honouring backpressure the way the runner does.
 *
 *   npm run build && npm run build:test && node dist-test/bench/intake-bench.js [--records 1000000]
 *     [--target intake|intake-none|intake-no-http|otlp|local]
 *     [--concurrency 3] [--batch 1000] [--verify]
 *
 * Prints one JSON line: records/s, wall, CPU, peak RSS, requests, bytes on the wire.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { LogRecordData, StreamContext } from '../src/core/log-record.js';
import type { ResendTarget } from '../src/pipeline/resend.js';
import { sinkTo } from '../test/helpers/sink-to.js';
import type { Transport } from '../src/core/http/transport.js';

/** Records handed over per turn of the event loop: about one 64 KiB pipe read of 100-byte lines. */
const RECORDS_PER_TICK = 600;

interface SinkStats {
  requests: number;
  wireBytes: number;
  items: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** The null sink: answers 202 to everything; with --verify it also gunzips and counts items. */
function runNullSink(verify: boolean): void {
  const stats: SinkStats = { requests: 0, wireBytes: 0, items: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      stats.wireBytes += c.length;
      if (verify) chunks.push(c);
    });
    req.on('end', () => {
      stats.requests++;
      if (verify) {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        stats.items += (JSON.parse(body.toString('utf8')) as unknown[]).length;
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('message', (msg) => {
    if (msg === 'stats') process.send?.({ stats }, () => process.exit(0));
  });
}

async function startSink(verify: boolean): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--sink', ...(verify ? ['--verify'] : [])]);
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m) => resolve((m as { port: number }).port)),
  );
  return { child, port };
}

function stopSink(child: ChildProcess): Promise<SinkStats> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { stats: SinkStats }).stats));
    child.send('stats');
  });
}

const CONTEXT: StreamContext = {
  runId: '7c1f5a52-8a3e-4d5b-9a43-0b3f8d2e6c11',
  logId: 'f0e1d2c3-b4a5-4697-8877-665544332211',
  logSource: 'step',
  logStoreId: '11111111-2222-4333-8444-555555555555',
  logStoreName: 'datadog',
  stepName: 'train',
  tags: ['env:bench'],
  service: 'zenml',
  serviceVersion: '0.1.0',
  hostname: 'bench-host',
  source: 'dd-logstore',
};

function makeRecord(seq: number): LogRecordData {
  // ~100 bytes of log-like text.
  const message = `2024-05-01 12:00:00,123 INFO [worker-${seq % 8}] processed batch ${seq} of 1000000 in 0.52 ms, status=ok`;
  return {
    timestamp: 1_714_564_800_000 + (seq >> 10),
    seq,
    stream: seq % 5 === 0 ? 'stderr' : 'stdout',
    level: 'info',
    message,
  };
}

async function main(): Promise<void> {
  const records = Number(arg('records', '1000000'));
  const target = arg('target', 'intake');
  const verify = process.argv.includes('--verify');
  const concurrency = Number(arg('concurrency', '3'));
  const batch = Number(arg('batch', '1000'));

  const noHttp = target === 'intake-no-http';
  const sinkProc = target === 'local' || noHttp ? undefined : await startSink(verify);
  const url = `http://127.0.0.1:${sinkProc?.port ?? 0}`;
  const localDir = target === 'local' ? await mkdtemp(join(tmpdir(), 'dd-logstore-bench-')) : undefined;
  const exportTarget: ResendTarget =
    target === 'local'
      ? { flavor: 'local', dir: localDir ?? '' }
      : target === 'otlp'
        ? { flavor: 'datadog', protocol: 'otlp', url: `${url}/v1/logs`, apiKey: 'k' }
        : {
            flavor: 'datadog',
            protocol: 'intake',
            url: `${url}/api/v2/logs`,
            apiKey: 'k',
            compression: target === 'intake-none' ? 'none' : 'gzip',
          };

  // intake-no-http: serialization and gzip only, every request answered 202 in process.
  const nullTransport: Transport = {
    send: () => Promise.resolve({ kind: 'response', status: 202, headers: {}, body: '{}' }),
    close: () => Promise.resolve(),
  };
  const sink = sinkTo(exportTarget, CONTEXT, {
    ...(noHttp ? { transport: nullTransport } : {}),
    batching: { maxExportBatchSize: batch, maxConcurrentExports: concurrency },
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let pauses = 0;
  for (let seq = 0; seq < records;) {
    const end = Math.min(records, seq + RECORDS_PER_TICK);
    let full = false;
    for (; seq < end; seq++) full = !sink.emit(makeRecord(seq)) || full;
    if (full) {
      pauses++;
      await sink.drain();
    } else await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const counts = await sink.shutdown(60_000);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const stats = sinkProc ? await stopSink(sinkProc.child) : undefined;
  if (localDir) await rm(localDir, { recursive: true, force: true });

  const result = {
    target,
    records,
    batch,
    concurrency,
    wallMs: Math.round(wallMs),
    recordsPerSec: Math.round(records / (wallMs / 1000)),
    cpuUserMs: Math.round(cpu.user / 1000),
    cpuSystemMs: Math.round(cpu.system / 1000),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    backpressurePauses: pauses,
    counts,
    errors: sink.firstErrors(),
    ...(stats ? { requests: stats.requests, wireMB: +(stats.wireBytes / 1e6).toFixed(1) } : {}),
    ...(stats && verify ? { itemsReceived: stats.items } : {}),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (process.argv.includes('--sink')) runNullSink(process.argv.includes('--verify'));
else await main();
