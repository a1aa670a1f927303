/**
 * The default backend: the OS keychain through @napi-rs/keyring (macOS Keychain, Windows Credential Manager, the
 * Secret Service on Linux). Service `dd-logstore`, one entry per secret (account = secret name) holding the secret's
 * key/value pairs as JSON. On Linux the entry is pinned to the Secret Service, so it can never fall back to the kernel
 * keyring, which forgets everything at logout. The native module is imported on first use only.
 */
import type { AsyncEntry } from '@napi-rs/keyring';
import type * as Keyring from '@napi-rs/keyring';
import { SecretError } from '../core/errors.js';
import { SECRET_ENV_PREFIX, SECRETS_BACKEND_ENV } from './env-secrets.js';
import { secretsFilePath } from './file-backend.js';
import type { SecretBackend, SecretValues } from './secret-backend.js';

export const KEYRING_SERVICE = 'dd-logstore';

export type KeyringModule = Pick<typeof Keyring, 'AsyncEntry' | 'findCredentialsAsync'>;

export interface KeyringBackendOptions {
  /** The dd-logstore home, named in the hint that points at the file backend. */
  home: string;
  /** Keychain service name; tests use their own so they never touch real secrets. */
  service?: string;
  /** Loads the native module; the default is a dynamic import of @napi-rs/keyring. */
  load?: () => Promise<KeyringModule>;
}

/** Why the keychain cannot be used, decided from the native error's text (its `code` is always GenericFailure). */
export type KeychainProblem = 'no-dbus' | 'no-secret-service' | 'no-default-collection' | 'locked' | 'unavailable';

/** The keychain is not usable at all (as opposed to a missing secret). Its cause is the native error. */
export class KeychainUnavailableError extends SecretError {
  constructor(
    readonly problem: KeychainProblem,
    message: string,
    options: { hint: string; cause?: unknown },
  ) {
    super(message, options);
  }
}

const PROBLEM_PATTERNS: [KeychainProblem, RegExp][] = [
  [
    'no-secret-service',
    /org\.freedesktop\.secrets was not provided|ServiceUnknown|NameHasNoOwner|no DBus session or Secret Service/i,
  ],
  [
    'no-dbus',
    /DBUS_SESSION_BUS_ADDRESS|autolaunch|failed to connect to (socket|address)|connection refused|disconnected from D-Bus/i,
  ],
  ['locked', /unlock prompt was dismissed|IsLocked|object locked|is locked|user interaction is not allowed/i],
  ['no-default-collection', /Secret Service: no result found/i],
  [
    'unavailable',
    /platform failure|couldn't access platform storage|platform secure storage|NoStorageAccess|no default store/i,
  ],
];

/** Classifies a native keyring error; undefined means the keychain answered and refused this one request. */
export function classifyKeyringError(err: unknown): KeychainProblem | undefined {
  const text =
    err instanceof Error ? `${err.message}\n${err.cause instanceof Error ? err.cause.message : ''}` : String(err);
  return PROBLEM_PATTERNS.find(([, re]) => re.test(text))?.[0];
}

const PROBLEM_TEXT: Record<KeychainProblem, string> = {
  'no-dbus': 'the OS keychain is not reachable (no D-Bus session bus)',
  'no-secret-service': 'the OS keychain is not reachable (no Secret Service on D-Bus)',
  'no-default-collection':
    'the OS keychain has no default keyring to store secrets in (Secret Service: no default collection)',
  locked: 'the OS keychain is locked',
  unavailable: 'the OS keychain is not reachable',
};

const PROBLEM_FIX: Record<KeychainProblem, string> = {
  'no-dbus': 'start a D-Bus session with a keyring daemon, e.g. dbus-run-session + gnome-keyring-daemon',
  'no-secret-service': 'start a keyring daemon (gnome-keyring-daemon --start --components=secrets, or KeePassXC)',
  'no-default-collection':
    'create and unlock a login keyring: echo -n PASSWORD | gnome-keyring-daemon --replace --unlock',
  locked: 'unlock it (log in to the desktop session, or echo -n PASSWORD | gnome-keyring-daemon --replace --unlock)',
  unavailable: 'check that a keyring daemon is running and unlocked',
};

