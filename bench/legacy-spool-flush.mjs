// Manual check (issue 18): an older-format JSONL spool file of any size flushed to the emulator; peak RSS, CPU, copies.
// usage (after npm run build and npm run build:test): node bench/legacy-spool-flush.mjs <new home dir> <records> <pad>
//   [extra NODE_OPTIONS, e.g. --max-old-space-size=128]; 1000000 records with pad 290 make a 649 MB file.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { createEmulator } = await import(join(ROOT, 'dist-test/test/emulator/emulator.js'));
const { writeLegacySpool } = await import(join(ROOT, 'dist-test/test/fixtures/legacy-spool.js'));
const [home, nArg, padArg, extraOpts = ''] = process.argv.slice(2);
const n = Number(nArg),
  pad = Number(padArg);
const BIN = join(ROOT, 'bin/dd-logstore.js');
const env = {
  ...process.env,
  DD_LOGSTORE_HOME: home,
  DD_LOGSTORE_SECRET_DD_API_KEY: 'emulator-api-key',
  DD_LOGSTORE_SECRET_DD_APP_KEY: 'emulator-app-key',
};
for (const k of Object.keys(env))
  if (
    k.startsWith('DD_LOGSTORE_') &&
    !['DD_LOGSTORE_HOME', 'DD_LOGSTORE_SECRET_DD_API_KEY', 'DD_LOGSTORE_SECRET_DD_APP_KEY'].includes(k)
  )
    delete env[k];
const emulator = await createEmulator();
/** Runs a command to its end: its exit code and what it printed. */
const collect = (cmd, args, cmdEnv) =>
  new Promise((res) => {
    const c = spawn(cmd, args, { env: cmdEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '',
      err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => res({ code, out, err }));
  });
const cli = (args, extraEnv = {}) => collect(process.execPath, [BIN, ...args], { ...env, ...extraEnv });
mkdirSync(home, { recursive: true, mode: 0o700 });
let r = await cli([
  'log-store',
  'register',
  'big',
  '--flavor=datadog',
  '--api_key={{dd.api_key}}',
  '--application_key={{dd.app_key}}',
  `--intake_url=${emulator.url}`,
  `--api_url=${emulator.url}`,
]);
if (r.code !== 0) {
  console.error(r.err);
  process.exit(1);
}
const id = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).components['log-store'].big.id;
const dir = join(home, 'spool', id);
// As a run of this version would have spooled it: the stream's attributes in every item.
const file = writeLegacySpool(dir, 'legacy', n, pad, {
  service: 'dd-logstore',
  hostname: 'h',
  ddsource: 'python',
  'zenml.log.id': 'step',
  'zenml.step.name': 'train',
  'dd_logstore.stream': 'stdout',
});
const size = statSync(file).size;
spawnSync('sync');
const rssFile = join(home, 'flush.rss');
const t0 = Date.now();
const up0 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const timed = await collect(
  '/usr/bin/time',
  ['-f', '%e %U %S %M', process.execPath, BIN, 'flush', '--log-store', 'big'],
  {
    ...env,
    NODE_OPTIONS: `--import=${join(ROOT, 'test/fixtures/report-rss.mjs')} ${extraOpts}`.trim(),
    DD_TEST_RSS_FILE: rssFile,
  },
);
const wall = (Date.now() - t0) / 1000;
const up1 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const counts = new Uint8Array(n);
let foreign = 0;
for (const rec of emulator.records()) {
  const s = Number(rec.attributes['dd_logstore.seq']);
  if (rec.attributes['zenml.run.id'] !== 'legacy' || !(s >= 0 && s < n)) {
    foreign++;
    continue;
  }
  if (counts[s] < 255) counts[s]++;
}
let once = 0,
  twice = 0,
  missing = 0;
for (const c of counts)
  if (c === 0) missing++;
  else if (c === 1) once++;
  else twice++;
const left = existsSync(dir) ? readdirSync(dir) : [];
console.log(
  JSON.stringify({
    node: process.version,
    nodeOptions: extraOpts,
    records: n,
    fileMB: +(size / 1e6).toFixed(1),
    exit: timed.code,
    stdout: timed.out.trim(),
    stderrTail: timed.err.trim().split('\n').slice(-3),
    wall,
    peakRssMB: existsSync(rssFile) ? +(Number(readFileSync(rssFile, 'utf8')) / 1048576).toFixed(1) : null,
    once,
    more: twice,
    missing,
    foreign,
    spoolLeft: left,
    loadBefore: up0,
    loadAfter: up1,
  }),
);
await emulator.close();
