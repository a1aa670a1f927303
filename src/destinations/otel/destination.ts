/** The otel flavor: OTLP/HTTP to any collector. It ships only: there is nothing to read back. */
import { CliError } from '../../core/errors.js';
import { parseHeaders } from '../../store/flavors.js';
import { capForHttpIntake } from '../http-limits.js';
import type { Destination } from '../destination.js';
import { skipped } from '../check-row.js';
import type { OtelSettings } from './settings.js';
import { OTEL_SPEC } from './config.js';
import { createOtlpExporter } from './exporter.js';
import { createOtlpSpoolExporter } from './spool-exporter.js';

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

export const otelDestination: Destination<OtelSettings> = {
  spec: OTEL_SPEC,
  resolve: ({ common, raw, values, redactor }) => {
    // Headers are one reference holding `k=v,...` (resolved as `headers`), or pairs whose values may be references.
    const pairs: [string, string][] =
      values.headers !== undefined
        ? parseHeaders(values.headers)
        : parseHeaders(String(raw.headers ?? '')).map(([n]) => [n, values[`headers[${n}]`] ?? '']);
    const headers = resolvedHeaders(pairs, common.component.name);
    for (const value of Object.values(headers)) redactor.add(value);
    const endpoint = (values.endpoint ?? '').replace(/\/+$/, '');
    return {
      ...common,
      flavor: 'otel',
      endpoint: /\/v1\/logs$/.test(endpoint) ? endpoint : `${endpoint}/v1/logs`,
      headers,
      protocol: values.protocol === 'http/json' ? 'http/json' : 'http/protobuf',
      compression: values.compression === 'none' ? 'none' : 'gzip',
    };
  },
  batching: capForHttpIntake,
  journaled: true,
  // Nothing to follow (it cannot read back); the numbers only keep the shape.
  follow: { intervalMs: 2000, holdMs: (s, intervalMs) => intervalMs + s.batching.scheduleDelayMillis },
  recordsKeptBy: (component) => `the OTLP endpoint of '${component.name}'`,
  createExporter: (s, context, transport) =>
    createOtlpExporter({
      url: s.endpoint,
      headers: s.headers,
      protocol: s.protocol,
      compression: s.compression,
      context,
      transport: transport(),
    }),
  createSpoolExporter: (s, transport) =>
    createOtlpSpoolExporter(s.endpoint, s.headers, s.protocol, s.compression, transport()),
  // `verify` (node:net, the probes) loads on first use: `run` never needs it (docs/performance.md, start-up).
  verify: async (s) => (await import('./verify.js')).checkOtel(s),
  verifyWithoutSecrets: async () =>
    (await import('./verify.js')).OTEL_CHECKS.map((c) => skipped(c, 'the secret references must resolve first')),
  describeAuthFailure: (s, status) => ({
    where: `${s.endpoint} refused the credentials (HTTP ${status})`,
    fix: `check the headers of log store '${s.component.name}'`,
  }),
};
