/**
 * `npm run bench`: every workload of the spec (../shared/spec/benchmark.md) against every contender, side by side,
 * medians of BENCH_RUNS runs (default 3), against the Datadog emulator in count-only mode. Prints a table and writes
 * bench/results.json. Expects `npm run build && npm run build:test` first (the npm script does both).
 *
 *   BENCH_LINES=1000000  lines of the `lines` workload        BENCH_RUNS=3        runs per contender (median)
 *   BENCH_TQDM=100000    redraws of the `tqdm` workload        BENCH_STARTUP=20    runs of the `startup` workload
 *   BENCH_READBACK=100000 records of the `readback` workload  BENCH_ONLY=lines,tqdm,startup,readback
 *   BENCH_PROFILE=1      also write a --cpu-prof of one `dd-logstore run` of `lines` to bench/profiles/
 *
 * Contenders: the child alone (output to /dev/null: the limit), the stock OpenTelemetry pipeline
 * (bench/otel-baseline.mjs), `dd-logstore run` with the datadog flavor (gzip) and with the local flavor.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CLI = join(ROOT, 'bin/dd-logstore.js');
const env = process.env;
/** A positive whole number from the environment, or one line saying what is wrong and exit 2. */
function countFromEnv(name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`bench: ${name} must be a positive whole number, got '${raw}' (e.g. ${name}=${fallback})\n`);
    process.exit(2);
  }
  return n;
}
const LINES = countFromEnv('BENCH_LINES', 1_000_000);
const RUNS = countFromEnv('BENCH_RUNS', 3);
const TQDM = countFromEnv('BENCH_TQDM', 100_000);
const STARTUP_RUNS = countFromEnv('BENCH_STARTUP', 20);
const READBACK = Math.min(countFromEnv('BENCH_READBACK', 100_000), Math.max(LINES, 1000));
const WORKLOADS = ['lines', 'tqdm', 'startup', 'readback'];
const ONLY = new Set((env.BENCH_ONLY ?? WORKLOADS.join(',')).split(','));
for (const w of ONLY) {
  if (!WORKLOADS.includes(w)) {
    process.stderr.write(`bench: BENCH_ONLY names an unknown workload '${w}' (choose from ${WORKLOADS.join(', ')})\n`);
    process.exit(2);
  }
}
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const PYTHON = (await exitCode('python3', ['-c', 'pass'])) === 0 ? 'python3' : undefined;

const { createEmulator } = await import(join(ROOT, 'dist-test/test/emulator/emulator.js'));
const emulator = await createEmulator({ countOnly: true });
const work = mkdtempSync(join(os.tmpdir(), 'dd-logstore-bench-'));
const home = join(work, 'home');
const devnull = openSync('/dev/null', 'w');
const baseEnv = { ...env, DD_LOGSTORE_HOME: home, PYTHONUNBUFFERED: '1', NO_COLOR: '1' };
delete baseEnv.DD_LOGSTORE_RUN_ID;

function childCommand(workload, n) {
  if (PYTHON) return [PYTHON, join(ROOT, `bench/children/${workload}.py`), String(n)];
  return [process.execPath, join(ROOT, `bench/children/${workload}.mjs`), String(n)];
}

function exitCode(cmd, args) {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: 'ignore' });
    c.once('error', () => resolve(-1));
    c.once('exit', (code) => resolve(code ?? -1));
  });
}

/** Runs argv with stdout/stderr to /dev/null (or `stdout` fd); wall ms and peak RSS (MB) via /usr/bin/time. */
async function measure(argv, { extraEnv = {}, stdout = devnull } = {}) {
  const rssFile = join(work, 'rss');
  rmSync(rssFile, { force: true });
  // Peak RSS, and CPU seconds of the contender with its children (the workload's child included).
  const full = TIME ? [TIME, '-f', '%M %U %S', '-o', rssFile, ...argv] : argv;
  const started = performance.now();
  // This process hosts the emulator and otherwise only waits: its CPU during the run is the sink's.
  const sinkCpu0 = process.cpuUsage();
  const code = await new Promise((resolve, reject) => {
    const c = spawn(full[0], full.slice(1), { stdio: ['ignore', stdout, devnull], env: { ...baseEnv, ...extraEnv } });
    c.once('error', reject);
    c.once('exit', (code, signal) => resolve(signal ? 128 : code));
  });
  const wallMs = performance.now() - started;
  const sinkCpu = process.cpuUsage(sinkCpu0);
  const sinkCpuS = (sinkCpu.user + sinkCpu.system) / 1e6;
  let rssMb = null;
  let cpuS = null;
  if (TIME && existsSync(rssFile)) {
    const [kb, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    if (Number.isFinite(kb)) rssMb = kb / 1024;
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuS = user + sys;
  }
  return { code, wallMs, rssMb, cpuS, sinkCpuS };
}

async function cli(args, extraEnv = {}) {
  const out = join(work, 'cli.out');
  const fd = openSync(out, 'w');
  const code = await new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', fd, fd], env: { ...baseEnv, ...extraEnv } });
    c.once('exit', (code) => resolve(code));
  });
  const text = readFileSync(out, 'utf8');
  if (code !== 0) throw new Error(`dd-logstore ${args.join(' ')} failed (${code}): ${text}`);
  return text;
}

