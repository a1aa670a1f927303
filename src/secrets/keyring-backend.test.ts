import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { SecretError, formatErrorLine } from '../core/errors.js';
import { Redactor } from '../io/redact.js';
import { TEST_KEYRING_SERVICE, keychainDescribe, probeKeyring } from '../../test/keyring/keyring-probe.js';
import { KeychainUnavailableError, classifyKeyringError, createKeyringBackend } from './keyring-backend.js';
import type { KeychainProblem, KeyringModule } from './keyring-backend.js';
import { resolveSecretRefs } from './references.js';

/** What @napi-rs/keyring 2.1.2 threw on Linux, collected by hand in each situation (see docs/secrets.md). */
const NATIVE_ERRORS: [string, string, KeychainProblem][] = [
  [
    'no D-Bus session (DBUS_SESSION_BUS_ADDRESS unset)',
    'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead',
    'no-dbus',
  ],
  [
    'D-Bus address pointing nowhere',
    'Platform failure: DBus error: Failed to connect to socket /tmp/nonexist: No such file or directory',
    'no-dbus',
  ],
  [
    'findCredentials without D-Bus',
    'zbus error: Failed to connect to address `unix:path=/run/user/0/bus`: No such file or directory (os error 2)',
    'no-dbus',
  ],
  [
    'D-Bus without a Secret Service',
    'Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files',
    'no-secret-service',
  ],
  [
    'findCredentials without a Secret Service',
    'zbus error: org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files',
    'no-secret-service',
  ],
  [
    'fresh daemon without a login keyring (set)',
    "Couldn't access platform storage: Secret Service: no result found",
    'no-default-collection',
  ],
  [
    'locked keyring, no prompter',
    "Couldn't access platform storage: Secret Service: unlock prompt was dismissed",
    'locked',
  ],
  [
    'findCredentials on a locked keyring',
    'zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object',
    'locked',
  ],
];

/** A keyring module whose every operation throws `err`, as the native one does when the keychain is away. */
function failingModule(err: Error, where: 'ctor' | 'call'): KeyringModule {
  class FailingEntry {
    constructor() {
      if (where === 'ctor') throw err;
    }
    async getPassword(): Promise<string | null> {
      throw err;
    }
    async setPassword(): Promise<void> {
      throw err;
    }
    async deleteCredential(): Promise<boolean> {
      throw err;
    }
  }
  return {
    AsyncEntry: FailingEntry,
    findCredentialsAsync: async () => {
      throw err;
    },
  } as unknown as KeyringModule;
}

function nativeError(message: string): Error {
  return Object.assign(new Error(message, { cause: new Error(message.replace(/^[^:]*: /, '')) }), {
    code: 'GenericFailure',
  });
}

describe('keyring errors', () => {
  it.each(NATIVE_ERRORS)('classifies %s', (_label, message, problem) => {
    expect(classifyKeyringError(nativeError(message))).toBe(problem);
  });

  it('does not call a refusal of one request unreachable', () => {
    expect(classifyKeyringError(new Error('Attribute "user" is longer than platform limit of 1024 chars'))).toBe(
      undefined,
    );
  });

  it('turns an unreachable keychain into one line that says how to fix it, keeping the cause', async () => {
    const cause = nativeError(NATIVE_ERRORS[3]![1]);
    const backend = createKeyringBackend({
      home: '/home/u/.config/dd-logstore',
      load: async () => failingModule(cause, 'ctor'),
    });
    const err = await backend.get('dd').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeychainUnavailableError);
    expect((err as KeychainUnavailableError).problem).toBe('no-secret-service');
    expect((err as Error).cause).toBe(cause);
    const line = formatErrorLine(err);
    expect(line).toBe(
      'error: the OS keychain is not reachable (no Secret Service on D-Bus) (start a keyring daemon ' +
        '(gnome-keyring-daemon --start --components=secrets, or KeePassXC), or set DD_LOGSTORE_SECRETS_BACKEND=file ' +
        '(or once: dd-logstore config set secrets.backend file) to keep secrets in /home/u/.config/dd-logstore/secrets.json, or DD_LOGSTORE_SECRET_<NAME>_<KEY> env vars)',
    );
    expect(line).not.toContain('\n');
  });

  it.each(['get', 'set', 'delete', 'list'] as const)('wraps errors from %s', async (op) => {
    const backend = createKeyringBackend({
      home: '/h',
      load: async () => failingModule(nativeError(NATIVE_ERRORS[6]![1]), 'call'),
    });
    const call = {
      get: () => backend.get('dd'),
      set: () => backend.set('dd', { k: 'v' }),
      delete: () => backend.delete('dd'),
      list: () => backend.list!(),
    }[op];
    const err = (await call().catch((e: unknown) => e)) as KeychainUnavailableError;
    expect(err).toBeInstanceOf(KeychainUnavailableError);
    expect(err.message).toBe('the OS keychain is locked');
  });

  it('reports a refused request as a plain SecretError', async () => {
    const backend = createKeyringBackend({
      home: '/h',
      load: async () => failingModule(new Error('Attribute "user" is longer than platform limit'), 'call'),
    });
    const err = (await backend.set('dd', { k: 'v' }).catch((e: unknown) => e)) as SecretError;
    expect(err).toBeInstanceOf(SecretError);
    expect(err).not.toBeInstanceOf(KeychainUnavailableError);
    expect(err.message).toBe(
      'the OS keychain refused to store secret \'dd\' (Attribute "user" is longer than platform limit)',
    );
  });

  it('says so when the native library cannot be loaded', async () => {
    const backend = createKeyringBackend({
      home: '/h',
      load: async () => {
        throw new Error('Cannot find native binding');
      },
    });
    await expect(backend.get('dd')).rejects.toThrow(/the OS keychain library \(@napi-rs\/keyring\) cannot be loaded/);
  });

  (process.platform === 'linux' ? it : it.skip)(
    'classifies what the real native module throws without a D-Bus session',
    async () => {
      const script = fileURLToPath(new URL('../../test/keyring/native-error.mjs', import.meta.url));
      const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/dd-logstore-bus' };
      const { stdout } = await promisify(execFile)(process.execPath, [script], { env, timeout: 20_000 });
      const result = JSON.parse(stdout) as { ok: boolean; message?: string };
      expect(result.ok).toBe(false);
      expect(classifyKeyringError(new Error(result.message))).toBe('no-dbus');
    },
  );
});

