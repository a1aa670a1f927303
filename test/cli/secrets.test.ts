import { afterAll, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keychainDescribe, probeKeyring } from '../keyring/keyring-probe.js';
import { BIN, cliEnv, runCli, tempHome } from './harness.js';

const API_KEY = 'api-key-value-0123456789';
const APP_KEY = 'app-key-value-9876543210';

// The seed's three set-up commands against the REAL OS keychain (GNOME Keyring over D-Bus in CI). Outside CI, with
// no keychain reachable, this says why and skips; with CI=true it runs and fails.
const probe = await probeKeyring();

keychainDescribe(probe, process.env)('the seed set-up with the real keychain (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const cli = (args: string[], input?: string) => runCli(args, { home, ...(input === undefined ? {} : { input }) });
  afterAll(async () => {
    await cli(['secret', 'delete', 'datadog_keys', '--yes']);
    await cli(['secret', 'delete', 'from_stdin', '--yes']);
    cleanup();
  });

  it('secret create, log-store register with references, stack register --set, describe masked', async () => {
    const created = await cli([
      'secret',
      'create',
      'datadog_keys',
      `--api_key=${API_KEY}`,
      `--application_key=${APP_KEY}`,
    ]);
    expect(created.stderr).toMatch(/Created secret 'datadog_keys' with keys api_key, application_key \(keyring\)/);
    expect(created.code).toBe(0);
    const registered = await cli([
      'log-store',
      'register',
      'datadog_logs',
      '--flavor=datadog',
      '--api_key={{datadog_keys.api_key}}',
      '--application_key={{datadog_keys.application_key}}',
      '--site=datadoghq.eu',
    ]);
    expect(registered.code).toBe(0);
    expect(registered.stderr).not.toMatch(/warning/);
    const stack = await cli([
      'stack',
      'register',
      'my_stack',
      '-a',
      'default',
      '-o',
      'default',
      '-ls',
      'datadog_logs',
      '--set',
    ]);
    expect(stack.code).toBe(0);

    const described = await cli(['stack', 'describe', '--output', 'json']);
    expect(described.code).toBe(0);
    const json = JSON.parse(described.stdout) as {
      name: string;
      components: Record<string, { config: Record<string, unknown> }>;
    };
    expect(json.name).toBe('my_stack');
    expect(json.components['log-store']?.config).toEqual({
      api_key: '{{datadog_keys.api_key}}',
      application_key: '{{datadog_keys.application_key}}',
      site: 'datadoghq.eu',
    });
    expect(described.stdout).not.toContain(API_KEY);

    // The values are in the keychain, not in any file of the home.
    const check = await cli(['log-store', 'describe', 'datadog_logs', '--resolve-check', '--output', 'json']);
    expect(check.code).toBe(0);
    const refs = (JSON.parse(check.stdout) as { references: { ok: boolean; source: string }[] }).references;
    expect(refs.map((r) => [r.ok, r.source])).toEqual([
      [true, 'keyring'],
      [true, 'keyring'],
    ]);
  });

  it('secret get masks unless --reveal; list shows names and keys only; update and --values=- work', async () => {
    const masked = await cli(['secret', 'get', 'datadog_keys', '--output', 'json']);
    expect(JSON.parse(masked.stdout)).toMatchObject({ values: { api_key: '****', application_key: '****' } });
    const revealed = await cli(['secret', 'get', 'datadog_keys', '--reveal', '--output', 'json']);
    expect(JSON.parse(revealed.stdout)).toMatchObject({ values: { api_key: API_KEY, application_key: APP_KEY } });
    const list = await cli(['secret', 'list', '--output', 'text']);
    expect(list.stdout).toMatch(/^datadog_keys\tapi_key,application_key\tkeyring\t/m);
    expect(list.stdout).not.toContain(API_KEY);

    const fromStdin = await cli(
      ['secret', 'create', 'from_stdin', '--values=-'],
      JSON.stringify({ token: 'tok-abcdef' }),
    );
    expect(fromStdin.code).toBe(0);
    const updated = await cli(['secret', 'update', 'from_stdin', '--other=x-value-1', '--remove-key', 'token']);
    expect(updated.code).toBe(0);
    const after = await cli(['secret', 'get', 'from_stdin', '--reveal', '--output', 'json']);
    expect((JSON.parse(after.stdout) as { values: unknown }).values).toEqual({ other: 'x-value-1' });
  });
});

