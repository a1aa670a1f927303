/**
 * From a registered log store to what the exporters and readers need: its settings with defaults, secret references
 * resolved (and registered with the redactor), and what its destination makes of them (hosts, paths). `run`, `logs`,
 * `flush` and `verify` all come here.
 */
import { CliError } from '../core/errors.js';
import { destinationNamed, isFlavor, LOG_STORE_SPECS } from '../destinations/index.js';
import type { ResolvedLogStore } from '../destinations/index.js';
import type { CommonSettings, Destination } from '../destinations/destination.js';
import { BATCHING_DEFAULTS } from '../destinations/shared-keys.js';
import { parseHeaders, splitList, storedValueProblem, withDefaults } from '../store/flavors.js';
import { didYouMean } from '../store/did-you-mean.js';
import type { Component } from '../store/model.js';
import { parseSecretRef, resolveSecretRefs } from '../secrets/references.js';
import { packageVersion } from '../version.js';
import type { Factory } from './factory.js';

export type { ResolvedLogStore } from '../destinations/index.js';

/**
 * A component's settings as the strings secret references are looked for in. Headers: either each value is a
 * reference (`dd-api-key={{otel.key}}`, checked as `headers[dd-api-key]`), or the whole list is one (`{{otel.headers}}`
 * holding `k=v,k=v`), resolved first and split after. `run`, `describe --resolve-check` and `verify` all use this.
 */
export function referenceStrings(config: Record<string, unknown>): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (k !== 'headers' && v !== undefined) strings[k] = String(v);
  const rawHeaders = config.headers === undefined ? '' : String(config.headers);
  if (parseSecretRef(rawHeaders) !== undefined) strings.headers = rawHeaders;
  else for (const [name, value] of parseHeaders(rawHeaders)) strings[`headers[${name}]`] = value;
  return strings;
}

/** The destination of a registered log store; a flavor edited by hand into config.json is named with the file. */
export function componentDestination(component: Component): Destination<ResolvedLogStore> {
  // Not as an unknown --flavor: the user never typed one.
  if (!isFlavor(component.flavor)) {
    const flavors = LOG_STORE_SPECS.map((spec) => spec.flavor);
    const guess = didYouMean(component.flavor, flavors);
    throw new CliError(
      `log store '${component.name}' in config.json has flavor '${component.flavor}', which is not a log store flavor`,
      { hint: `${guess ? `did you mean ${guess}? ` : ''}flavors: ${flavors.join(', ')}` },
    );
  }
  return destinationNamed(component.flavor);
}

export async function resolveLogStoreSettings(f: Factory, component: Component): Promise<ResolvedLogStore> {
  const destination = componentDestination(component);
  const spec = destination.spec;
  // config.json edited by hand can lack a required key: say so now, not as an HTTP 401 after the child ran.
  const missing = spec.keys.filter((k) => k.required && (component.config[k.key] ?? '') === '').map((k) => k.key);
  if (missing.length > 0) {
    throw new CliError(
      `log store '${component.name}' has no ${missing.join(', ')} (required for flavor ${component.flavor})`,
      { hint: `set it: dd-logstore log-store update ${component.name} ${missing.map((k) => `--${k}=...`).join(' ')}` },
    );
  }
  // A value edited by hand into config.json is checked like one given on the command line: one line, not a crash.
  for (const k of spec.keys) {
    const capped: string[] = [];
    const problem = storedValueProblem(k, component.config[k.key], capped);
    for (const line of capped) f.warn(`${f.paths().config}: log store '${component.name}': ${line}`);
    if (problem !== undefined) {
      throw new CliError(`${f.paths().config}: log store '${component.name}': ${problem}`, {
        hint: `fix it: dd-logstore log-store update ${component.name} --${k.key}=..., or edit the file`,
      });
    }
  }
  // A key the flavor does not know (a typo such as `pth` for `path`) would be ignored without a word, and the
  // default used instead: said, once per use, but not refused (a key an older version stored must not stop a run).
  const known = spec.keys.map((k) => k.key);
  for (const key of Object.keys(component.config)) {
    if (known.includes(key)) continue;
    const guess = didYouMean(key, known);
    f.warn(
      `${f.paths().config}: log store '${component.name}' has the key '${key}', which the ${component.flavor} flavor does not use: ignored` +
        (guess ? ` (did you mean '${guess}'?)` : ` (its keys: ${known.join(', ') || 'none'})`),
    );
  }
  const raw = withDefaults(spec, component.config);
  const values = await resolveSecretRefs(referenceStrings(raw), {
    backend: (name) => f.secretBackendOf(name),
    env: f.env,
    redactor: f.io.redactor,
  });
  const num = (key: string): number => Number(values[key]);
  const common: CommonSettings = {
    component,
    serviceName: values.service_name ?? 'zenml',
    serviceVersion: values.service_version ?? packageVersion(),
    source: values.source ?? 'dd-logstore',
    tags: splitList(values.tags ?? ''),
    batching: {
      maxExportBatchSize: num('max_export_batch_size') || BATCHING_DEFAULTS.maxExportBatchSize,
      maxQueueSize: num('max_queue_size') || BATCHING_DEFAULTS.maxQueueSize,
      scheduleDelayMillis: Number.isFinite(num('schedule_delay_millis'))
        ? num('schedule_delay_millis')
        : BATCHING_DEFAULTS.scheduleDelayMillis,
      exportTimeoutMillis: num('export_timeout_millis') || BATCHING_DEFAULTS.exportTimeoutMillis,
    },
  };
  return destination.resolve({
    common,
    raw,
    values,
    logsDir: f.paths().logs,
    redactor: f.io.redactor,
    warn: (line) => f.warn(line),
  });
}
