/**
 * What `run`'s records say, through the built CLI and the Datadog emulator: order across stdout and stderr when the
 * user merged them, Python as Datadog reads it, the CI job's attributes, the Logs Explorer URL, and what `run` says
 * while delivery waits.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator } from '../emulator/emulator.js';
import type { EmulatedRecord, Emulator } from '../emulator/emulator.js';
import { BIN, cliEnv, EMULATOR_KEYS, registerEmulatorLogStore, ROOT, runCli, tempHome } from './harness.js';

const ALTERNATE = join(ROOT, 'test', 'fixtures', 'alternate_streams.py');
const PYTHON = join(ROOT, 'test', 'fixtures', 'python_records.py');
/**
 * `n` lines on stdout and `n` on stderr, where only their count matters: from sh, not python3 (whose start is ~0.5
 * CPU-s here, over 2 s of wall time at a load of 12).
 */
const bothStreams = (n: number): string[] => [
  'sh',
  '-c',
  Array.from({ length: n }, (_, i) => `echo out line ${i}; echo err line ${i} >&2`).join('; '),
];

/** The CI variables of this machine, if any, would add to or change the attributes checked here. */
const NO_CI: NodeJS.ProcessEnv = Object.fromEntries(
  ['GITHUB_ACTIONS', 'GITHUB_ACTION', 'GITLAB_CI', 'CIRCLECI', 'JENKINS_URL', 'BUILDKITE', 'TF_BUILD'].map((k) => [
    k,
    '',
  ]),
);

function bySeq(records: EmulatedRecord[]): EmulatedRecord[] {
  return [...records].sort(
    (a, b) => (a.attributes['dd_logstore.seq'] as number) - (b.attributes['dd_logstore.seq'] as number),
  );
}

/** Runs `argv` with its stdout and stderr both on one file, as `> out 2>&1` does; the file's bytes. */
function runToOneFile(command: string, args: string[], env: NodeJS.ProcessEnv, path: string): Promise<Buffer> {
  const fd = openSync(path, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', fd, fd] });
    child.on('error', reject);
    child.on('close', () => {
      closeSync(fd);
      resolve(readFileSync(path));
    });
  });
}