it('the file backend is an explicit opt-in: secrets.json mode 0600, values never in config.json', async () => {
  const { home, cleanup } = tempHome();
  try {
    const env = { DD_LOGSTORE_SECRETS_BACKEND: 'file' };
    const file = join(home, 'values.json');
    writeFileSync(file, JSON.stringify({ api_key: API_KEY }));
    const created = await runCli(['secret', 'create', 'k', `--values=@${file}`], { home, env });
    expect(created.code).toBe(0);
    const { statSync, readFileSync } = await import('node:fs');
    expect(statSync(join(home, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'config.json'), 'utf8')).not.toContain(API_KEY);
    const bad = await runCli(['secret', 'get', 'k'], { home, env: { DD_LOGSTORE_SECRETS_BACKEND: 'vault' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/DD_LOGSTORE_SECRETS_BACKEND='vault' is not a secrets backend/);
  } finally {
    cleanup();
  }
});

it('an empty secret value is refused by create and update, from flags and from --values, as register refuses it', async () => {
  const { home, cleanup } = tempHome();
  try {
    const env = { DD_LOGSTORE_SECRETS_BACKEND: 'file' };
    expect((await runCli(['secret', 'create', 'k', '--api_key=kept-1'], { home, env })).code).toBe(0);
    const file = join(home, 'values.json');
    writeFileSync(file, JSON.stringify({ api_key: '' }));
    const tries: [string[], string?][] = [
      [['secret', 'create', 'e1', '--api_key=']],
      [['secret', 'create', 'e2', `--values=@${file}`]],
      [['secret', 'create', 'e3', '--values=-'], '{"api_key":""}'],
      [['secret', 'update', 'k', '--api_key=']],
      [['secret', 'update', 'k', '--values=-'], '{"api_key":""}'],
    ];
    for (const [args, input] of tries) {
      const r = await runCli(args, { home, env, ...(input !== undefined ? { input } : {}) });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: (--api_key|--values: 'api_key' in \S+) cannot be empty \(give its value/);
      expect(r.code).toBe(2);
    }
    const list = await runCli(['secret', 'list', '--output', 'json'], { home, env });
    expect((JSON.parse(list.stdout) as { name: string }[]).map((x) => x.name)).toEqual(['k']);
    const kept = await runCli(['secret', 'get', 'k', '--reveal', '--output', 'json'], { home, env });
    expect((JSON.parse(kept.stdout) as { values: unknown }).values).toEqual({ api_key: 'kept-1' });
  } finally {
    cleanup();
  }
});

it('--values takes strings and booleans; null, objects and numbers (JSON does not keep their text) are refused, the value not shown', async () => {
  const { home, cleanup } = tempHome();
  try {
    const env = { DD_LOGSTORE_SECRETS_BACKEND: 'file' };
    const refused: [string, string][] = [
      ['{"api_key":null}', 'got null (give it as a string: {"api_key": "..."})'],
      ['{"api_key":{"a":1}}', 'got an object (give it as a string'],
      ['{"api_key":[1]}', 'got an array (give it as a string'],
      ['{"api_key":1.50}', 'got a number (JSON does not keep its digits as written) (quote it: {"api_key": "..."})'],
      ['{"api_key":98765432109876543210}', 'got a number (JSON does not keep'],
      ['{"api_key":1e3}', 'got a number (JSON does not keep'],
      ['{"api_key":4200}', 'got a number (JSON does not keep'],
    ];
    for (const [input, says] of refused) {
      const r = await runCli(['secret', 'create', 'n', '--values=-'], { home, env, input });
      expect(r.stderr).toContain(`error: --values: the value of 'api_key' in stdin must be a string, ${says}`);
      expect(r.stderr).not.toMatch(/98765|1\.5|1e3|1000|4200/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.code).toBe(2);
    }
    const ok = await runCli(['secret', 'create', 'n', '--values=-'], { home, env, input: '{"id":"4200","on":true}' });
    expect(ok.code).toBe(0);
    const got = await runCli(['secret', 'get', 'n', '--reveal', '--output', 'json'], { home, env });
    expect((JSON.parse(got.stdout) as { values: unknown }).values).toEqual({ id: '4200', on: 'true' });
  } finally {
    cleanup();
  }
});

it('an unreachable keychain is one line naming the way out', async () => {
  const { home, cleanup } = tempHome();
  try {
    const r = await runCli(['secret', 'create', 'k', '--a=b'], {
      home,
      env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/keychain is not reachable.*DD_LOGSTORE_SECRETS_BACKEND=file/);
  } finally {
    cleanup();
  }
});

// `-i` on a real terminal: `script` gives the CLI a pseudo-terminal, and keys are typed as each prompt appears.
const hasScript = spawnSync('script', ['--version']).status === 0;
(hasScript ? it : it.skip)('secret create -i prompts on a terminal, with the value masked as it is typed', async () => {
  const { home, cleanup } = tempHome();
  try {
    const env = cliEnv(home, { DD_LOGSTORE_SECRETS_BACKEND: 'file', CI: '' });
    const child = spawn('script', ['-qfec', `"${process.execPath}" "${BIN}" secret create typed -i`, '/dev/null'], {
      env,
    });
    let screen = '';
    const steps: [RegExp, string][] = [
      [/key name:/, 'api_key\r'],
      [/value of api_key:/, 'typed-secret-123\r'],
      [/key name:[\s\S]*key name:[\s\S]*key name:/, '\r'],
    ];
    child.stdout.on('data', (c: Buffer) => {
      screen += c.toString();
      const next = steps[0];
      if (next && next[0].test(screen)) {
        steps.shift();
        child.stdin.write(next[1]);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(screen).toMatch(/Created secret 'typed' with keys api_key \(file\)/);
    expect(screen).not.toContain('typed-secret-123');
    const back = await runCli(['secret', 'get', 'typed', '--reveal', '--output', 'json'], {
      home,
      env: { DD_LOGSTORE_SECRETS_BACKEND: 'file' },
    });
    expect((JSON.parse(back.stdout) as { values: unknown }).values).toEqual({ api_key: 'typed-secret-123' });
  } finally {
    cleanup();
  }
});

it('secret get/update/delete of a secret given only by the environment says so (CI), and never shows its value', async () => {
  const { home, cleanup } = tempHome();
  try {
    // Before: "no secret named 'envs'", though the job's variables fill its references.
    const env = { DD_LOGSTORE_SECRET_ENVS_API_KEY: 'env-value-123', DD_LOGSTORE_SECRET_ENVS_APP_KEY: 'env-value-456' };
    for (const args of [
      ['secret', 'get', 'envs'],
      ['secret', 'update', 'envs', '--api_key=x-value'],
      ['secret', 'delete', 'envs', '--yes'],
    ]) {
      const r = await runCli(args, { home, env });
      expect([args, r.code]).toEqual([args, 1]);
      expect(r.stderr).toBe(
        "error: no secret named 'envs' is stored (DD_LOGSTORE_SECRET_ENVS_API_KEY, DD_LOGSTORE_SECRET_ENVS_APP_KEY in the environment fill only '{{envs.KEY}}' references)\n",
      );
      expect(r.stderr + r.stdout).not.toContain('env-value');
    }
    // Without them, as before.
    const plain = await runCli(['secret', 'get', 'envs'], { home });
    expect(plain.stderr).toBe(
      "error: no secret named 'envs' (create it: dd-logstore secret create envs --KEY=VALUE)\n",
    );
  } finally {
    cleanup();
  }
});
