/**
 * Secrets from the environment, for CI: `DD_LOGSTORE_SECRET_<NAME>_<KEY>` (upper-cased, every character that is not
 * a letter or digit written as `_`) satisfies `{{name.key}}` without any keychain. The environment always wins.
 */
export const SECRET_ENV_PREFIX = 'DD_LOGSTORE_SECRET_';
/** Chooses the secrets backend: `keyring` (default) or `file`. */
export const SECRETS_BACKEND_ENV = 'DD_LOGSTORE_SECRETS_BACKEND';

function envPart(s: string): string {
  return s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** `envSecretName('datadog-keys', 'api_key')` is `DD_LOGSTORE_SECRET_DATADOG_KEYS_API_KEY`. */
export function envSecretName(name: string, key: string): string {
  return `${SECRET_ENV_PREFIX}${envPart(name)}_${envPart(key)}`;
}

/** The environment's variables that give keys of secret `name` (`DD_LOGSTORE_SECRET_<NAME>_*`), set and not empty. */
export function envSecretVariables(env: NodeJS.ProcessEnv, name: string): string[] {
  const prefix = `${SECRET_ENV_PREFIX}${envPart(name)}_`;
  return Object.keys(env)
    .filter((k) => k.startsWith(prefix) && k.length > prefix.length && env[k] !== '')
    .sort();
}

/**
 * The value the environment gives for name.key, or undefined. An empty variable counts as unset: CI systems expand a
 * missing secret to '', and sending an empty API key would only fail later and less clearly.
 */
export function envSecretValue(env: NodeJS.ProcessEnv, name: string, key: string): string | undefined {
  const value = env[envSecretName(name, key)];
  return value === undefined || value === '' ? undefined : value;
}
