/**
 * The `verify a log store` use case: the secret references resolve, then the destination's own checks (hosts, keys,
 * permissions, the directory, an empty OTLP export; with `--roundtrip` a record sent and read back). Each row says
 * what is wrong and what to do; the command prints them and exits 1 when one failed.
 */
import type { Factory } from './factory.js';
import { SecretError } from '../core/errors.js';
import { componentDestination, referenceStrings, resolveLogStoreSettings } from './resolve-log-store.js';
import type { ResolvedLogStore } from './resolve-log-store.js';
import { row } from '../destinations/check-row.js';
import type { CheckRow, VerifyRequest } from '../destinations/check-row.js';
import { destinationOf } from '../destinations/index.js';
import { checkSecretRefs, parseSecretRef } from '../secrets/references.js';
import type { Component } from '../store/model.js';
import { findComponent } from '../store/find-component.js';

export type { CheckResult, CheckRow } from '../destinations/check-row.js';

export interface VerifyOptions extends VerifyRequest {
  name: string;
}

export interface VerifyResult {
  component: Component;
  rows: CheckRow[];
}

/** Runs every check of the named log store; the caller prints the rows. */
export async function verifyLogStore(
  f: Factory,
  opts: VerifyOptions,
  deps = SYSTEM_VERIFY_DEPS,
): Promise<VerifyResult> {
  const config = await f.configStore().read();
  const component = findComponent(config, 'log-store', opts.name);
  return { component, rows: await runChecks(f, component, opts, deps) };
}

/** Time and waiting, injected so the polling loop can be driven without sleeping (architecture rule 11). */
export interface VerifyDeps {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_VERIFY_DEPS: VerifyDeps = {
  nowMs: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function runChecks(
  f: Factory,
  component: Component,
  opts: VerifyRequest,
  deps: VerifyDeps = SYSTEM_VERIFY_DEPS,
): Promise<CheckRow[]> {
  const destination = componentDestination(component);
  const secrets = await checkSecrets(f, component);
  if (!secrets.settings) return [secrets.row, ...(await destination.verifyWithoutSecrets(component, opts))];
  const s = secrets.settings;
  if (opts.roundtrip && !destinationOf(s).createRunReader)
    f.io.err(`note: an ${s.flavor} endpoint is write-only, so --roundtrip has nothing to read back\n`);
  const env = { note: (line: string) => f.io.err(`${line}\n`), nowMs: deps.nowMs, sleep: deps.sleep };
  return [secrets.row, ...(await destinationOf(s).verify(s, opts, env))];
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Secret references

async function checkSecrets(
  f: Factory,
  component: Component,
): Promise<{ row: CheckRow; settings: ResolvedLogStore | undefined }> {
  const strings = referenceStrings(component.config);
  const refKeys = Object.keys(strings).filter((k) => parseSecretRef(strings[k] ?? '') !== undefined);
  const check = 'secret references';
  try {
    const settings = await resolveLogStoreSettings(f, component);
    const detail = refKeys.length
      ? `${refKeys.map((k) => `${k} (${strings[k]})`).join(', ')} resolve`
      : 'none: the configuration holds no {{secret.key}} references';
    return { row: row(check, 'ok', detail), settings };
  } catch (err) {
    if (!(err instanceof SecretError)) throw err;
    // Name every reference that fails, not only the first one resolve stopped at.
    const failing = (
      await checkSecretRefs(strings, { backend: (name) => f.secretBackendOf(name), env: f.env }).catch(() => [])
    ).filter((c) => !c.ok);
    const others = failing.filter((c) => !err.message.startsWith(`${c.key} `)).map((c) => `${c.key} (${c.reference})`);
    const more = others.length ? `; also failing: ${others.join(', ')}` : '';
    // The hint names the first one's variable; the others' too, so that CI can set them all at once.
    const hint = err.hint ?? 'dd-logstore secret list shows what exists';
    const named = new Set(hint.match(/DD_LOGSTORE_SECRET_\w+/g) ?? []);
    const extra = [...new Set(failing.flatMap((c) => (c.envVar !== undefined ? [c.envVar] : [])))].filter(
      (v) => !named.has(v),
    );
    return {
      row: row(check, 'FAILED', `${err.message}${more}`, extra.length ? `${hint}; also set ${extra.join(', ')}` : hint),
      settings: undefined,
    };
  }
}
