/**
 * What a demanding user met on a second try (built CLI): reading back a run whose records are still in the spool,
 * and the other corners listed in each test.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cliEnv, EMULATOR_KEYS, runCli, tempHome, useEmulatorLogStore } from './harness.js';
import { startUi } from '../ui/harness.js';
import type { UiProcess } from '../ui/harness.js';

describe('second try (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const env = { DD_LOGSTORE_SECRETS_BACKEND: 'file' };
  const cli = (...args: string[]) => runCli(args, { home, env });
  afterAll(() => cleanup());

  it('secret update --remove-key of a key a log store refers to warns, as secret delete does', async () => {
    expect(
      (await cli('secret', 'create', 'k', '--api_key=AKEY123456', '--application_key=APPKEY98765', '--x=1')).code,
    ).toBe(0);
    const reg = await cli(
      'log-store',
      'register',
      'dl',
      '--flavor=datadog',
      '--api_key={{k.api_key}}',
      '--application_key=<<k.application_key>>',
    );
    expect(reg.code).toBe(0);
    const removed = await cli('secret', 'update', 'k', '--remove-key', 'application_key', '--remove-key', 'x');
    expect([removed.code, removed.stdout, removed.stderr]).toEqual([
      0,
      '',
      "Updated secret 'k' (keys api_key).\n" +
        'warning: {{k.application_key}} is still referred to by log-store/dl; it will fail to resolve until the key is set again (dd-logstore secret update k --application_key=...)\n',
    ]);
    // A key removed and given again in the same command is no orphan.
    const replaced = await cli('secret', 'update', 'k', '--remove-key', 'api_key', '--api_key=NEWVALUE12');
    expect([replaced.code, replaced.stderr]).toEqual([0, "Updated secret 'k' (keys api_key).\n"]);
  });

  it('SIGUSR1 and SIGUSR2 sent to run reach the command: no Node inspector, no run killed and its command orphaned', async () => {
    const script =
      "process.on('SIGUSR1', () => console.log('got SIGUSR1'));" +
      "process.on('SIGUSR2', () => { console.log('got SIGUSR2'); process.exit(7); });" +
      "console.log('ready'); setTimeout(() => process.exit(3), 20000);";
    const child = spawn(process.execPath, [BIN, 'run', '--quiet', '--run-id', 'usr', '--', 'node', '-e', script], {
      env: cliEnv(home, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const seen = (text: string): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (!out.includes(text)) return;
          child.stdout.off('data', check);
          resolve();
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await seen('ready');
    child.kill('SIGUSR1');
    await seen('got SIGUSR1');
    child.kill('SIGUSR2');
    expect(await exited).toBe(7);
    expect([out, err]).toEqual(['ready\ngot SIGUSR1\ngot SIGUSR2\n', '']);
    const runs = JSON.parse((await cli('runs', 'list', '--output', 'json')).stdout) as {
      runId: string;
      status: string;
    }[];
    expect(runs.find((r) => r.runId === 'usr')?.status).toBe('failed');
  });

  it('runs describe --output json carries the status, exit codes, start and duration that runs list json has', async () => {
    expect((await cli('run', '--quiet', '--run-id', 'two', '--step', 'a', '--', 'sh', '-c', 'exit 4')).code).toBe(4);
    expect((await cli('run', '--quiet', '--run-id', 'two', '--step', 'b', '--', 'true')).code).toBe(0);
    const fields = (o: Record<string, unknown>) => [o.status, o.exitCodes, o.startedAt, o.durationMs];
    const described = JSON.parse((await cli('runs', 'describe', 'two', '--output', 'json')).stdout) as Record<
      string,
      unknown
    >;
    const listed = (
      JSON.parse((await cli('runs', 'list', '--output', 'json')).stdout) as Record<string, unknown>[]
    ).find((r) => r.runId === 'two');
    expect(fields(described)).toEqual(fields(listed!));
    expect(fields(described).slice(0, 2)).toEqual(['failed', [4, 0]]);
  });

  it('a stack whose log store a hand edit of config.json removed: the stack, the name and the file, and the way out', async () => {
    const fresh = tempHome();
    try {
      const at = (...args: string[]) => runCli(args, { home: fresh.home, env });
      expect((await at('stack', 'list')).code).toBe(0);
      const file = join(fresh.home, 'config.json');
      const config = JSON.parse(readFileSync(file, 'utf8')) as { components: Record<string, Record<string, unknown>> };
      delete config.components['log-store']!['default'];
      writeFileSync(file, JSON.stringify(config));
      const r = await at('run', '--', 'echo', 'hi');
      expect([r.code, r.stdout]).toEqual([125, '']);
      expect(r.stderr).toBe(
        "error: stack 'default' in config.json names log store 'default', which config.json does not have (register it: dd-logstore log-store register default --flavor=local)\n",
      );
      expect((await at('log-store', 'register', 'default', '--flavor=local')).code).toBe(0);
      expect((await at('run', '-q', '--', 'echo', 'hi')).stdout).toBe('hi\n');
    } finally {
      fresh.cleanup();
    }
  });

  it('a flavor misspelt by a hand edit of config.json: named with the file, not as a --flavor never typed', async () => {
    const fresh = tempHome();
    try {
      const at = (...args: string[]) => runCli(args, { home: fresh.home, env });
      expect((await at('log-store', 'register', 'loc', '--flavor=local')).code).toBe(0);
      const file = join(fresh.home, 'config.json');
      const config = JSON.parse(readFileSync(file, 'utf8')) as {
        components: Record<string, Record<string, { flavor: string }>>;
      };
      config.components['log-store']!['loc']!.flavor = 'locl';
      writeFileSync(file, JSON.stringify(config));
      const line =
        "error: log store 'loc' in config.json has flavor 'locl', which is not a log store flavor (did you mean local? flavors: local, datadog, otel)\n";
      const r = await at('run', '--log-store', 'loc', '--', 'echo', 'hi');
      expect([r.code, r.stdout, r.stderr]).toEqual([125, '', line]);
      const read = await at('logs', '--last', '--log-store', 'loc');
      expect([read.code, read.stderr]).toEqual([1, line]);
      expect((await at('log-store', 'delete', 'loc')).code).toBe(0);
    } finally {
      fresh.cleanup();
    }
  });

  it('logs --last with a --log-store or --stack that names nothing (or an otel store) says so, even with no runs yet', async () => {
    const fresh = tempHome();
    try {
      const at = (...args: string[]) => runCli(args, { home: fresh.home, env });
      const store = await at('logs', '--last', '--log-store', 'nope');
      expect([store.code, store.stdout, store.stderr]).toEqual([
        1,
        '',
        "error: no log store named 'nope' (registered log stores: default)\n",
      ]);
      expect((await at('logs', 'tail', '--last', '--stack', 'nope')).code).toBe(1);
      expect((await at('log-store', 'register', 'o1', '--flavor=otel', '--endpoint=http://127.0.0.1:1')).code).toBe(0);
      const otel = await at('logs', '--last', '--log-store', 'o1');
      expect([otel.code, otel.stderr]).toEqual([
        1,
        "error: log store 'o1' is an otel log store, which ships only and cannot read logs back (read them in the backend the OTLP endpoint feeds, or use a datadog or local log store)\n",
      ]);
      // Nothing found in a store that exists is still success.
      const none = await at('logs', '--last', '--log-store', 'default');
      expect([none.code, none.stderr]).toEqual([0, 'no runs yet (start one: dd-logstore run -- COMMAND)\n']);
    } finally {
      fresh.cleanup();
    }
  });

  it('runs prune with a bad --older-than suggests an age in days, not 30s (which would delete nearly every run)', async () => {
    const r = await cli('runs', 'prune', '--older-than', '1w', '--yes');
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      '',
      "error: --older-than must be a duration such as 30s, 2m, 1h30m or 1500ms, got '1w' (e.g. --older-than 30d)\n",
    ]);
  });

  it('logs whose filters match none of the run says so on stderr; stdout stays empty, exit 0', async () => {
    const ran = await cli('run', '-q', '--run-id', 'filtered-1', '--', 'sh', '-c', 'echo one; echo two');
    expect(ran.code).toBe(0);
    const none = await cli('logs', '--run-id', 'filtered-1', '--grep', 'zzz');
    expect([none.code, none.stdout, none.stderr]).toEqual([
      0,
      '',
      'no records of run filtered-1 match the filters (widen or drop --level, --grep, --since, --until)\n',
    ]);
    const warn = await cli('logs', '--run-id', 'filtered-1', '--level', 'warn', '--output', 'jsonl');
    expect([warn.code, warn.stdout]).toEqual([0, '']);
    expect(warn.stderr).toMatch(/^no records of run filtered-1 match the filters/);
    // A filter that matches says nothing more.
    const some = await cli('logs', '--run-id', 'filtered-1', '--grep', 'two');
    expect([some.code, some.stderr]).toEqual([0, '']);
    expect(some.stdout).toMatch(/^\S+ INFO +two\n$/);
  });
});

describe('second try: dd-logstore ui (built CLI, HTTP)', () => {
  const { home, cleanup } = tempHome();
  let ui: UiProcess | undefined;
  afterAll(async () => {
    await ui?.stop();
    cleanup();
  });
  const getJson = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    if (ui === undefined) ui = await startUi(home);
    const res = await fetch(`${ui.base}${path}${path.includes('?') ? '&' : '?'}token=${ui.token}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('a records cursor past the end of a run gives its real total and the end, not the cursor as the total', async () => {
    const r = await runCli(
      ['run', '--quiet', '--run-id', 'ten', '--', 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; done'],
      { home },
    );
    expect(r.code).toBe(0);
    const { status, body } = await getJson('/api/runs/ten/records?limit=5&cursor=o:99999');
    expect(status).toBe(200);
    expect([body.records, body.offset, body.total, body.resume, body.next]).toEqual([[], 10, 10, 'o:10', undefined]);
    const mid = await getJson('/api/runs/ten/records?limit=5&cursor=o:8');
    expect([(mid.body.records as unknown[]).length, mid.body.offset, mid.body.total, mid.body.resume]).toEqual([
      2,
      8,
      10,
      'o:10',
    ]);
  });

  it('SIGUSR1 sent to the ui does not open a Node inspector (no password) in the process that holds the token', async () => {
    if (ui === undefined) ui = await startUi(home);
    ui.child.kill('SIGUSR1');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ui.stderr()).not.toMatch(/Debugger listening/);
    expect((await getJson('/api/runs')).status).toBe(200);
  });

  it('a run deleted while the ui has it open is 404 for its records too, not an empty run', async () => {
    const r = await runCli(['run', '--quiet', '--run-id', 'gone', '--', 'echo', 'hello'], { home });
    expect(r.code).toBe(0);
    const before = await getJson('/api/runs/gone/records');
    expect([before.status, (before.body.records as { message: string }[]).map((x) => x.message)]).toEqual([
      200,
      ['hello'],
    ]);
    expect((await runCli(['runs', 'delete', 'gone', '--yes'], { home })).code).toBe(0);
    expect(await getJson('/api/runs/gone')).toEqual({ status: 404, body: { error: "no run with id 'gone'" } });
    expect(await getJson('/api/runs/gone/records')).toEqual({ status: 404, body: { error: "no run with id 'gone'" } });
    expect((await getJson('/api/runs/gone/histogram')).status).toBe(404);
  });
});

describe('second try against the Datadog emulator (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const cli = (...args: string[]) => runCli(args, { home, env: EMULATOR_KEYS });
  const emulator = useEmulatorLogStore(home, { extra: ['--export_timeout_millis=1000'] });
  afterAll(cleanup);

  it("verify with a refused application key names the secret's own key to update, not a placeholder", async () => {
    const r = await runCli(['log-store', 'verify', 'dd', '--output', 'json'], {
      home,
      env: { ...EMULATOR_KEYS, DD_LOGSTORE_SECRET_DD_APP_KEY: 'not-the-app-key' },
    });
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.stdout) as { check: string; ok: boolean; hint: string | null }[];
    const app = rows.find((row) => row.check === 'application key');
    expect(app?.ok).toBe(false);
    expect(app?.hint).toMatch(
      /then dd-logstore secret update dd --app_key=\.\.\. \(or DD_LOGSTORE_SECRET_DD_APP_KEY, which wins when set\)$/,
    );
  });

  it('logs of a run whose records were all spooled says they are in the spool, and reads them after flush', async () => {
    emulator().inject('intake', { type: 'status', status: 503, count: 1000 });
    const run = await cli(
      'run',
      '--quiet',
      '--log-store',
      'dd',
      '--run-id',
      'spooled-1',
      '--',
      'sh',
      '-c',
      'echo a; echo b',
    );
    expect(run.code).toBe(0);
    emulator().reset();
    const before = await cli('logs', '--run-id', 'spooled-1');
    expect([before.code, before.stdout, before.stderr]).toEqual([
      0,
      '',
      '2 records of run spooled-1 were never delivered: they are in the spool (resend: dd-logstore flush, then read again)\n',
    ]);
    // `logs tail` of the ended run stops at once, and says the same.
    const tail = await cli('logs', 'tail', '--run-id', 'spooled-1');
    expect([tail.code, tail.stdout, tail.stderr]).toEqual([0, '', before.stderr]);
    expect((await cli('flush')).code).toBe(0);
    const after = await cli('logs', '--run-id', 'spooled-1', '--output', 'jsonl');
    expect([after.code, after.stderr]).toEqual([0, '']);
    expect(
      after.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { message: string }).message),
    ).toEqual(['a', 'b']);
    // Filters that match none of them: said on stderr, as on the local store.
    const none = await cli('logs', '--run-id', 'spooled-1', '--level', 'error', '--output', 'jsonl');
    expect([none.code, none.stdout, none.stderr]).toEqual([
      0,
      '',
      'no records of run spooled-1 match the filters (widen or drop --level, --grep, --since, --until)\n',
    ]);
  });
});