const probe = await probeKeyring();
const names: string[] = [];
const backend = createKeyringBackend({ home: '/h', service: TEST_KEYRING_SERVICE });
const uniqueName = (label: string): string => {
  const name = `${label}-${process.pid}-${names.length}`;
  names.push(name);
  return name;
};

keychainDescribe(probe, process.env)('keyring backend (real OS keychain)', () => {
  afterAll(async () => {
    for (const n of names) await backend.delete(n).catch(() => undefined);
  });

  it('reaches the keychain', () => {
    if (!probe.reachable) throw new Error(`CI is set but the keychain is not usable: ${probe.reason}`);
  });

  it('stores, reads, overwrites, lists and deletes a secret', async () => {
    const name = uniqueName('roundtrip');
    expect(await backend.get(name)).toBeUndefined();
    await backend.set(name, { api_key: 'k1', note: 'ünïcödé ✓ "quoted" \n newline' });
    expect(await backend.get(name)).toEqual({ api_key: 'k1', note: 'ünïcödé ✓ "quoted" \n newline' });
    await backend.set(name, { api_key: 'k2' });
    expect(await backend.get(name)).toEqual({ api_key: 'k2' });
    expect(await backend.list!()).toContain(name);
    expect(await backend.delete(name)).toBe(true);
    expect(await backend.delete(name)).toBe(false);
    expect(await backend.get(name)).toBeUndefined();
    expect(await backend.list!()).not.toContain(name);
  });

  it('keeps secrets apart and away from other services', async () => {
    const a = uniqueName('a');
    const b = uniqueName('b');
    await backend.set(a, { k: 'va' });
    await backend.set(b, { k: 'vb' });
    expect(await backend.get(a)).toEqual({ k: 'va' });
    expect(await backend.get(b)).toEqual({ k: 'vb' });
    const other = createKeyringBackend({ home: '/h', service: `${TEST_KEYRING_SERVICE}-other` });
    expect(await other.get(a)).toBeUndefined();
  });

  it('resolves references from the keychain and masks the values', async () => {
    const name = uniqueName('refs');
    await backend.set(name, { api_key: 'keychain-api-key', application_key: 'keychain-app-key' });
    const redactor = new Redactor();
    const out = await resolveSecretRefs(
      { api_key: `{{${name}.api_key}}`, application_key: `<<${name}.application_key>>` },
      { backend: () => backend, env: {}, redactor },
    );
    expect(out).toEqual({ api_key: 'keychain-api-key', application_key: 'keychain-app-key' });
    expect(redactor.redact('keychain-api-key keychain-app-key')).toBe('**** ****');
    await expect(
      resolveSecretRefs({ x: `{{${name}.nope}}` }, { backend: () => backend, env: {}, redactor }),
    ).rejects.toThrow(`secret '${name}' has no key 'nope' (its keys: api_key, application_key)`);
  });
});