/** The alternatives, named the same way in every keychain error. */
export function keychainAlternatives(home: string): string {
  return (
    `set ${SECRETS_BACKEND_ENV}=file (or once: dd-logstore config set secrets.backend file) to keep secrets in ${secretsFilePath(home)}, ` +
    `or ${SECRET_ENV_PREFIX}<NAME>_<KEY> env vars`
  );
}

export function keychainUnavailable(problem: KeychainProblem, home: string, cause: unknown): KeychainUnavailableError {
  let message = PROBLEM_TEXT[problem];
  if (problem === 'unavailable') message += ` (${firstLine(cause)})`;
  return new KeychainUnavailableError(problem, message, {
    hint: `${PROBLEM_FIX[problem]}, or ${keychainAlternatives(home)}`,
    cause,
  });
}

export function createKeyringBackend(opts: KeyringBackendOptions): SecretBackend {
  const service = opts.service ?? KEYRING_SERVICE;
  const load = opts.load ?? (() => import('@napi-rs/keyring'));
  let loaded: Promise<KeyringModule> | undefined;

  const fail = (err: unknown, what: string): SecretError => {
    const problem = classifyKeyringError(err);
    if (problem) return keychainUnavailable(problem, opts.home, err);
    return new SecretError(`the OS keychain refused to ${what} (${firstLine(err)})`, {
      hint: `try again, or ${keychainAlternatives(opts.home)}`,
      cause: err,
    });
  };

  const module = async (): Promise<KeyringModule> => {
    loaded ??= load().catch((err: unknown) => {
      loaded = undefined;
      throw new KeychainUnavailableError(
        'unavailable',
        `the OS keychain library (@napi-rs/keyring) cannot be loaded on ${process.platform}-${process.arch}`,
        { hint: keychainAlternatives(opts.home), cause: err },
      );
    });
    return loaded;
  };

  const entry = async (name: string, what: string): Promise<AsyncEntry> => {
    const mod = await module();
    try {
      // `linux.store` is ignored elsewhere; on Linux it forbids the silent fallback to the kernel keyring.
      return new mod.AsyncEntry(service, name, { linux: { store: 'secret-service' } });
    } catch (err) {
      throw fail(err, what);
    }
  };

  return {
    kind: 'keyring',
    location: `the OS keychain (service ${service})`,
    async get(name) {
      const e = await entry(name, `read secret '${name}'`);
      let text: string | null;
      try {
        text = await e.getPassword();
      } catch (err) {
        throw fail(err, `read secret '${name}'`);
      }
      return text === null ? undefined : parseEntry(text, name, service);
    },
    async set(name, values) {
      const e = await entry(name, `store secret '${name}'`);
      try {
        await e.setPassword(JSON.stringify(values));
      } catch (err) {
        throw fail(err, `store secret '${name}'`);
      }
    },
    async delete(name) {
      const e = await entry(name, `delete secret '${name}'`);
      try {
        return await e.deleteCredential();
      } catch (err) {
        throw fail(err, `delete secret '${name}'`);
      }
    },
    async list() {
      const mod = await module();
      try {
        const found = await mod.findCredentialsAsync(service);
        return [...new Set(found.map((c) => c.account))].sort();
      } catch (err) {
        throw fail(err, 'list secrets');
      }
    },
  };
}

function parseEntry(text: string, name: string, service: string): SecretValues {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined; // no cause: the parse error would quote the stored values
  }
  if (
    typeof data !== 'object' ||
    data === null ||
    Array.isArray(data) ||
    !Object.values(data).every((v) => typeof v === 'string')
  ) {
    throw new SecretError(
      `the keychain entry for secret '${name}' (service ${service}) is not a JSON object of strings`,
      {
        hint: `delete it (dd-logstore secret delete ${name}) and create it again`,
      },
    );
  }
  return { ...(data as SecretValues) };
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n', 1)[0]?.trim() ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
