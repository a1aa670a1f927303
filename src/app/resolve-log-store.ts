/**
 * From a registered log store to what the exporters and readers need: its settings with defaults, secret references
 * resolved (and registered with the redactor), and the URLs of its site. `run`, `logs` and `verify` all come here.
 */
import { join } from 'node:path';
import { resolveDatadogRoutes } from '../destinations/datadog/sites.js';
import type { DatadogRoutes } from '../destinations/datadog/sites.js';
import { findFlavor, parseHeaders, splitList, withDefaults } from '../store/flavors.js';
import type { Component } from '../store/model.js';
import { parseSecretRef, resolveSecretRefs } from '../secrets/references.js';
import { packageVersion } from '../version.js';
import type { Factory } from './factory.js';
import { CliError } from '../core/errors.js';

/**
 * The local flavor has no batching keys: a write to a file costs little, and `logs --follow` and the ui show a
 * local run close to live (query.md: under a second), so its batches are written this soon.
 */
const LOCAL_SCHEDULE_DELAY_MS = 200;

export interface BatchingSettings {
  maxExportBatchSize: number;
  maxQueueSize: number;
  scheduleDelayMillis: number;
  exportTimeoutMillis: number;
}

interface Common {
  component: Component;
  serviceName: string;
  serviceVersion: string;
  source: string;
  tags: string[];
  batching: BatchingSettings;
}

export type ResolvedLogStore =
  | (Common & { flavor: 'local'; dir: string })
  | (Common & {
      flavor: 'datadog';
      apiKey: string;
      applicationKey: string;
      site: string;
      routes: DatadogRoutes;
      protocol: 'intake' | 'otlp';
      compression: 'gzip' | 'none';
    })
  | (Common & {
      flavor: 'otel';
      endpoint: string;
      headers: Record<string, string>;
      protocol: 'http/protobuf' | 'http/json';
      compression: 'gzip' | 'none';
    });

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

export async function resolveLogStoreSettings(f: Factory, component: Component): Promise<ResolvedLogStore> {
  const spec = findFlavor('log-store', component.flavor);
  // config.json edited by hand can lack a required key: say so now, not as an HTTP 401 after the child ran.
  const missing = spec.keys.filter((k) => k.required && (component.config[k.key] ?? '') === '').map((k) => k.key);
  if (missing.length > 0) {
    throw new CliError(
      `log store '${component.name}' has no ${missing.join(', ')} (required for flavor ${component.flavor})`,
      { hint: `set it: dd-logstore log-store update ${component.name} ${missing.map((k) => `--${k}=...`).join(' ')}` },
    );
  }
  const raw = withDefaults(spec, component.config);
  const strings = referenceStrings(raw);
  const wholeHeadersRef = strings.headers !== undefined;
  const headerPairs = wholeHeadersRef ? [] : parseHeaders(String(raw.headers ?? ''));
  const values = await resolveSecretRefs(strings, {
    backend: () => f.secretBackend(),
    env: f.env,
    redactor: f.io.redactor,
  });
  const num = (key: string): number => Number(values[key]);
  const common: Common = {
    component,
    serviceName: values.service_name ?? 'zenml',
    serviceVersion: values.service_version ?? packageVersion(),
    source: values.source ?? 'dd-logstore',
    tags: splitList(values.tags ?? ''),
    batching: {
      maxExportBatchSize: num('max_export_batch_size') || 500,
      maxQueueSize: num('max_queue_size') || 100000,
      scheduleDelayMillis: Number.isFinite(num('schedule_delay_millis'))
        ? num('schedule_delay_millis')
        : component.flavor === 'local'
          ? LOCAL_SCHEDULE_DELAY_MS
          : 5000,
      exportTimeoutMillis: num('export_timeout_millis') || 15000,
    },
  };
  switch (component.flavor) {
    case 'datadog': {
      const site = values.site ?? 'datadoghq.com';
      return {
        ...common,
        flavor: 'datadog',
        apiKey: values.api_key ?? '',
        applicationKey: values.application_key ?? '',
        site,
        routes: resolveDatadogRoutes({
          site,
          ...(values.intake_url ? { intakeUrl: values.intake_url } : {}),
          ...(values.api_url ? { apiUrl: values.api_url } : {}),
        }),
        protocol: values.protocol === 'otlp' ? 'otlp' : 'intake',
        compression: values.compression === 'none' ? 'none' : 'gzip',
      };
    }
    case 'otel': {
      const headers = resolvedHeaders(
        wholeHeadersRef
          ? parseHeaders(values.headers ?? '')
          : headerPairs.map(([n]) => [n, values[`headers[${n}]`] ?? '']),
        component.name,
      );
      for (const value of Object.values(headers)) f.io.redactor.add(value);
      const endpoint = (values.endpoint ?? '').replace(/\/+$/, '');
      return {
        ...common,
        flavor: 'otel',
        endpoint: /\/v1\/logs$/.test(endpoint) ? endpoint : `${endpoint}/v1/logs`,
        headers,
        protocol: values.protocol === 'http/json' ? 'http/json' : 'http/protobuf',
        compression: values.compression === 'none' ? 'none' : 'gzip',
      };
    }
    default:
      return { ...common, flavor: 'local', dir: values.path ?? join(f.paths().logs) };
  }
}

/** HTTP header names are tokens: checked once the values are known, so a bad one stops `run` before it starts. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function resolvedHeaders(pairs: [string, string][], logStore: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of pairs) {
    if (!HEADER_NAME.test(name)) {
      throw new CliError(`log store '${logStore}' has an invalid header name '${name}' in headers`, {
        hint: `write headers as name=value pairs separated by commas: dd-logstore log-store update ${logStore} --headers=...`,
      });
    }
    headers[name] = value;
  }
  return headers;
}
