/**
 * Where secret values live. The store (config.json) keeps only secret names, key names and the backend each secret
 * was made in; the values sit behind a SecretBackend: the OS keychain by default, or `<home>/secrets.json` when the
 * user opts in explicitly (DD_LOGSTORE_SECRETS_BACKEND=file, or `config set secrets.backend file`). A backend is
 * created cheaply: nothing is loaded or opened until it is used.
 */
import { SECRETS_BACKEND_ENV } from './env-secrets.js';
import { createFileBackend } from './file-backend.js';
import { resolve } from 'node:path';
import { KEYRING_SERVICE, createKeyringBackend } from './keyring-backend.js';
import { DEFAULT_SECRET_BACKEND, SECRET_BACKEND_KINDS, envSecretBackendKind } from './backend-kind.js';
import type { SecretBackendKind } from './backend-kind.js';

export { SECRETS_BACKEND_ENV, SECRET_BACKEND_KINDS };
export type { SecretBackendKind };

/** The key/value pairs of one secret. */
export type SecretValues = Record<string, string>;

export interface SecretBackend {
  readonly kind: SecretBackendKind;
  /** Where values live, for messages: `the OS keychain (service dd-logstore)` or the file's path. */
  readonly location: string;
  /** The secret's values, or undefined when there is no such secret. */
  get(name: string): Promise<SecretValues | undefined>;
  /** Creates or replaces the secret as a whole. */
  set(name: string, values: SecretValues): Promise<void>;
  /** True when something was deleted, false when there was nothing to delete. */
  delete(name: string): Promise<boolean>;
  /** Names of the secrets this backend holds, sorted. */
  list?(): Promise<string[]>;
}

export interface SecretBackendOptions {
  env: NodeJS.ProcessEnv;
  /** The backend to open; without it, the one DD_LOGSTORE_SECRETS_BACKEND names (keyring when unset). */
  kind?: SecretBackendKind;
  /** The dd-logstore home (already resolved from DD_LOGSTORE_HOME / XDG_CONFIG_HOME). */
  home: string;
  /** The home used when no variable says otherwise; other homes get their own keychain service. */
  defaultHome?: string;
}

/** `keyring` unless DD_LOGSTORE_SECRETS_BACKEND says `file`; anything else is a usage error. Never silent. */
export function secretBackendKind(env: NodeJS.ProcessEnv): SecretBackendKind {
  return envSecretBackendKind(env) ?? DEFAULT_SECRET_BACKEND;
}

export function createSecretBackend(opts: SecretBackendOptions): SecretBackend {
  return (opts.kind ?? secretBackendKind(opts.env)) === 'file'
    ? createFileBackend({ home: opts.home })
    : createKeyringBackend({ home: opts.home, service: keyringServiceFor(opts.home, opts.defaultHome) });
}

/**
 * The keychain service for a home: `dd-logstore` for the default home, `dd-logstore@<home>` for any other, so a
 * second home (a project's own DD_LOGSTORE_HOME, a test's temp dir) never reads or overwrites the secrets of the
 * first one under the same name.
 */
export function keyringServiceFor(home: string, defaultHome: string | undefined): string {
  return defaultHome === undefined || resolve(home) === resolve(defaultHome)
    ? KEYRING_SERVICE
    : `${KEYRING_SERVICE}@${resolve(home)}`;
}
