/**
 * Which secrets backend: `keyring` (the OS keychain, the default) or `file` (`<home>/secrets.json`). Kept apart from
 * the backends themselves so every command can check DD_LOGSTORE_SECRETS_BACKEND without loading them.
 *
 * The backend for a NEW secret is, in order: DD_LOGSTORE_SECRETS_BACKEND, the home's `secrets.backend` setting
 * (`dd-logstore config set secrets.backend file`), `keyring`. An existing secret is always read from the backend
 * it was made in, which the store's index remembers.
 */
import { UsageError } from '../core/errors.js';
import { SECRETS_BACKEND_ENV } from './env-secrets.js';

export const SECRET_BACKEND_KINDS = ['keyring', 'file'] as const;
export type SecretBackendKind = (typeof SECRET_BACKEND_KINDS)[number];
export const DEFAULT_SECRET_BACKEND: SecretBackendKind = 'keyring';
/** The home-wide setting (config.json `settings`) that chooses the backend for new secrets. */
export const SECRETS_BACKEND_SETTING = 'secrets.backend';

export function isSecretBackendKind(value: string): value is SecretBackendKind {
  return (SECRET_BACKEND_KINDS as readonly string[]).includes(value);
}

/** The kind `raw` names (case and spaces ignored), or a usage error naming `what` and the valid values. */
export function parseSecretBackendKind(raw: string, what: string): SecretBackendKind {
  const value = raw.trim().toLowerCase();
  if (isSecretBackendKind(value)) return value;
  throw new UsageError(`${what}='${raw}' is not a secrets backend`, {
    hint: `valid values: ${SECRET_BACKEND_KINDS.join(', ')}; ${DEFAULT_SECRET_BACKEND} is the default`,
  });
}

/** The kind DD_LOGSTORE_SECRETS_BACKEND asks for, undefined when unset or empty; anything else is a usage error. */
export function envSecretBackendKind(env: NodeJS.ProcessEnv): SecretBackendKind | undefined {
  const raw = env[SECRETS_BACKEND_ENV];
  if (raw === undefined || raw.trim() === '') return undefined;
  return parseSecretBackendKind(raw, SECRETS_BACKEND_ENV);
}

export type SecretBackendSource = 'env' | 'config' | 'default';

/** The backend for new secrets and where that choice comes from: the variable, the home's setting, or the default. */
export function defaultSecretBackendKind(
  env: NodeJS.ProcessEnv,
  setting: string | undefined,
): { kind: SecretBackendKind; source: SecretBackendSource } {
  const fromEnv = envSecretBackendKind(env);
  if (fromEnv) return { kind: fromEnv, source: 'env' };
  if (setting !== undefined && setting !== '') {
    return { kind: parseSecretBackendKind(setting, `config.json ${SECRETS_BACKEND_SETTING}`), source: 'config' };
  }
  return { kind: DEFAULT_SECRET_BACKEND, source: 'default' };
}
