/**
 * Measures the emulator's count-only intake: 1,000,000 records as 1000 gzip batches of 1000 intake items, sent
 * 4 at a time over keep-alive. Run: `npm run build:test && node dist-test/test/emulator/measure-ingest.js [N]`.
 * The batches are built and compressed before the clock starts, so the time is the emulator's (plus undici's
 * small share of the same process).
 */
import { gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { createEmulator } from './emulator.js';

const BATCH = 1000;
const CONCURRENCY = 4;
const DISTINCT_BATCHES = 10;

function makeBatch(b: number, now: number): Buffer {
  const items = [];
  for (let i = 0; i < BATCH; i++) {
    const seq = b * BATCH + i;
    items.push({
      message: `2024-05-01 12:00:00,123 INFO training step ${seq} loss=0.${seq % 1000} lr=0.001 "quoted" [x] {y}`,
      status: 'info',
      timestamp: now,
      service: 'zenml',
      hostname: 'bench-host',
      ddsource: 'dd-logstore',
      ddtags: 'env:bench,team:ml',
      'zenml.log.id': '0d1f7a9e-5b8c-4a7b-9f0e-6c2d1b3a4e5f',
      'zenml.log.source': 'step',
      'zenml.log_store.id': '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      'zenml.log_store.name': 'bench',
      'zenml.run.id': '3f2b8c1e-9d4a-4e6f-8b7a-1c2d3e4f5a6b',
      'zenml.step.name': 'trainer',
      'dd_logstore.seq': seq,
      'dd_logstore.stream': 'stdout',
    });
  }
  return gzipSync(JSON.stringify(items), { level: 1 });
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 1_000_000);
  const requests = Math.ceil(total / BATCH);
  const now = Date.now();
  const batches = Array.from({ length: DISTINCT_BATCHES }, (_, b) => makeBatch(b, now));
  const emulator = await createEmulator({ countOnly: true });
  const dispatcher = new Agent({ connections: CONCURRENCY });
  const url = `${emulator.url}/api/v2/logs`;
  let next = 0;
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  async function worker(): Promise<void> {
    while (next < requests) {
      const body = batches[next++ % DISTINCT_BATCHES] as Buffer;
      const res = await request(url, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'dd-api-key': emulator.apiKey },
        body,
      });
      await res.body.text();
      if (res.statusCode !== 202) throw new Error(`status ${res.statusCode}`);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const stats = emulator.stats();
  const rawBytes = emulator.requests().reduce((n, r) => n + r.bodyBytes, 0);
  process.stdout.write(
    `${stats.recordsStored} records in ${requests} requests (${(rawBytes / 1e6).toFixed(0)} MB uncompressed): ` +
      `${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms process CPU (emulator, sender and zlib threads), ` +
      `${Math.round(stats.recordsStored / (ms / 1000)).toLocaleString('en-US')} records/s\n`,
  );
  await dispatcher.close();
  await emulator.close();
  if (stats.recordsStored !== requests * BATCH) process.exitCode = 1;
}

void main();