function runCounts(runId) {
  const record = JSON.parse(readFileSync(join(home, 'runs', `${runId}.json`), 'utf8'));
  const c = record.steps.reduce(
    (acc, s) => ({
      read: acc.read + (s.counts.read ?? 0),
      delivered: acc.delivered + (s.counts.delivered ?? 0),
      spooled: acc.spooled + (s.counts.spooled ?? 0),
    }),
    { read: 0, delivered: 0, spooled: 0 },
  );
  return { ...c, error: record.steps.find((s) => s.error)?.error };
}

function countLines(dir) {
  let n = 0;
  if (!existsSync(dir)) return 0;
  for (const name of readdirSync(dir)) {
    const buf = readFileSync(join(dir, name));
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  }
  return n;
}

let runSerial = 0;
const CONTENDERS = [
  {
    name: 'child alone',
    async run(child) {
      const m = await measure(child);
      return { ...m, read: null, stored: null, spooled: 0, requests: null };
    },
  },
  {
    name: 'stock OTel pipeline',
    async run(child) {
      emulator.reset();
      const stats = join(work, 'otel-stats.json');
      rmSync(stats, { force: true });
      const m = await measure([process.execPath, join(ROOT, 'bench/otel-baseline.mjs'), '--', ...child], {
        extraEnv: {
          BENCH_INTAKE_URL: `${emulator.url}/api/v2/logs`,
          BENCH_API_KEY: emulator.apiKey,
          BENCH_STATS_FILE: stats,
        },
      });
      const s = emulator.stats();
      const read = existsSync(stats) ? JSON.parse(readFileSync(stats, 'utf8')).read : null;
      return { ...m, read, stored: s.recordsStored, spooled: 0, requests: s.requests };
    },
  },
  ...[
    ['dd-logstore run (datadog, gzip)', 'dd', []],
    ['dd-logstore run (local)', 'local', []],
  ].map(([name, store, nodeFlags]) => ({
    name,
    async run(child) {
      emulator.reset();
      const runId = `bench-${process.pid}-${++runSerial}`;
      const m = await measure([
        process.execPath,
        ...nodeFlags,
        CLI,
        'run',
        '-q',
        '--log-store',
        store,
        '--run-id',
        runId,
        '--',
        ...child,
      ]);
      const c = runCounts(runId);
      // What this run spooled would be resent by the next one and counted there: each run starts with no spool.
      rmSync(join(home, 'spool'), { recursive: true, force: true });
      const s = emulator.stats();
      const stored = store === 'local' ? countLines(join(home, 'logs', runId)) : s.recordsStored;
      return {
        ...m,
        read: c.read,
        stored,
        spooled: c.spooled,
        requests: store === 'local' ? null : s.requests,
        error: c.error,
      };
    },
  })),
];

const median = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

async function throughputWorkload(workload, n) {
  const child = childCommand(workload, n);
  const runs = Object.fromEntries(CONTENDERS.map((c) => [c.name, []]));
  for (let r = 0; r < RUNS; r++) {
    // Round-robin, so a burst of load from elsewhere hits every contender alike.
    for (const c of CONTENDERS) {
      const result = await c.run(child);
      runs[c.name].push(result);
      process.stderr.write(`  ${workload} #${r + 1} ${c.name}: ${(result.wallMs / 1000).toFixed(2)} s\n`);
    }
  }
  const childMs = median(runs['child alone'].map((x) => x.wallMs));
  return CONTENDERS.map((c) => {
    const rs = runs[c.name];
    const wallMs = median(rs.map((x) => x.wallMs));
    const read = median(rs.map((x) => x.read));
    const stored = median(rs.map((x) => x.stored));
    const spooled = median(rs.map((x) => x.spooled));
    const lost = c.name === 'child alone' ? null : median(rs.map((x) => (x.read ?? 0) - (x.stored ?? 0) - x.spooled));
    return {
      workload,
      contender: c.name,
      wallMs,
      ratio: wallMs / childMs,
      rssMb: median(rs.map((x) => x.rssMb)),
      cpuS: median(rs.map((x) => x.cpuS)),
      sinkCpuS: c.name === 'child alone' ? null : median(rs.map((x) => x.sinkCpuS)),
      read,
      stored,
      spooled,
      lost,
      requests: median(rs.map((x) => x.requests)),
      errors: rs.map((x) => x.error).filter(Boolean),
      runs: rs,
    };
  });
}

