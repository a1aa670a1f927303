/**
 * Secret references in config values: a value that is exactly `{{name.key}}` (canonical, as in ZenML) or
 * `<<name.key>>` refers to key `key` of secret `name`. References are stored as written and resolved only when used
 * (`run`, `logs`, `verify`): the environment first (DD_LOGSTORE_SECRET_<NAME>_<KEY>), then the backend the secret
 * lives in, which is created only when the environment does not satisfy every reference. Every resolved value, and every
 * literal value of a secret-looking key, is registered with the redactor.
 */
import { SecretError } from '../core/errors.js';
import type { Redactor } from '../io/redact.js';
import { urlPasswords } from '../io/url-credentials.js';
import { envSecretName, envSecretValue } from './env-secrets.js';
import { KeychainUnavailableError } from './keyring-backend.js';
import type { SecretBackend, SecretValues } from './secret-backend.js';

export type SecretRefSyntax = 'braces' | 'angles';

export interface SecretRef {
  name: string;
  key: string;
  syntax: SecretRefSyntax;
}

const PART = '([A-Za-z0-9_-]+)';
const BRACES = new RegExp(`^\\{\\{\\s*${PART}\\s*\\.\\s*${PART}\\s*\\}\\}$`);
const ANGLES = new RegExp(`^<<\\s*${PART}\\s*\\.\\s*${PART}\\s*>>$`);

/** The reference in a value that is exactly `{{name.key}}` or `<<name.key>>` (spaces inside allowed), else undefined. */
export function parseSecretRef(value: string): SecretRef | undefined {
  for (const [syntax, re] of [
    ['braces', BRACES],
    ['angles', ANGLES],
  ] as const) {
    const m = re.exec(value);
    if (m?.[1] && m[2]) return { name: m[1], key: m[2], syntax };
  }
  return undefined;
}

/** The canonical form, `{{name.key}}`. */
export function formatSecretRef(ref: Pick<SecretRef, 'name' | 'key'>): string {
  return `{{${ref.name}.${ref.key}}}`;
}

/**
 * True for a value that looks like a reference but is not one: `{{foo}}`, `{{a.b`, `{{}}`, `<<a.b}}`, ` {{a.b}}`,
 * `Bearer {{tok.value}}` (a reference must be the whole value). The caller turns it into an error naming the key.
 */
export function isMalformedSecretRef(value: string): boolean {
  if (parseSecretRef(value)) return false;
  const v = value.trim();
  return (
    v.startsWith('{{') || v.startsWith('<<') || v.endsWith('}}') || v.endsWith('>>') || /\{\{.*\}\}|<<.*>>/.test(v)
  );
}

/** Keys whose literal values are secrets: masked like resolved values. `headers` values are `k=v,...`. */
export function isSecretLookingKey(key: string): boolean {
  return /(^|_)(key|token|secret|password|passwd|headers|authorization)$/i.test(key);
}

function isHeadersKey(key: string): boolean {
  return /(^|_)headers$/i.test(key);
}

/** Registers a secret value; for a `headers` key also each header value, which is printed on its own. */
function register(redactor: Redactor, configKey: string, value: string): void {
  redactor.add(value);
  if (!isHeadersKey(configKey)) return;
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq !== -1) redactor.add(pair.slice(eq + 1).trim());
  }
}

export type SecretRefProblem = 'missing-secret' | 'missing-key' | 'malformed';

/** A reference that cannot be resolved. Names the reference and the keys that exist, never a value. */
export class SecretRefError extends SecretError {
  constructor(
    readonly problem: SecretRefProblem,
    /** The config key holding the reference. */
    readonly configKey: string,
    /** The reference as written. */
    readonly reference: string,
    /** Keys of the secret (missing-key) or names of the secrets (missing-secret) that do exist. */
    readonly existing: readonly string[],
    message: string,
    hint: string,
  ) {
    super(message, { hint });
  }
}

