/**
 * Everything a command touches, created lazily: `--help` and usage errors never open the store, the keychain or
 * the network (gh's cmdutil.Factory). Tests build their own Factory with other streams and env.
 */
import { escapeControlChars } from '../core/control-chars.js';
import type { IOStreams } from '../io/iostreams.js';
import { createSystemIOStreams } from '../io/iostreams.js';
import type { ConfigStore } from '../store/config-store.js';
import { createConfigStore } from '../store/config-store.js';
import type { StorePaths } from '../store/paths.js';
import { resolveHome, storePaths } from '../store/paths.js';
import type { SecretBackend } from '../secrets/secret-backend.js';
import { createSecretBackend } from '../secrets/secret-backend.js';
import { SECRETS_BACKEND_SETTING, defaultSecretBackendKind, parseSecretBackendKind } from '../secrets/backend-kind.js';
import type { SecretBackendKind } from '../secrets/backend-kind.js';
import { SECRET_ENV_PREFIX } from '../secrets/env-secrets.js';

export interface Factory {
  readonly io: IOStreams;
  readonly env: NodeJS.ProcessEnv;
  /** Set by the root command from `--debug` before any command runs. */
  debug: boolean;
  paths(): StorePaths;
  configStore(): ConfigStore;
  /** The backend of that kind (one instance per kind). */
  secretBackend(kind: SecretBackendKind): SecretBackend;
  /** Where a new secret goes: DD_LOGSTORE_SECRETS_BACKEND, else the home's `secrets.backend`, else the keychain. */
  defaultSecretBackend(): Promise<SecretBackend>;
  /** Where secret `name` lives: the backend the index says it was made in, else the default one. */
  secretBackendOf(name: string): Promise<SecretBackend>;
  now(): Date;
  /** A note on stderr (suppressed by nothing; commands decide). */
  warn(message: string): void;
}

export function createFactory(io: IOStreams, env: NodeJS.ProcessEnv): Factory {
  let paths: StorePaths | undefined;
  let store: ConfigStore | undefined;
  const secrets = new Map<SecretBackendKind, SecretBackend>();
  const backend = (kind: SecretBackendKind): SecretBackend => {
    let b = secrets.get(kind);
    if (b === undefined) {
      b = createSecretBackend({
        env,
        kind,
        home: f.paths().home,
        defaultHome: resolveHome({ ...env, DD_LOGSTORE_HOME: undefined }),
      });
      secrets.set(kind, b);
    }
    return b;
  };
  const defaultKind = async (): Promise<SecretBackendKind> =>
    defaultSecretBackendKind(env, (await f.configStore().read()).settings?.[SECRETS_BACKEND_SETTING]).kind;
  // Every DD_LOGSTORE_SECRET_* value is a secret, whether the log store references it or not: a command that prints
  // one (the child of `run`, an error quoting it) shows `****`.
  for (const [name, value] of Object.entries(env)) if (name.startsWith(SECRET_ENV_PREFIX)) io.redactor.add(value);
  const f: Factory = {
    io,
    env,
    debug: false,
    paths: () =>
      (paths ??= storePaths(resolveHome(env), env.DD_LOGSTORE_HOME ? 'DD_LOGSTORE_HOME' : 'the dd-logstore home')),
    configStore: () => (store ??= createConfigStore(f.paths(), { warn: (m) => f.warn(m) })),
    secretBackend: backend,
    defaultSecretBackend: async () => backend(await defaultKind()),
    secretBackendOf: async (name) => {
      const entry = (await f.configStore().read()).secrets[name];
      if (entry === undefined) return backend(await defaultKind());
      return backend(parseSecretBackendKind(entry.backend, `config.json secrets.${name}.backend`));
    },
    now: () => new Date(),
    warn: (message) => io.err(`warning: ${escapeControlChars(message, true)}\n`),
  };
  return f;
}

export function createSystemFactory(): Factory {
  return createFactory(createSystemIOStreams(), process.env);
}