async function startupWorkload() {
  const bare = [];
  const run = [];
  const help = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    bare.push((await measure(['true'])).wallMs);
    run.push((await measure([process.execPath, CLI, 'run', '-q', '--log-store', 'dd', '--', 'true'])).wallMs);
    help.push((await measure([process.execPath, CLI, '--help'])).wallMs);
  }
  const node = [];
  for (let i = 0; i < STARTUP_RUNS; i++) node.push((await measure([process.execPath, '-e', '0'])).wallMs);
  const b = median(bare);
  return [
    { workload: 'startup', contender: 'bare true', wallMs: b, ratio: 1, extraMs: 0 },
    { workload: 'startup', contender: 'node -e 0 (for scale)', wallMs: median(node), extraMs: median(node) - b },
    { workload: 'startup', contender: 'dd-logstore --help', wallMs: median(help), extraMs: median(help) - b },
    { workload: 'startup', contender: 'dd-logstore run -- true', wallMs: median(run), extraMs: median(run) - b },
  ];
}

async function readbackWorkload() {
  emulator.configure({ countOnly: false });
  const runId = `bench-readback-${process.pid}`;
  try {
    await measure([
      process.execPath,
      CLI,
      'run',
      '-q',
      '--log-store',
      'dd',
      '--run-id',
      runId,
      '--',
      ...childCommand('lines', READBACK),
    ]);
    const stored = emulator.stats().recordsStored;
    const walls = [];
    const cpus = [];
    const sinkCpus = [];
    let got = null;
    let failure;
    for (let r = 0; r < RUNS && failure === undefined; r++) {
      const outFile = join(work, 'readback.jsonl');
      const fd = openSync(outFile, 'w');
      const m = await measure([process.execPath, CLI, 'logs', '--run-id', runId, '--output', 'jsonl'], { stdout: fd });
      got = (() => {
        const buf = readFileSync(outFile);
        let n = 0;
        for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
        return n;
      })();
      if (m.code !== 0) failure = `exit ${m.code}`;
      else if (got !== stored) failure = `read back ${got} of ${stored} records`;
      walls.push(m.wallMs);
      cpus.push(m.cpuS);
      sinkCpus.push(m.sinkCpuS);
    }
    const wallMs = median(walls);
    if (failure)
      return [{ workload: 'readback', contender: 'dd-logstore logs --output jsonl', pending: failure, stored }];
    return [
      {
        workload: 'readback',
        contender: 'dd-logstore logs --output jsonl',
        wallMs,
        read: got,
        stored,
        recordsPerSec: got / (wallMs / 1000),
        cpuS: median(cpus),
        sinkCpuS: median(sinkCpus),
        requests: emulator.requests().filter((q) => q.route !== 'intake').length / RUNS,
      },
    ];
  } finally {
    emulator.configure({ countOnly: true });
    emulator.reset();
  }
}

async function profileLines() {
  const dir = join(ROOT, 'bench/profiles');
  mkdirSync(dir, { recursive: true });
  for (const [label, flags] of [['inline', []]]) {
    await measure([
      process.execPath,
      ...flags,
      '--cpu-prof',
      `--cpu-prof-dir=${join(dir, label)}`,
      CLI,
      'run',
      '-q',
      '--log-store',
      'dd',
      '--',
      ...childCommand('lines', LINES),
    ]);
  }
  return dir;
}

