/**
 * What the write-ahead journal costs `run`, in-process (node bench/journal-cost.mjs [FILE], after `npm run build`).
 * The input is the bench's `ceiling` file (bench/children/print.py --file; made here with BENCH_LINES lines when no
 * FILE is given), read in 64 KB chunks through the record builder as `run` reads the child, each chunk's records
 * collected as run-step.ts collects them. Timed apart, CPU (user + sys) per phase, medians of BENCH_RUNS:
 * - build: the record builder alone (the work the journal is set against);
 * - frames: a frame per record (`encode`, what the journal wrote before block frames; the local store still does);
 * - encode: the journal's encoding of every chunk's records (`encodeAll`: a block frame per chunk; no write);
 * - append: the journal's whole append (encode + write(2) + the once-a-second fsync) into a fresh journal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const { createJournalWriter } = await import(join(ROOT, 'dist/pipeline/journal.js'));
const { createFrameEncoder } = await import(join(ROOT, 'dist/pipeline/segment-format.js'));
const { createRecordBuilder } = await import(join(ROOT, 'dist/runner/record-builder.js'));

const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'journal-cost-'));
const context = {
  runId: 'bench',
  logId: 'l',
  logSource: 'run',
  logStoreId: 'id',
  logStoreName: 'dd',
  tags: [],
  service: 'zenml',
  serviceVersion: '1',
  hostname: 'h',
  source: 'dd-logstore',
  writer: 'w',
};
const cpuMs = (since) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  let file = process.argv[2];
  if (file === undefined) {
    file = join(dir, 'input.txt');
    spawnSync('python3', [join(ROOT, 'bench/children/print.py'), '--file', file, String(LINES)], { stdio: 'inherit' });
  }
  const input = readFileSync(file);
  // Every chunk's records, as `pending` holds them in run-step.ts.
  const chunks = [];
  const build = () => {
    let pending = [];
    chunks.length = 0;
    const builder = createRecordBuilder({
      stderrLevel: 'error',
      now: Date.now,
      onRecord: (r) => pending.push(r),
    });
    const c0 = process.cpuUsage();
    for (let at = 0; at < input.length; at += 65536) {
      builder.push('stdout', input.subarray(at, at + 65536));
      chunks.push(pending);
      pending = [];
    }
    builder.end();
    if (pending.length > 0) chunks.push(pending);
    return cpuMs(c0);
  };
  const encode = (each) => {
    const encoder = createFrameEncoder();
    let bytes = 0;
    const c0 = process.cpuUsage();
    for (const records of chunks) {
      encoder.begin();
      if (each) for (const r of records) encoder.encode(r);
      else encoder.encodeAll(records);
      bytes += encoder.bytes().length;
    }
    return [cpuMs(c0), bytes];
  };
  const append = (i) => {
    const journal = createJournalWriter({
      spoolDir: join(dir, `spool-${i}`),
      context: { ...context, writer: `w${i}` },
    });
    const c0 = process.cpuUsage();
    for (const records of chunks) journal.append(records);
    const ms = cpuMs(c0);
    journal.finish();
    rmSync(join(dir, `spool-${i}`), { recursive: true, force: true });
    return ms;
  };
  const builds = [];
  const frames = [];
  const encodes = [];
  const appends = [];
  let frameBytes = 0;
  let blockBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    builds.push(build());
    const [each, eachBytes] = encode(true);
    frames.push(each);
    frameBytes = eachBytes;
    const [ms, bytes] = encode(false);
    encodes.push(ms);
    blockBytes = bytes;
    appends.push(append(i));
  }
  const records = chunks.reduce((n, c) => n + c.length, 0);
  const per = (ms) => `${ms.toFixed(0)} ms (${((ms * 1000) / records).toFixed(3)} µs/record)`;
  console.log(
    `${records} records in ${chunks.length} chunks, ${input.length} bytes in, ` +
      `${frameBytes} bytes as frames, ${blockBytes} as the journal writes them`,
  );
  console.log(`build  median ${per(median(builds))}  all ${builds.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`frames median ${per(median(frames))}  all ${frames.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`encode median ${per(median(encodes))}  all ${encodes.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`append median ${per(median(appends))}  all ${appends.map((x) => x.toFixed(0)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
