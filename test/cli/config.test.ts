/**
 * `config get|set|unset|list` and where secrets live: a secret is read from the backend it was made in, new secrets
 * go where DD_LOGSTORE_SECRETS_BACKEND, else `secrets.backend`, says; an unknown backend is refused by every command.
 * The keychain is made unreachable (a D-Bus address that does not exist), so any attempt to use it would fail.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempHome } from './harness.js';

const NO_KEYCHAIN = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };

describe('secrets backends and config (built CLI)', () => {
  let home: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ home, cleanup } = tempHome());
  });
  afterEach(() => cleanup());
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { home, env: { ...NO_KEYCHAIN, ...env } });

  it('a secret made with DD_LOGSTORE_SECRETS_BACKEND=file is found later without the variable', async () => {
    const made = await cli(['secret', 'create', 'keys', '--api_key=file-secret-123'], {
      DD_LOGSTORE_SECRETS_BACKEND: 'file',
    });
    expect(made.code).toBe(0);
    const got = await cli(['secret', 'get', 'keys', '--reveal', '--output', 'json']);
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({ name: 'keys', backend: 'file', values: { api_key: 'file-secret-123' } });

    // A reference to it resolves from the file too: the keychain is never asked.
    const reg = await cli([
      'log-store',
      'register',
      'dd',
      '--flavor=datadog',
      '--api_key={{keys.api_key}}',
      '--application_key={{keys.api_key}}',
    ]);
    expect(reg.code).toBe(0);
    const check = await cli(['log-store', 'describe', 'dd', '--resolve-check', '--output', 'json']);
    expect(check.code).toBe(0);
    const refs = (JSON.parse(check.stdout) as { references: { ok: boolean; source: string }[] }).references;
    expect(refs.map((r) => [r.ok, r.source])).toEqual([
      [true, 'file'],
      [true, 'file'],
    ]);
    expect(check.stdout).not.toContain('file-secret-123');

    const updated = await cli(['secret', 'update', 'keys', '--other=x-2']);
    expect(updated.code).toBe(0);
    const list = await cli(['secret', 'list', '--output', 'table']);
    expect(list.stdout).toMatch(/BACKEND/);
    expect(list.stdout).toMatch(/keys\s.*api_key,other\s.*file/);
    const deleted = await cli(['secret', 'delete', 'keys', '--yes']);
    expect(deleted.code).toBe(0);
    expect(readFileSync(join(home, 'secrets.json'), 'utf8')).not.toContain('file-secret-123');
  });

  it('config set secrets.backend file is the home-wide default; the variable still wins', async () => {
    expect((await cli(['config', 'get', 'secrets.backend'])).stdout).toBe('keyring\n');
    const set = await cli(['config', 'set', 'secrets.backend', 'file']);
    expect(set.code).toBe(0);
    expect(set.stderr).toBe('Set secrets.backend to file.\n');
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).settings).toEqual({ 'secrets.backend': 'file' });

    const made = await cli(['secret', 'create', 'k', '--a=1']);
    expect(made.stderr).toMatch(/Created secret 'k' with keys a \(file\)/);
    expect(made.code).toBe(0);

    const over = await cli(['config', 'get', 'secrets.backend'], { DD_LOGSTORE_SECRETS_BACKEND: 'keyring' });
    expect(over.stdout).toBe('keyring\n');
    expect(over.stderr).toMatch(/from DD_LOGSTORE_SECRETS_BACKEND/);
    // Under the variable, a new secret goes to the keychain, which is unreachable here: the error says so.
    const kc = await cli(['secret', 'create', 'k2', '--a=1'], { DD_LOGSTORE_SECRETS_BACKEND: 'keyring' });
    expect(kc.code).toBe(1);
    expect(kc.stderr).toMatch(/keychain is not reachable/);
    // ...while the secret made in the file is still read from the file.
    expect((await cli(['secret', 'get', 'k'], { DD_LOGSTORE_SECRETS_BACKEND: 'keyring' })).code).toBe(0);

    const list = await cli(['config', 'list', '--output', 'json']);
    expect(JSON.parse(list.stdout)).toEqual([
      { key: 'secrets.backend', value: 'file', source: 'config', choices: ['keyring', 'file'] },
    ]);
    expect((await cli(['config', 'unset', 'secrets.backend'])).code).toBe(0);
    expect((await cli(['config', 'get', 'secrets.backend'])).stdout).toBe('keyring\n');
  });

  it('config refuses unknown keys and values (exit 2, one line)', async () => {
    const key = await cli(['config', 'set', 'secrets.backnd', 'file']);
    expect(key.code).toBe(2);
    expect(key.stderr).toBe(
      "error: unknown config key 'secrets.backnd' (did you mean secrets.backend? keys: secrets.backend; see dd-logstore config list)\n",
    );
    const value = await cli(['config', 'set', 'secrets.backend', 'vault']);
    expect(value.code).toBe(2);
    expect(value.stderr).toBe(
      "error: secrets.backend='vault' is not a secrets backend (valid values: keyring, file; keyring is the default)\n",
    );
    expect((await cli(['config', 'get'])).code).toBe(2);
  });

  it('every command refuses an unknown DD_LOGSTORE_SECRETS_BACKEND the same way', async () => {
    const line =
      "error: DD_LOGSTORE_SECRETS_BACKEND='vault' is not a secrets backend (valid values: keyring, file; keyring is the default)\n";
    for (const args of [
      ['secret', 'list'],
      ['secret', 'get', 'nosuch'],
      ['config', 'list'],
      ['stack', 'list'],
      ['runs', 'list'],
      ['logs', '--last'],
      ['run', '--', 'true'],
    ]) {
      const r = await cli(args, { DD_LOGSTORE_SECRETS_BACKEND: 'vault' });
      expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), 2, line]);
    }
  });
});

describe('where the home is (built CLI)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ home: dir, cleanup } = tempHome());
  });
  afterEach(() => cleanup());

  it('a relative XDG_CONFIG_HOME is ignored (XDG spec): the home goes under $HOME, nothing under the cwd', async () => {
    const cwd = join(dir, 'cwd');
    const user = join(dir, 'user');
    mkdirSync(cwd);
    mkdirSync(user);
    const res = await runCli(['run', '--', 'true'], {
      home: '',
      cwd,
      env: { DD_LOGSTORE_HOME: undefined, XDG_CONFIG_HOME: 'rel', HOME: user },
    });
    expect(res.stderr).not.toContain('error');
    expect(res.code).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    expect(existsSync(join(user, '.config', 'dd-logstore', 'config.json'))).toBe(true);
  });

  it('a relative DD_LOGSTORE_HOME is resolved against the cwd (messages name the absolute path)', async () => {
    const res = await runCli(['stack', 'list'], { home: 'rel-home', cwd: dir });
    expect(res.code).toBe(0);
    expect(existsSync(join(dir, 'rel-home', 'config.json'))).toBe(true);
    writeFileSync(join(dir, 'a-file'), '');
    const file = await runCli(['stack', 'list'], { home: 'a-file', cwd: dir });
    expect(file.stderr).toBe(
      `error: DD_LOGSTORE_HOME (${join(dir, 'a-file')}) is not a directory (point DD_LOGSTORE_HOME at a directory, or unset it)\n`,
    );
    expect(file.code).toBe(1);
    // Under a file: named, not "cannot read .../config.json (check its permissions)"; run refuses before the child.
    for (const args of [
      ['stack', 'list'],
      ['run', '--', 'true'],
      ['log-store', 'register', 'x', '--flavor=local'],
    ]) {
      const under = await runCli(args, { home: 'a-file/home', cwd: dir });
      expect(under.stderr).toBe(
        `error: DD_LOGSTORE_HOME (${join(dir, 'a-file', 'home')}) is under ${join(dir, 'a-file')}, a file (point DD_LOGSTORE_HOME at a directory, or unset it)\n`,
      );
      expect(under.code).toBe(args[0] === 'run' ? 125 : 1);
    }
  });
});
