/**
 * The intake request's cost alone, in process (docs/performance.md, "The datadog run path: the request (eleventh
 * session)"): REQUESTS POSTs of intake bodies (500 items of the bench's print child each, serialized by the intake
 * serializer, compressed as the exporter compresses them) to a sink in another process that answers 202 `{}` at
 * once, CONCURRENCY at a time over kept-alive sockets, through one transport. Prints the main thread's CPU (from
 * /proc: Node 20 has no process.threadCpuUsage) and the process's, per request, and the wall time.
 *
 *   node bench/http-request-cost.mjs node|lean [gzip|zstd] [pre|compress] [REQUESTS] [CONCURRENCY]
 *
 * `pre`: the bodies are compressed before the clock starts (the request alone); `compress`: each request compresses
 * its body first with the exporter's compressBody (the completion callback included). Needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const [kind = 'node', compression = 'gzip', mode = 'pre', requestsArg = '2000', concurrencyArg = '3'] =
  process.argv.slice(2);
const REQUESTS = Number(requestsArg);
const CONCURRENCY = Number(concurrencyArg);

const { createNodeHttpTransport } = await import(join(ROOT, 'dist/core/http/node-http-transport.js'));
const { createLeanHttpTransport } = await import(join(ROOT, 'dist/core/http/lean-http-transport.js'));
const { compressBody, encodingHeader } = await import(join(ROOT, 'dist/pipeline/compression.js'));
const { createIntakeSerializer } = await import(join(ROOT, 'dist/destinations/datadog/serializer.js'));
const { toExportOutcome } = await import(join(ROOT, 'dist/core/http/http-outcome.js'));

/** The sink: another process, answering as the intake does, reading and dropping each body. */
const SINK = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => res.writeHead(202, { 'content-type': 'application/json' }).end('{}'));
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;
const sink = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => sink.stdout.once('data', (d) => resolve(Number(String(d).trim()))));

// Bodies of 500 items, from the bench's print child's lines, as the exporter writes them.
const serializer = createIntakeSerializer({
  runId: '7c1f5a52-8a3e-4d5b-9a43-0b3f8d2e6c11',
  logId: 'f0e1d2c3-b4a5-4697-8877-665544332211',
  logSource: 'step',
  logStoreId: '11111111-2222-4333-8444-555555555555',
  logStoreName: 'dd',
  stepName: 'train',
  tags: ['env:ci'],
  service: 'bench',
  hostname: 'build-7',
  source: 'dd-logstore',
  writer: 'w',
});
const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma'.split(
  ' ',
);
let seq = 0;
const bodies = [];
for (let b = 0; b < 16; b++) {
  const items = [];
  for (let i = 0; i < 500; i++, seq++) {
    let msg = `2026-12-07 00:00:${String(seq % 60).padStart(2, '0')},123 INFO worker.${seq % 7} step ${seq}:`;
    while (msg.length < 90) msg += ` ${words[(seq * 7 + msg.length) % words.length]}`;
    items.push(
      serializer.serialize({ timestamp: 1_765_000_000_000 + seq, seq, stream: 'stdout', level: 'info', message: msg }),
    );
  }
  bodies.push(Buffer.from(`[${items.join(',')}]`));
}
const pre = await Promise.all(bodies.map((b) => compressBody(b, compression)));

const headers = { 'Content-Type': 'application/json', 'DD-API-KEY': 'k', ...encodingHeader(compression) };
const url = `http://127.0.0.1:${port}/api/v2/logs`;
const transport = (kind === 'lean' ? createLeanHttpTransport : createNodeHttpTransport)({
  connections: CONCURRENCY,
  timeoutMs: 15_000,
});

/** The main thread's CPU in ns: schedstat's first field (time on CPU). */
function mainThreadNs() {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
}

async function one(i) {
  const body = mode === 'pre' ? pre[i % pre.length] : await compressBody(bodies[i % bodies.length], compression);
  const outcome = toExportOutcome(await transport.send({ url, headers, body }));
  if (outcome.kind !== 'success') throw new Error(`request ${i}: ${JSON.stringify(outcome)}`);
}

async function round(n) {
  let next = 0;
  const lane = async () => {
    while (next < n) await one(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
}

// Warm-up: connections made and the code optimized before the clock starts.
await round(200);
const cpu0 = process.cpuUsage();
const main0 = mainThreadNs();
const wall0 = performance.now();
await round(REQUESTS);
const wallMs = performance.now() - wall0;
const mainMs = (mainThreadNs() - main0) / 1e6;
const cpu = process.cpuUsage(cpu0);
await transport.close();
sink.kill();
const avgBody = pre.reduce((n, b) => n + b.length, 0) / pre.length;
console.log(
  JSON.stringify({
    kind,
    compression,
    mode,
    node: process.version,
    requests: REQUESTS,
    bodyKB: Math.round(avgBody / 102.4) / 10,
    mainMsPerRequest: Math.round((mainMs / REQUESTS) * 1000) / 1000,
    processMsPerRequest: Math.round(((cpu.user + cpu.system) / 1000 / REQUESTS) * 1000) / 1000,
    wallMs: Math.round(wallMs),
  }),
);
