/**
 * The datadog run path's per-line work in process, for instruction counts (node bench/line-path-count.mjs FILE REPS
 * [both|builder] [DIST], after `npm run build`): FILE (the bench's `ceiling` lines, bench/children/print.py --file
 * FILE 100000) read REPS times in 64 KB chunks through the record builder as `run` reads the child (`rawLines` on, a
 * two-secret mask), and with `both` each record into the intake serializer and the chained JSON batch as the datadog
 * exporter writes them (500 items a batch, buffers released). No timers, no I/O after the file is read: under
 * `valgrind --tool=callgrind` the count repeats within a few hundred instructions a record (JIT timing), at any load.
 *
 * Per record = (instructions at REPS=3 − instructions at REPS=1) / (2 × lines), each count summed over callgrind's
 * files (`grep -h '^summary:'`); docs/performance.md "the message bytes (twelfth session)". DIST (default: this
 * checkout's dist/) lets a scratch build of another commit be counted with the same harness.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [file, repsArg, mode = 'both', distArg] = process.argv.slice(2);
if (file === undefined || !(Number(repsArg) > 0) || !['both', 'builder'].includes(mode)) {
  process.stderr.write('usage: node bench/line-path-count.mjs FILE REPS [both|builder] [DIST]\n');
  process.exit(2);
}
const dist = distArg ?? fileURLToPath(new URL('../dist', import.meta.url));
const { createRecordBuilder } = await import(`${dist}/runner/record-builder.js`);
const { createIntakeSerializer, ITEM_OPENING } = await import(`${dist}/destinations/datadog/serializer.js`);
const { createJsonBatchFactory } = await import(`${dist}/pipeline/json-batch.js`);
const { Redactor } = await import(`${dist}/io/redact.js`);

const data = readFileSync(file);
const chunks = [];
for (let i = 0; i < data.length; i += 65536) chunks.push(data.subarray(i, Math.min(data.length, i + 65536)));
const redactor = new Redactor();
redactor.add('abcdef0123456789abcdef0123456789');
redactor.add('s3cr3t-t0ken-value');
const mask = {
  text: (t) => redactor.redactIfPresent(t),
  deep: (v) => redactor.redactDeepIfPresent(v),
  cut: (t) => redactor.safeCut(t),
};
// A step's context as `run` makes it (a stack's step, a pipeline, two tags, the writer).
const serializer = createIntakeSerializer({
  runId: '7f1c2a34-5b6d-4e8f-9a0b-1c2d3e4f5a6b',
  logId: '0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
  logSource: 'step',
  logStoreId: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
  logStoreName: 'datadog-prod',
  stepName: 'trainer',
  pipeline: 'training_pipeline',
  tags: ['env:bench', 'team:ml'],
  service: 'zenml',
  serviceVersion: '0.1.0',
  hostname: 'bench-host',
  source: 'zenml',
  writer: 'w-1234abcd',
});
const batches = createJsonBatchFactory((o, r) => serializer.write(o, r), 'array', {
  opening: ITEM_OPENING,
  write: (o, r) => serializer.writeChained(o, r),
});

let batch = batches.createBatch();
let records = 0;
let items = 0;
const onRecord = (r) => {
  records++;
  if (mode === 'builder') return;
  if (!batch.add(r, 4_500_000)) {
    ship();
    batch.add(r, 4_500_000);
  }
  if (batch.count >= 500) ship();
};
function ship() {
  const done = batch.finish();
  items += done.count;
  batches.release(done);
  batch = batches.createBatch();
}
for (let rep = 0; rep < Number(repsArg); rep++) {
  const builder = createRecordBuilder({
    stderrLevel: 'error',
    now: () => 1714564800123,
    onRecord,
    rawLines: true,
    mask,
    firstSeq: rep * 1e6,
  });
  for (const c of chunks) {
    builder.push('stdout', c);
    void builder.rawLines;
  }
  builder.end();
}
process.stdout.write(JSON.stringify({ mode, reps: Number(repsArg), records, items }) + '\n');