export interface ResolveDeps {
  /**
   * The backend that holds secret `name` (the one it was made in); called only for references the environment does
   * not satisfy.
   */
  backend: (name: string) => SecretBackend | Promise<SecretBackend>;
  env: NodeJS.ProcessEnv;
}

export interface ResolveSecretRefsDeps extends ResolveDeps {
  redactor: Redactor;
  /** Which literal values to register with the redactor; default isSecretLookingKey. */
  isSecretKey?: (configKey: string) => boolean;
}

export type RefStatus = 'ok' | SecretRefProblem | 'backend-unreachable';

/** One reference's state, for `describe --resolve-check`: never a value. */
export interface RefCheck {
  /** The config key holding the reference. */
  key: string;
  /** The reference as written. */
  reference: string;
  ok: boolean;
  status: RefStatus;
  secret?: string;
  secretKey?: string;
  /** Where the value was found. */
  source?: 'env' | SecretBackend['kind'];
  /** The env var that would satisfy the reference. */
  envVar?: string;
  /** Why it failed, one line. */
  message?: string;
}

interface Outcome {
  configKey: string;
  raw: string;
  ref?: SecretRef;
  value?: string;
  source?: RefCheck['source'];
  error?: SecretError;
}

/** Looks every reference up, the environment first, each secret fetched at most once. */
async function lookUp(values: Record<string, string>, deps: ResolveDeps): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const [configKey, raw] of Object.entries(values)) {
    const ref = parseSecretRef(raw);
    if (ref) {
      const fromEnv = envSecretValue(deps.env, ref.name, ref.key);
      outcomes.push(
        fromEnv === undefined ? { configKey, raw, ref } : { configKey, raw, ref, value: fromEnv, source: 'env' },
      );
    } else if (isMalformedSecretRef(raw)) {
      outcomes.push({ configKey, raw, error: malformed(configKey, raw) });
    }
  }
  const pending = outcomes.filter((o) => o.ref && o.value === undefined && !o.error);
  if (pending.length === 0) return outcomes;

  // Each secret is read from the backend it lives in; a backend that cannot be reached fails every reference to it.
  const failedKinds = new Map<string, SecretError>();
  const secrets = new Map<string, SecretValues | undefined>();
  const names = new Map<string, string[]>();
  for (const o of pending) {
    const ref = o.ref!;
    let backend: SecretBackend;
    try {
      backend = await deps.backend(ref.name);
    } catch (err) {
      if (!(err instanceof SecretError)) throw err; // e.g. the UsageError for a bad DD_LOGSTORE_SECRETS_BACKEND
      o.error = err;
      continue;
    }
    const failed = failedKinds.get(backend.kind);
    if (failed) {
      o.error = failed;
      continue;
    }
    if (!secrets.has(ref.name)) {
      try {
        secrets.set(ref.name, await backend.get(ref.name));
      } catch (err) {
        const e = withEnvHint(asSecretError(err), pending);
        failedKinds.set(backend.kind, e);
        o.error = e;
        continue;
      }
    }
    const secret = secrets.get(ref.name);
    if (secret === undefined) {
      if (!names.has(backend.kind)) names.set(backend.kind, (await backend.list?.().catch(() => undefined)) ?? []);
      o.error = missingSecret(o, ref, backend, names.get(backend.kind) ?? []);
    } else if (!Object.hasOwn(secret, ref.key)) {
      o.error = missingKey(o, ref, Object.keys(secret).sort());
    } else {
      o.value = secret[ref.key];
      o.source = backend.kind;
    }
  }
  return outcomes;
}

/**
 * Returns `values` with every reference replaced by its value. Registers every resolved value, every literal value
 * of a secret-looking key and every URL's password with the redactor. Throws SecretRefError for a malformed reference or a missing secret or
 * key, and the backend's SecretError when it cannot be reached.
 */
