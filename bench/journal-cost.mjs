/**
 * What the write-ahead journal costs `run`, measured on its own (node bench/journal-cost.mjs, after `npm run build`):
 * the journal's work for BENCH_LINES records exactly as `run` does it (one frame encode per record, one write(2) per
 * chunk of records read from the child, fsync about once a second), against the CPU of a whole `dd-logstore run` of
 * the same lines to the Datadog emulator (count-only) measured with /usr/bin/time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const { createJournalWriter } = await import(join(ROOT, 'dist/pipeline/journal.js'));

const dir = mkdtempSync(join(tmpdir(), 'journal-cost-'));
try {
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
  const records = [];
  for (let i = 0; i < LINES; i++)
    records.push({
      timestamp: 1_700_000_000_000 + (i >> 9),
      seq: i,
      stream: 'stdout',
      level: 'info',
      message: `line ${i} of the benchmark, some payload text here`,
    });
  // A 64 KB pipe read holds about 1,100 of these lines: one journal write per such chunk.
  const PER_CHUNK = 1100;
  const journal = createJournalWriter({ spoolDir: dir, context });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += PER_CHUNK) journal.append(records.slice(i, i + PER_CHUNK));
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  journal.finish();
  const journalCpuMs = (cpu.user + cpu.system) / 1000;

  // The whole run, for scale: the CLI's own CPU (user + sys) for the same number of lines.
  const input = join(dir, 'input.txt');
  writeFileSync(input, records.map((r) => r.message).join('\n') + '\n');
  const { createEmulator } = await import(join(ROOT, 'dist-test/test/emulator/emulator.js')).catch(() => ({}));
  let runCpuMs;
  if (createEmulator !== undefined) {
    const emulator = await createEmulator({ countOnly: true });
    const home = join(dir, 'home');
    const env = { ...process.env, DD_LOGSTORE_HOME: home, DD_LOGSTORE_SECRET_DD_API_KEY: 'emulator-api-key' };
    const cli = join(ROOT, 'bin/dd-logstore.js');
    const reg = [
      'log-store',
      'register',
      'dd',
      '--flavor=datadog',
      '--api_key={{dd.api_key}}',
      '--application_key=x',
      `--intake_url=${emulator.url}`,
    ];
    const sync = (args) =>
      new Promise((resolve) => {
        // spawnSync would block the emulator in this process: run the CLI asynchronously.
        import('node:child_process').then(({ spawn }) => {
          const c = spawn('/usr/bin/time', ['-f', '%U %S', process.execPath, cli, ...args], {
            env,
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let err = '';
          c.stderr.on('data', (b) => (err += b));
          c.on('close', () => resolve(err));
        });
      });
    await sync(reg);
    const out = await sync(['run', '--log-store', 'dd', '-q', '--', 'cat', input]);
    const m = /([\d.]+) ([\d.]+)\s*$/.exec(out.trim());
    if (m) runCpuMs = (Number(m[1]) + Number(m[2])) * 1000;
    await emulator.close();
  }
  console.log(`journal: ${LINES} records, ${journalCpuMs.toFixed(0)} ms CPU (${wallMs.toFixed(0)} ms wall)`);
  if (runCpuMs !== undefined)
    console.log(
      `dd-logstore run (datadog flavor, emulator): ${runCpuMs.toFixed(0)} ms CPU; journal share ${((100 * journalCpuMs) / runCpuMs).toFixed(1)} %`,
    );
  void spawnSync;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