// ---- setup
await cli([
  'log-store',
  'register',
  'dd',
  '--flavor=datadog',
  `--api_key=${emulator.apiKey}`,
  `--application_key=${emulator.appKey}`,
  `--intake_url=${emulator.url}`,
  `--api_url=${emulator.url}`,
]);
await cli(['log-store', 'register', 'local', '--flavor=local']);
await cli(['stack', 'register', 'bench', '-a', 'default', '-o', 'default', '-ls', 'dd', '--set']);

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  node: process.version,
  child: PYTHON ? 'python3' : 'node',
  loadAvgBefore: os.loadavg(),
  lines: LINES,
  runs: RUNS,
};
process.stderr.write(
  `bench: ${machine.cpus} CPUs, Node ${machine.node}, load ${machine.loadAvgBefore.map((x) => x.toFixed(2)).join(' ')}, ${LINES} lines, ${RUNS} runs\n`,
);
const rows = [];
try {
  if (ONLY.has('lines')) rows.push(...(await throughputWorkload('lines', LINES)));
  if (ONLY.has('tqdm')) rows.push(...(await throughputWorkload('tqdm', TQDM)));
  if (ONLY.has('startup')) rows.push(...(await startupWorkload()));
  if (ONLY.has('readback')) rows.push(...(await readbackWorkload()));
  if (env.BENCH_PROFILE) machine.profiles = await profileLines();
} finally {
  machine.loadAvgAfter = os.loadavg();
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
}

// ---- report
const fmt = (v, digits = 0) =>
  v === null || v === undefined ? '-' : typeof v === 'number' ? v.toFixed(digits) : String(v);
const header = [
  'workload',
  'contender',
  'wall s',
  'x child',
  'RSS MB',
  'CPU s',
  'sink CPU s',
  'read',
  'stored',
  'spooled',
  'lost',
  'requests',
];
const table = rows.map((r) => {
  if (r.workload === 'startup')
    return [r.workload, r.contender, fmt(r.wallMs / 1000, 3), `+${fmt(r.extraMs)} ms`, '', '', '', '', '', '', '', ''];
  if (r.workload === 'readback')
    return r.pending
      ? [r.workload, r.contender, 'pending', r.pending, '', '', '', '', fmt(r.stored), '', '', '']
      : [
          r.workload,
          r.contender,
          fmt(r.wallMs / 1000, 2),
          `${fmt(r.recordsPerSec / 1000)}k rec/s`,
          '',
          fmt(r.cpuS, 2),
          fmt(r.sinkCpuS, 2),
          fmt(r.read),
          fmt(r.stored),
          '',
          '',
          fmt(r.requests),
        ];
  return [
    r.workload,
    r.contender,
    fmt(r.wallMs / 1000, 2),
    fmt(r.ratio, 2),
    fmt(r.rssMb),
    fmt(r.cpuS, 2),
    fmt(r.sinkCpuS, 2),
    fmt(r.read),
    fmt(r.stored),
    fmt(r.spooled),
    fmt(r.lost),
    fmt(r.requests),
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
const out = [
  `${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, child ${machine.child}, medians of ${RUNS}; load average ${machine.loadAvgBefore[0].toFixed(2)} -> ${machine.loadAvgAfter[0].toFixed(2)}`,
  line(header),
  '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
  ...table.map(line),
];
const ddl = rows.find((r) => r.workload === 'lines' && r.contender === 'dd-logstore run (datadog, gzip)');
const best = rows
  .filter((r) => r.workload === 'lines' && r.contender.startsWith('dd-logstore run (datadog'))
  .sort((a, b) => a.wallMs - b.wallMs)[0];
const otel = rows.find((r) => r.workload === 'lines' && r.contender === 'stock OTel pipeline');
if (ddl && otel && best) {
  out.push(
    '',
    `lines: dd-logstore shipping to Datadog (${best.contender}) ${best.ratio.toFixed(2)}x child alone (target <= 1.5), lost ${best.lost} (target 0), RSS ${fmt(best.rssMb)} MB (target <= 200); stock OTel / dd-logstore = ${(otel.wallMs / best.wallMs).toFixed(2)}x (target >= 3)`,
  );
}
const rb = rows.find((r) => r.workload === 'readback' && r.cpuS);
if (rb) {
  out.push(
    `readback: ${fmt(rb.recordsPerSec / 1000)}k records/s wall (target >= 100k); the emulator spent ${fmt(rb.sinkCpuS, 2)} s of CPU serving the pages, dd-logstore ${fmt(rb.cpuS, 2)} s (${fmt(rb.read / rb.cpuS / 1000)}k records per CPU-second)`,
  );
}
console.log(out.join('\n'));
writeFileSync(join(ROOT, 'bench/results.json'), JSON.stringify({ machine, rows, table: out }, null, 2) + '\n');