export async function resolveSecretRefs(
  values: Record<string, string>,
  deps: ResolveSecretRefsDeps,
): Promise<Record<string, string>> {
  const isSecretKey = deps.isSecretKey ?? isSecretLookingKey;
  for (const [configKey, raw] of Object.entries(values)) {
    if (raw !== '' && isSecretKey(configKey) && !parseSecretRef(raw)) register(deps.redactor, configKey, raw);
    for (const password of urlPasswords(raw)) deps.redactor.add(password);
  }
  const outcomes = await lookUp(values, deps);
  const out = { ...values };
  for (const o of outcomes) if (o.value !== undefined) register(deps.redactor, o.configKey, o.value);
  const failed = outcomes.find((o) => o.error);
  if (failed?.error) throw failed.error;
  for (const o of outcomes) if (o.value !== undefined) out[o.configKey] = o.value;
  return out;
}

/** Per-reference status without values, for `describe --resolve-check`. Never throws for a reference's failure. */
export async function checkSecretRefs(values: Record<string, string>, deps: ResolveDeps): Promise<RefCheck[]> {
  const outcomes = await lookUp(values, deps);
  return outcomes.map((o) => {
    const check: RefCheck = { key: o.configKey, reference: o.raw, ok: !o.error, status: 'ok' };
    if (o.ref) {
      check.secret = o.ref.name;
      check.secretKey = o.ref.key;
      check.envVar = envSecretName(o.ref.name, o.ref.key);
    }
    if (o.source) check.source = o.source;
    if (o.error) {
      check.status = o.error instanceof SecretRefError ? o.error.problem : 'backend-unreachable';
      check.message = o.error.hint ? `${o.error.message} (${o.error.hint})` : o.error.message;
    }
    return check;
  });
}

function malformed(configKey: string, raw: string): SecretRefError {
  return new SecretRefError(
    'malformed',
    configKey,
    raw,
    [],
    `${configKey} holds a malformed secret reference '${raw}'`,
    'a reference is the whole value, written {{secret_name.key}}, e.g. {{datadog_keys.api_key}}',
  );
}

function missingSecret(o: Outcome, ref: SecretRef, backend: SecretBackend, names: string[]): SecretRefError {
  const existing = names.length ? `; secrets there: ${names.join(', ')}` : '';
  return new SecretRefError(
    'missing-secret',
    o.configKey,
    o.raw,
    names,
    `${o.configKey} refers to ${o.raw}, but secret '${ref.name}' does not exist in ${backend.location}`,
    `create it: dd-logstore secret create ${ref.name} --${ref.key}=..., or set ${envSecretName(ref.name, ref.key)}${existing}`,
  );
}

function missingKey(o: Outcome, ref: SecretRef, keys: string[]): SecretRefError {
  const has = keys.length ? `its keys: ${keys.join(', ')}` : 'it has no keys';
  return new SecretRefError(
    'missing-key',
    o.configKey,
    o.raw,
    keys,
    `${o.configKey} refers to ${o.raw}, but secret '${ref.name}' has no key '${ref.key}' (${has})`,
    `add it: dd-logstore secret update ${ref.name} --${ref.key}=..., or set ${envSecretName(ref.name, ref.key)}`,
  );
}

function asSecretError(err: unknown): SecretError {
  if (err instanceof SecretError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new SecretError(`the secret backend failed: ${text}`, { cause: err });
}

/** A keychain that cannot be reached: the hint names the env vars that would satisfy this config without it. */
function withEnvHint(err: SecretError, pending: Outcome[]): SecretError {
  if (!(err instanceof KeychainUnavailableError)) return err;
  const vars = [...new Set(pending.map((o) => envSecretName(o.ref!.name, o.ref!.key)))];
  return new KeychainUnavailableError(err.problem, err.message, {
    hint: `${err.hint ?? ''}; this config needs ${vars.join(', ')}`,
    cause: err.cause,
  });
}
