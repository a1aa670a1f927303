/**
 * What a new user met on a first try (built CLI): `flush` of a spool an earlier flush emptied, the warnings for a
 * secret not created yet, and commander's own usage errors in the one-line style.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EMULATOR_KEYS, runCli, tempHome, useEmulatorLogStore } from './harness.js';

describe('first try (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const env = { DD_LOGSTORE_SECRETS_BACKEND: 'file' };
  const cli = (...args: string[]) => runCli(args, { home, env });
  afterAll(() => cleanup());

  it('an empty table says so on stderr instead of printing nothing; piped text stays empty', async () => {
    const fresh = tempHome();
    try {
      const at = (...args: string[]) => runCli(args, { home: fresh.home, env });
      const runs = await at('runs', 'list', '--output', 'table');
      expect([runs.code, runs.stdout, runs.stderr]).toEqual([
        0,
        '',
        'no runs yet (start one: dd-logstore run -- COMMAND)\n',
      ]);
      // json is still a document (it printed nothing), as when filters match no records; text and jsonl print none.
      const json = await at('logs', '--last', '--output', 'json');
      expect([json.code, json.stdout, json.stderr]).toEqual([
        0,
        '[]\n',
        'no runs yet (start one: dd-logstore run -- COMMAND)\n',
      ]);
      expect((await at('logs', '--last', '--output', 'jsonl')).stdout).toBe('');
      expect((await at('run', '--quiet', '--', 'true')).code).toBe(0);
      const none = await at('runs', 'list', '--status', 'failed', '--output', 'table');
      expect([none.code, none.stdout, none.stderr]).toEqual([
        0,
        '',
        'no run matches these filters (1 run recorded: dd-logstore runs list)\n',
      ]);
      const secrets = await at('secret', 'list', '--output', 'table');
      expect([secrets.code, secrets.stdout, secrets.stderr]).toEqual([
        0,
        '',
        'no secrets yet (create one: dd-logstore secret create NAME --KEY=VALUE, or -i to be prompted)\n',
      ]);
      const text = await at('secret', 'list', '--output', 'text');
      expect([text.code, text.stdout, text.stderr]).toEqual([0, '', '']);
    } finally {
      fresh.cleanup();
    }
  });

  it('flush: an emptied spool directory is nothing to flush, and needs no secret of its log store', async () => {
    const reg = await cli(
      'log-store',
      'register',
      'dd',
      '--flavor=datadog',
      '--api_key={{nokeys.api_key}}',
      '--application_key={{nokeys.app_key}}',
      '--intake_url=http://127.0.0.1:1',
      '--api_url=http://127.0.0.1:1',
    );
    expect(reg.code).toBe(0);
    const { id } = JSON.parse((await cli('log-store', 'describe', 'dd', '--output', 'json')).stdout) as { id: string };
    // What a flush that delivered everything leaves behind.
    mkdirSync(join(home, 'spool', id), { recursive: true });
    const one = await cli('flush', '--log-store', 'dd');
    expect([one.code, one.stdout, one.stderr]).toEqual([
      0,
      '',
      "nothing to flush: the spool of log store 'dd' is empty\n",
    ]);
    const all = await cli('flush');
    expect([all.code, all.stdout, all.stderr]).toEqual([0, '', 'nothing to flush: the spool is empty\n']);
    expect((await cli('flush', '--output', 'json')).stdout).toBe('[]\n');
  });

  it('two references to a secret not created yet: one warning, whose command creates it with both keys', async () => {
    const reg = await cli(
      'log-store',
      'register',
      'dd2',
      '--flavor=datadog',
      '--api_key={{k.api_key}}',
      '--application_key={{k.app}}',
    );
    expect([reg.code, reg.stderr]).toEqual([
      0,
      "warning: --api_key and --application_key refer to secret 'k', which does not exist yet (create it: dd-logstore secret create k --api_key=... --app=...)\n" +
        "Registered log store 'dd2' (flavor datadog).\n",
    ]);
    // Following it is enough.
    expect((await cli('secret', 'create', 'k', '--api_key=abc123', '--app=def456')).code).toBe(0);
    expect((await cli('log-store', 'describe', 'dd2', '--resolve-check')).code).toBe(0);

    // A secret that exists without the keys: one warning too, adding both.
    expect((await cli('secret', 'create', 'k2', '--other=xyz789')).code).toBe(0);
    const upd = await cli('log-store', 'update', 'dd2', '--api_key={{k2.api_key}}', '--application_key={{k2.app}}');
    expect(upd.code).toBe(0);
    expect(upd.stderr).toContain(
      "warning: --api_key and --application_key refer to keys 'api_key', 'app' of secret 'k2', which has only: other (add them: dd-logstore secret update k2 --api_key=... --app=...)\n",
    );
    expect(upd.stderr.match(/^warning:/gm)).toHaveLength(1);
  });

  it("commander's usage errors read as the others: too many arguments, a flag without its value", async () => {
    const extra = await cli('runs', 'describe', 'my', 'run');
    expect([extra.code, extra.stderr]).toEqual([
      2,
      "error: runs describe takes 1 argument, got 2 (quote a value that has spaces; see 'dd-logstore runs describe --help')\n",
    ]);
    const none = await cli('log-store', 'flavor', 'list', 'datadog');
    expect([none.code, none.stderr]).toEqual([
      2,
      "error: log-store flavor list takes no arguments, got 1 (see 'dd-logstore log-store flavor list --help')\n",
    ]);
    const value = await cli('logs', '--last', '--step');
    expect([value.code, value.stderr]).toEqual([
      2,
      "error: --step needs a value (e.g. --step <name>; see 'dd-logstore logs --help')\n",
    ]);
    const repeatable = await cli('secret', 'update', 'k', '--remove-key');
    expect(repeatable.stderr).toBe(
      "error: --remove-key needs a value (e.g. --remove-key <key>; see 'dd-logstore secret update --help')\n",
    );
  });

  it('a verb from zenml or kubectl that lives under another command says where', async () => {
    const get = await cli('secret', 'describe', 'k');
    expect([get.code, get.stderr]).toEqual([
      2,
      "error: unknown command 'describe' (did you mean dd-logstore secret get? see 'dd-logstore secret --help')\n",
    ]);
    const verify = await cli('verify', 'dd');
    expect([verify.code, verify.stderr]).toEqual([
      2,
      "error: unknown command 'verify' (did you mean dd-logstore log-store verify? see 'dd-logstore --help')\n",
    ]);
  });
  it('runs list and describe name a renamed log store as it is named now, and a deleted one as gone', async () => {
    const path = join(home, 'renamed-logs');
    expect((await cli('log-store', 'register', 'loc', '--flavor=local', `--path=${path}`)).code).toBe(0);
    expect((await cli('run', '--log-store', 'loc', '--run-id', 'ren-1', '--', 'echo', 'hi')).code).toBe(0);
    expect((await cli('log-store', 'rename', 'loc', 'loc2')).code).toBe(0);
    const list = await cli('runs', 'list', '--output', 'text');
    expect(list.stdout).toMatch(/^ren-1\tok\t.*\tloc2$/m);
    const described = await cli('runs', 'describe', 'ren-1');
    expect(described.stdout).toContain("log store: loc2 (local; named 'loc' when the run shipped)\n");
    // The json is the record as written.
    const json = JSON.parse((await cli('runs', 'describe', 'ren-1', '--output', 'json')).stdout) as {
      logStore: { name: string };
    };
    expect(json.logStore.name).toBe('loc');
    expect((await cli('log-store', 'delete', 'loc2')).code).toBe(0);
    expect((await cli('runs', 'list', '--output', 'text')).stdout).toMatch(/^ren-1\tok\t.*\tloc$/m);
    expect((await cli('runs', 'describe', 'ren-1')).stdout).toContain('log store: loc (local; no longer registered)\n');
  });
  it('logs tail of a run not started yet says it waits for it, then follows it to its end', async () => {
    const tail = cli('logs', 'tail', '--run-id', 'later-1');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await cli('run', '--run-id', 'later-1', '--quiet', '--', 'echo', 'came later')).code).toBe(0);
    const r = await tail;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "no run record for 'later-1' here yet: waiting for it in log store 'default' (Ctrl-C stops)\n",
    );
    expect(r.stdout).toMatch(/ INFO +came later\n$/);
  });

  it('a stray word among the values: pointed at its flag, and a secret value is never quoted back', async () => {
    const pair = await cli('secret', 'create', 'stray', 'api_key=s3cr3t-value');
    expect([pair.code, pair.stderr]).toEqual([
      2,
      "error: unexpected argument 'api_key=****' (did you mean --api_key=...?)\n",
    ]);
    // An unquoted value with a space: its second half.
    const half = await cli('secret', 'create', 'stray', '--api_key', 's3cr3t', 'second-half');
    expect([half.code, half.stderr]).toEqual([
      2,
      'error: unexpected argument (not shown: it may be a secret value) (give values as --key=value, and quote a value that has spaces)\n',
    ]);
    const literal = await cli('log-store', 'register', 'x', '--flavor=datadog', 'api_key=s3cr3t-value');
    expect(literal.stderr).toBe("error: unexpected argument 'api_key=****' (did you mean --api_key=...?)\n");
    const path = await cli('log-store', 'register', 'x', '--flavor=local', 'path=/tmp/x');
    expect(path.stderr).toBe("error: unexpected argument 'path=/tmp/x' (did you mean --path=/tmp/x?)\n");
    for (const r of [pair, half, literal]) expect(r.stderr).not.toMatch(/s3cr3t|second-half/);
  });
});

describe('first try against the Datadog emulator (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const cli = (...args: string[]) => runCli(args, { home, env: EMULATOR_KEYS });
  useEmulatorLogStore(home);
  afterAll(cleanup);

  it('logs of a run id Datadog has no record of, and no run record here: says nothing was found', async () => {
    const r = await cli('logs', '--log-store', 'dd', '--run-id', 'no-such-run');
    expect([r.code, r.stdout, r.stderr]).toEqual([
      0,
      '',
      "no run record for 'no-such-run' here: searching log store 'dd' without one\n" +
        'no records found in the last 15 days (check the id; an older run: --since 30d)\n',
    ]);
    const filtered = await cli('logs', '--log-store', 'dd', '--run-id', 'no-such-run', '--level', 'error');
    expect(filtered.stderr).toMatch(/\nno records found that match the filters\n$/);
    // Data stays data: an empty json list on stdout, the note on stderr.
    const json = await cli('logs', '--log-store', 'dd', '--run-id', 'no-such-run', '--output', 'json');
    expect([json.code, json.stdout]).toEqual([0, '[]\n']);
  });
});