describe('what the records say (built CLI, Datadog emulator)', () => {
  let emulator: Emulator;
  const { home, cleanup } = tempHome();
  const dir = mkdtempSync(join(tmpdir(), 'ddls-records-'));
  const env = (extra: NodeJS.ProcessEnv = {}) => cliEnv(home, { ...EMULATOR_KEYS, ...NO_CI, ...extra });

  beforeAll(async () => {
    emulator = await createEmulator();
    expect((await registerEmulatorLogStore(home, emulator.url)).code).toBe(0);
    for (const [name, site] of [
      ['eu', 'datadoghq.eu'],
      ['us5', 'us5.datadoghq.com'],
    ] as const) {
      expect((await registerEmulatorLogStore(home, emulator.url, { name, extra: [`--site=${site}`] })).code).toBe(0);
    }
  });
  beforeEach(() => emulator.reset());
  afterAll(async () => {
    await emulator.close();
    cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('order across stdout and stderr', () => {
    // The child's own `2>&1` output: what the user would have had without dd-logstore.
    const alone = (): Buffer => {
      const path = join(dir, 'alone');
      const fd = openSync(path, 'w');
      spawnSync('python3', [ALTERNATE, '100'], {
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      return readFileSync(path);
    };

    const expectInChildOrder = (runId: string, output: Buffer, expected: Buffer): void => {
      // Byte for byte the child's own `2>&1` output, then our summary line.
      expect(output.subarray(0, expected.length).equals(expected)).toBe(true);
      expect(output.subarray(expected.length).toString()).toMatch(
        // A busy machine can stall delivery for a second: then the wait is said first (on stderr, the same file).
        new RegExp(
          `^(dd-logstore: waiting up to .*\\n)?dd-logstore: run ${runId}: 200 records read, 200 delivered, 0 spooled`,
        ),
      );
      const records = bySeq(emulator.records().filter((r) => r.attributes['zenml.run.id'] === runId));
      expect(records.map((r) => r.message)).toEqual(expected.toString().trimEnd().split('\n'));
      expect(new Set(records.map((r) => r.attributes['dd_logstore.stream']))).toEqual(new Set(['combined']));
      // Nothing says which stream a line came from, and these lines do not say their level: info.
      expect(new Set(records.map((r) => r.status))).toEqual(new Set(['info']));
    };

    it('`run ... > out 2>&1`: the file and the records keep the child order', async () => {
      const expected = alone();
      expect(expected.toString().split('\n').slice(0, 3)).toEqual(['out line 0', 'err line 0', 'out line 1']);
      const output = await runToOneFile(
        process.execPath,
        [BIN, 'run', '--log-store', 'dd', '--run-id', 'merged-file', '--', 'python3', ALTERNATE, '100'],
        env(),
        join(dir, 'out'),
      );
      expectInChildOrder('merged-file', output, expected);
    });

    // A record's flags on disk say stderr or not; the segment's header says the rest are `combined`.
    it('a merged run read back from the local store, and flushed from the journal, is still `combined`', async () => {
      const expected = alone();
      await runToOneFile(
        process.execPath,
        [BIN, 'run', '--log-store', 'default', '--run-id', 'merged-local', '--', 'python3', ALTERNATE, '100'],
        env(),
        join(dir, 'out-local'),
      );
      const read = await runCli(['logs', '--run-id', 'merged-local', '--output', 'jsonl'], { home, env: env() });
      expect(read.code).toBe(0);
      const local = read.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { message: string; attributes: Record<string, unknown> });
      expect(local.map((r) => r.message)).toEqual(expected.toString().trimEnd().split('\n'));
      expect(new Set(local.map((r) => r.attributes['dd_logstore.stream']))).toEqual(new Set(['combined']));

      // A wrong API key: every record stays in the journal, and `flush` with the right one sends them from there.
      await runToOneFile(
        process.execPath,
        [BIN, 'run', '--log-store', 'dd', '--run-id', 'merged-journal', '--', 'python3', ALTERNATE, '100'],
        env({ DD_LOGSTORE_SECRET_DD_API_KEY: 'wrong-key' }),
        join(dir, 'out-journal'),
      );
      expect(emulator.records().filter((r) => r.attributes['zenml.run.id'] === 'merged-journal')).toHaveLength(0);
      const flushed = await runCli(['flush', '--log-store', 'dd'], { home, env: env() });
      expect(flushed.code).toBe(0);
      const records = bySeq(emulator.records().filter((r) => r.attributes['zenml.run.id'] === 'merged-journal'));
      expect(records.map((r) => r.message)).toEqual(expected.toString().trimEnd().split('\n'));
      expect(new Set(records.map((r) => r.attributes['dd_logstore.stream']))).toEqual(new Set(['combined']));
    }, 60_000);

    it('`run ... 2>&1 | cat`: one pipe for both, the same order', async () => {
      const expected = alone();
      const script = `"${process.execPath}" "${BIN}" run --log-store dd --run-id merged-pipe -- python3 "${ALTERNATE}" 100 2>&1 | cat`;
      // Not spawnSync: the emulator answers from this process.
      const child = spawn('sh', ['-c', script], { env: env(), stdio: ['ignore', 'pipe', 'inherit'] });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(0);
      expectInChildOrder('merged-pipe', Buffer.concat(chunks), expected);
    });

    it('apart (`> out 2> err`): the streams stay apart, stderr lines at --stderr-level', async () => {
      const r = await runCli(['run', '--log-store', 'dd', '--run-id', 'apart', '--', 'python3', ALTERNATE, '3'], {
        home,
        env: { ...EMULATOR_KEYS, ...NO_CI },
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('out line 0\nout line 1\nout line 2\n');
      const records = emulator.records().filter((x) => x.attributes['zenml.run.id'] === 'apart');
      expect(records).toHaveLength(6);
      expect(records.find((x) => x.message === 'err line 1')?.attributes['dd_logstore.stream']).toBe('stderr');
      expect(records.find((x) => x.message === 'err line 1')?.status).toBe('error');
      expect(records.find((x) => x.message === 'out line 1')?.attributes['dd_logstore.stream']).toBe('stdout');
    });
  });

  it('Python: warnings are warn with their source line, logging lines are taken apart, tracebacks carry error.*', async () => {
    const r = await runCli(['run', '--log-store', 'dd', '--run-id', 'py-1', '--', 'python3', PYTHON], {
      home,
      env: { ...EMULATOR_KEYS, ...NO_CI },
    });
    expect(r.code).toBe(1);
    // The terminal shows the lines as printed.
    expect(r.stderr).toContain('WARNING:app.db:slow query on events\n');
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\d [\d:,]+ - train - INFO - epoch 1 done\n/);
    const records = emulator.records();
    const find = (message: string): EmulatedRecord => {
      const found = records.filter((x) => x.message === message);
      expect(found).toHaveLength(1);
      return found[0]!;
    };

    const warning = find(`${PYTHON}:6: UserWarning: learning rate is high\n  warnings.warn("learning rate is high")`);
    expect(warning.status).toBe('warn');
    expect(warning.attributes['dd_logstore.stream']).toBe('stderr');
    // The source line under the warning has no record of its own.
    expect(records.filter((x) => x.message.trim().startsWith('warnings.warn('))).toHaveLength(0);

    const db = find('slow query on events');
    expect([db.status, db.attributes['logger.name'], db.attributes['dd_logstore.stream']]).toEqual([
      'warn',
      'app.db',
      'stderr',
    ]);
    const train = find('epoch 1 done');
    expect([train.status, train.attributes['logger.name'], train.attributes['dd_logstore.stream']]).toEqual([
      'info',
      'train',
      'stdout',
    ]);
    const evaluation = find('accuracy dropped');
    expect([evaluation.status, evaluation.attributes['logger.name']]).toEqual(['error', 'eval']);
    expect(find('plain print').status).toBe('info');

    const traceback = records.filter((x) => x.message.startsWith('Traceback (most recent call last):'));
    expect(traceback).toHaveLength(1);
    expect(traceback[0]!.status).toBe('error');
    expect(traceback[0]!.attributes).toMatchObject({
      'error.kind': 'ValueError',
      'error.message': 'bad value 42',
      'error.stack': traceback[0]!.message,
    });
    expect(traceback[0]!.message).toContain('raise ValueError("bad value 42")');
    expect(traceback[0]!.message.endsWith('ValueError: bad value 42')).toBe(true);
    expect(records).toHaveLength(6);
  });

  describe('CI metadata', () => {
    const github: NodeJS.ProcessEnv = {
      GITHUB_ACTIONS: 'true',
      GITHUB_SERVER_URL: 'https://x-access-token:ghs_SECRET123@github.example.com',
      GITHUB_REPOSITORY: 'acme/train',
      GITHUB_RUN_ID: '9001',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_RUN_NUMBER: '17',
      GITHUB_WORKFLOW: 'nightly training',
      GITHUB_JOB: 'fit',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REF: 'refs/heads/main',
    };

    it('a run under GitHub Actions puts git.* and ci.* on every record, without credentials', async () => {
      const r = await runCli(['run', '--log-store', 'dd', '--run-id', 'gha-1', '--', ...bothStreams(3)], {
        home,
        env: { ...EMULATOR_KEYS, ...NO_CI, ...github },
      });
      expect(r.code).toBe(0);
      const records = emulator.records();
      expect(records).toHaveLength(6);
      const runUrl = 'https://github.example.com/acme/train/actions/runs/9001/attempts/2';
      for (const record of records) {
        expect(record.attributes).toMatchObject({
          'git.commit.sha': '0123456789abcdef0123456789abcdef01234567',
          'git.branch': 'main',
          'git.repository_url': 'https://github.example.com/acme/train.git',
          'ci.provider.name': 'github',
          'ci.pipeline.id': '9001',
          'ci.pipeline.name': 'nightly training',
          'ci.pipeline.url': runUrl,
          'ci.job.name': 'fit',
          'ci.job.url': runUrl,
        });
        expect(JSON.stringify(record)).not.toContain('ghs_SECRET123');
      }
    });

    it('--no-ci-tags leaves them out', async () => {
      const r = await runCli(
        ['run', '--log-store', 'dd', '--run-id', 'gha-2', '--no-ci-tags', '--', ...bothStreams(1)],
        { home, env: { ...EMULATOR_KEYS, ...NO_CI, ...github } },
      );
      expect(r.code).toBe(0);
      const records = emulator.records();
      expect(records).toHaveLength(2);
      for (const record of records) {
        expect(Object.keys(record.attributes).filter((k) => k.startsWith('git.') || k.startsWith('ci.'))).toEqual([]);
      }
    });
  });

  it("the Logs Explorer URL of a run, on the log store's site: summary line, runs describe, logs --web", async () => {
    for (const [store, app] of [
      ['eu', 'https://app.datadoghq.eu/logs?'],
      ['us5', 'https://us5.datadoghq.com/logs?'],
    ] as const) {
      const runId = `url-${store}`;
      const r = await runCli(['run', '--log-store', store, '--run-id', runId, '--', ...bothStreams(1)], {
        home,
        env: { ...EMULATOR_KEYS, ...NO_CI },
      });
      expect(r.code).toBe(0);
      const summaryUrl = /; logs: (\S+)\n$/.exec(r.stderr)?.[1];
      expect(summaryUrl?.startsWith(app)).toBe(true);
      const url = new URL(summaryUrl!);
      // The query `logs` searches with (docs/logs.md): the service and the run id.
      const query = url.searchParams.get('query') ?? '';
      expect(query.startsWith('service:"zenml" ')).toBe(true);
      expect(query).toContain(`@zenml.run.id:"${runId}"`);

      const described = await runCli(['runs', 'describe', runId, '--output', 'json'], { home });
      const run = JSON.parse(described.stdout) as { logsUrl: string; steps: { startedAt: string; endedAt: string }[] };
      expect(run.logsUrl).toBe(summaryUrl);
      // describe and --web build it with the same webUrl of the log store: the site is checked above for both
      // stores, the rest on one (each CLI call is ~1 s at a load of 12).
      if (store !== 'eu') continue;
      // The run's time window: from before its start to after its end.
      const from = Number(url.searchParams.get('from_ts'));
      const to = Number(url.searchParams.get('to_ts'));
      expect(from).toBeLessThanOrEqual(Date.parse(run.steps[0]!.startedAt));
      expect(to).toBeGreaterThanOrEqual(Date.parse(run.steps[0]!.endedAt));
      expect(url.searchParams.get('live')).toBe('false');
      expect((await runCli(['runs', 'describe', runId], { home })).stdout).toContain(`datadog logs: ${summaryUrl}`);

      // Not a terminal: --web prints the URL on stdout instead of opening a browser.
      const web = await runCli(['logs', '--run-id', runId, '--web'], { home });
      expect([web.code, web.stdout]).toEqual([0, `${summaryUrl}\n`]);
      const warn = await runCli(['logs', '--run-id', runId, '--web', '--level', 'warn'], { home });
      // --level narrows it as it narrows `logs`: warn and above, not info.
      const warnQuery = new URL(warn.stdout.trim()).searchParams.get('query') ?? '';
      expect(warnQuery.startsWith(query)).toBe(true);
      expect(warnQuery).toMatch(/status:.*\bwarn\b.*\berror\b/);
      expect(warnQuery).not.toMatch(/\binfo\b/);
    }
  });

  it('--web on a log store that is not Datadog is a usage error', async () => {
    const local = tempHome();
    try {
      expect((await runCli(['run', '--run-id', 'local-1', '--', 'true'], { home: local.home })).code).toBe(0);
      const r = await runCli(['logs', '--run-id', 'local-1', '--web'], { home: local.home });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--web opens Datadog's Logs Explorer, and log store 'default' is a local log store/);
      expect(r.stderr).toMatch(/\(read the run here: dd-logstore logs --run-id local-1\)$/m);
      // Before: "is a otel log store (read the run here: dd-logstore logs --run-id ...)", which `logs` refuses.
      const reg = ['log-store', 'register', 'ot', '--flavor=otel', '--endpoint=http://127.0.0.1:9'];
      expect((await runCli(reg, { home: local.home })).code).toBe(0);
      // An otel run record (nothing printed: nothing to send), then its Logs Explorer page.
      const otRun = ['run', '--log-store', 'ot', '--run-id', 'ot-1', '--flush-timeout', '1s', '--', 'true'];
      expect((await runCli(otRun, { home: local.home })).code).toBe(0);
      const ot = await runCli(['logs', '--run-id', 'ot-1', '--web'], { home: local.home });
      expect(ot.code).toBe(2);
      expect(ot.stderr).toMatch(
        /^error: --web opens Datadog's Logs Explorer, and log store 'ot' is an otel log store \(it ships only: read the run in the backend its OTLP endpoint feeds\)$/m,
      );
      // A run it has no record of: not "read with --log-store NAME" (given already), but that it cannot read at all.
      const unknown = await runCli(['logs', '--log-store', 'ot', '--run-id', 'nope'], { home: local.home });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe(
        "error: no run with id 'nope' in this store (log store 'ot' (otel) ships only and cannot read logs back)\n",
      );
    } finally {
      local.cleanup();
    }
  });

  it('while delivery waits (intake failing), says once how many records wait, for how long, and that Ctrl-C spools them', async () => {
    emulator.inject('intake', { type: 'status', status: 503, count: 10_000 });
    const r = await runCli(
      ['run', '--log-store', 'dd', '--run-id', 'wait-1', '--flush-timeout', '4s', '--', ...bothStreams(2)],
      { home, env: { ...EMULATOR_KEYS, ...NO_CI } },
    );
    expect(r.code).toBe(0);
    const notices = r.stderr.split('\n').filter((l) => l.includes('waiting up to'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      /^dd-logstore: waiting up to [1-4] s \(--flush-timeout\) to deliver 4 records( \(.*\))?; Ctrl-C stops waiting and spools them, nothing is lost/,
    );
    expect(r.stderr).toMatch(/4 records read, 0 delivered, 4 spooled/);
  });

  it('on a terminal, the wait is a live count, erased when it ends', async () => {
    emulator.inject('intake', { type: 'status', status: 503, count: 10_000 });
    // `script` gives the CLI a pseudo-terminal for stdin, stdout and stderr, and copies what it shows to our pipe.
    const command = `"${process.execPath}" "${BIN}" run --log-store dd --run-id wait-tty --flush-timeout 3s -- echo hi`;
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    expect(await new Promise<number | null>((resolve) => child.on('close', resolve))).toBe(0);
    const screen = Buffer.concat(chunks).toString();
    expect(screen).toContain('\r\x1b[Kdd-logstore: 1 record waiting for delivery, ');
    expect(screen).toMatch(/1 record waiting for delivery, \d s left; Ctrl-C stops waiting and spools them/);
    // Erased before the summary line, which says what happened.
    const summary = screen.indexOf('dd-logstore: run wait-tty: 1 record read, 0 delivered, 1 spooled');
    expect(summary).toBeGreaterThan(0);
    const erased = screen.lastIndexOf('\r\x1b[K', summary);
    expect(erased).toBeGreaterThan(screen.lastIndexOf('waiting for delivery', summary));
    expect(screen).not.toContain('waiting up to');
  });
});
