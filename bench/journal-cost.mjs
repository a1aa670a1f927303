/**
 * What the write-ahead journal costs `run`, in-process (node bench/journal-cost.mjs [FILE], after `npm run build`).
 * The input is the bench's `ceiling` file (bench/children/print.py --file; made here with BENCH_LINES lines when no
 * FILE is given), read in 64 KB chunks through the record builder as `run` reads the child, each chunk's records
 * collected as run-step.ts collects them. Timed apart, CPU (user + sys) per phase, medians of BENCH_RUNS:
 * - build: the record builder alone (the work the journal is set against);
 * - frames: a frame per record (`encode`, what the journal wrote before block frames; the local store still does);
 * - blocks: every chunk's records as a block frame (`encodeAll`, what the journal wrote before lines frames; no write);
 * - lines: the lines that became records as they came (the builder's `rawLines`) as a lines frame with a table
 *   (`encodeLines`, what the journal wrote before parsed lines frames), the rest as blocks or frames (no write);
 * - encode: the journal's encoding of every chunk's records as it does it now: those lines as a parsed lines frame
 *   (no table; their lines not copied: a part of their own for the writev), the rest as blocks or frames (no write);
 * - append: the journal's whole append (encode + write(2) + the once-a-second fsync) into a fresh journal, and what
 *   the journal's own clock (DD_LOGSTORE_BENCH_JOURNAL_CLOCK, as `npm run bench` reads it) says of the same calls;
 * - finish: the journal acknowledged whole, then finished (removed): the clock's part, and the removal's wall time on
 *   the thread pool where the journal does it there (since the eleventh session);
 * - fsync: what the journal's fsyncs cost, which `run` does on libuv's thread pool (the clock does not count them):
 *   the same bytes written to a plain file, fdatasync'd on this thread every ~12 MB (a second's worth in the bench's
 *   `ceiling` run), only the fdatasync calls timed (nothing else runs meanwhile, so the process's CPU is theirs).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const { createJournalWriter, encodeChunk } = await import(join(ROOT, 'dist/pipeline/journal.js'));
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
  // Every chunk's records, as `pending` holds them in run-step.ts, and the builder's `rawLines` for them.
  const chunks = [];
  const rawLines = [];
  const build = () => {
    let pending = [];
    chunks.length = 0;
    rawLines.length = 0;
    const builder = createRecordBuilder({
      stderrLevel: 'error',
      now: Date.now,
      onRecord: (r) => pending.push(r),
      rawLines: true,
    });
    const c0 = process.cpuUsage();
    for (let at = 0; at < input.length; at += 65536) {
      builder.push('stdout', input.subarray(at, at + 65536));
      chunks.push(pending);
      rawLines.push(builder.rawLines);
      pending = [];
    }
    builder.end();
    if (pending.length > 0) {
      chunks.push(pending);
      rawLines.push(undefined);
    }
    return cpuMs(c0);
  };
  const encode = (how) => {
    const encoder = createFrameEncoder();
    let bytes = 0;
    const c0 = process.cpuUsage();
    for (let c = 0; c < chunks.length; c++) {
      const records = chunks[c];
      const lines = rawLines[c];
      encoder.begin();
      if (how === 'frames') for (const r of records) encoder.encode(r);
      else if (how === 'blocks' || lines === undefined) encoder.encodeAll(records);
      // As journal.ts does it ('lines': its fallback, a lines frame with a table).
      else encodeChunk(encoder, records, lines.firstSeq - records[0].seq, lines, how === 'journal');
      // As the journal hands them to its writer (a lines frame's lines are a part of their own, not copied).
      for (const part of encoder.parts()) bytes += part.length;
    }
    return [cpuMs(c0), bytes];
  };
  const append = async (i) => {
    const clockFile = join(dir, 'clock.json');
    const c0 = process.cpuUsage();
    const journal = createJournalWriter({
      spoolDir: join(dir, `spool-${i}`),
      context: { ...context, writer: `w${i}` },
      clockFile,
    });
    for (let c = 0; c < chunks.length; c++) journal.append(chunks[c], rawLines[c]);
    const ms = cpuMs(c0);
    // Everything delivered: the finish removes the journal (one range: what the acks cost is measured in the run).
    journal.ack([chunks[0][0].seq, chunks.at(-1).at(-1).seq]);
    journal.finish();
    // The journal is removed on the thread pool; the clock's file is written once that ended.
    await journal.removed?.();
    const clock = JSON.parse(readFileSync(clockFile, 'utf8'));
    rmSync(join(dir, `spool-${i}`), { recursive: true, force: true });
    const finish = [clock.parts.finish, clock.background?.removeWallMs ?? null];
    return [ms, clock.parts.open + clock.parts.append, clock.wall.open + clock.wall.append, clock.clock, finish];
  };
  const fsyncs = (i) => {
    const file = join(dir, `fsync-${i}`);
    const fd = openSync(file, 'w');
    let ms = 0;
    let wall = 0;
    let calls = 0;
    let since = 0;
    for (let at = 0; at < input.length; at += 65536) {
      const chunk = input.subarray(at, at + 65536);
      writeSync(fd, chunk);
      since += chunk.length;
      if (since >= 12_000_000 || at + 65536 >= input.length) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        fdatasyncSync(fd);
        ms += cpuMs(c0);
        wall += performance.now() - t0;
        calls++;
        since = 0;
      }
    }
    closeSync(fd);
    rmSync(file, { force: true });
    return [ms, wall, calls];
  };
  const builds = [];
  const syncs = [];
  let syncCalls = 0;
  let syncWall = 0;
  const frames = [];
  const blocks = [];
  const encodes = [];
  const linesFrames = [];
  const appends = [];
  const clocks = [];
  const walls = [];
  const finishes = [];
  const removeWalls = [];
  let clockCpu = '';
  let frameBytes = 0;
  let blockBytes = 0;
  let journalBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    builds.push(build());
    const [each, eachBytes] = encode('frames');
    frames.push(each);
    frameBytes = eachBytes;
    const [b, bBytes] = encode('blocks');
    blocks.push(b);
    blockBytes = bBytes;
    linesFrames.push(encode('lines')[0]);
    const [ms, bytes] = encode('journal');
    encodes.push(ms);
    journalBytes = bytes;
    const [cpu, clock, wall, kind, [finish, removeWall]] = await append(i);
    finishes.push(finish);
    if (removeWall !== null) removeWalls.push(removeWall);
    appends.push(cpu);
    clocks.push(clock);
    walls.push(wall);
    clockCpu = kind;
    const [sync, sWall, sCalls] = fsyncs(i);
    syncs.push(sync);
    syncWall = sWall;
    syncCalls = sCalls;
  }
  const records = chunks.reduce((n, c) => n + c.length, 0);
  const asLines = rawLines.reduce((n, l) => n + (l?.count ?? 0), 0);
  const per = (ms) => `${ms.toFixed(0)} ms (${((ms * 1000) / records).toFixed(3)} µs/record)`;
  console.log(
    `${records} records in ${chunks.length} chunks, ${input.length} bytes in, ` +
      `${frameBytes} bytes as frames, ${blockBytes} as blocks, ${journalBytes} as the journal writes them ` +
      `(${asLines} records in lines frames)`,
  );
  console.log(`build  median ${per(median(builds))}  all ${builds.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`frames median ${per(median(frames))}  all ${frames.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`blocks median ${per(median(blocks))}  all ${blocks.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`lines  median ${per(median(linesFrames))}  all ${linesFrames.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`encode median ${per(median(encodes))}  all ${encodes.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`append median ${per(median(appends))}  all ${appends.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(
    `clock  median ${per(median(clocks))}  all ${clocks.map((x) => x.toFixed(0)).join(' ')} (${clockCpu}); ` +
      `wall ${median(walls).toFixed(0)} ms`,
  );
  // The finish: removing the delivered journal (its clock; since the eleventh session a rename on this thread and the
  // unlinks on the thread pool, whose wall time is beside).
  console.log(
    `finish median ${median(finishes).toFixed(1)} ms by the clock  all ${finishes.map((x) => x.toFixed(1)).join(' ')}` +
      (removeWalls.length > 0 ? `; removal on the thread pool ${median(removeWalls).toFixed(0)} ms wall` : ''),
  );
  console.log(
    `fsync  median ${per(median(syncs))}  all ${syncs.map((x) => x.toFixed(0)).join(' ')} ` +
      `(${syncCalls} fdatasync calls, ${syncWall.toFixed(0)} ms wall in the last run)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
