/** The datadog flavor: logs intake v2 (or OTLP) to ship, Logs Search to read back. */
import { checkIntakeAnswers } from './intake-answer.js';
import { hasZstd, type Compression } from '../../pipeline/compression.js';
import type { Destination } from '../destination.js';
import type { DatadogSettings } from './settings.js';
import { capForHttpIntake } from '../http-limits.js';
import { createDatadogOtlpExporter } from './otlp-exporter.js';
import { DATADOG_SPEC } from './config.js';
import { createDatadogIntakeExporter } from './exporter.js';
import { createIntakeSpoolExporter } from './spool-exporter.js';
import { createOtlpSpoolExporter } from '../otel/spool-exporter.js';
import { MAX_RECORD_AGE_MS, MAX_RECORD_LEAD_MS } from './limits.js';
import { datadogSiteOf, runLogsUrl } from './logs-url.js';
import { shippedServiceOf } from '../../store/run-records.js';
import { DEFAULT_DATADOG_SITE, resolveDatadogRoutes } from './sites.js';

/** Reading back and `verify`, loaded on first use: `run` never needs them (docs/performance.md, start-up). */
const reading = () => import('./reading.js');

/**
 * zstd (the default, as the Datadog Agent and Vector send logs) where it can go: logs intake v2 on a runtime whose
 * node:zlib has it (Node >= 22.15). Elsewhere gzip; when the user asked for zstd by name, a warning says so.
 */
function datadogCompression(
  name: string,
  value: string | undefined,
  given: unknown,
  protocol: 'intake' | 'otlp',
  warn: (line: string) => void,
): Compression {
  if (value === 'none' || value === 'gzip') return value;
  if (protocol === 'intake' && hasZstd()) return 'zstd';
  if (given === 'zstd') {
    warn(
      protocol === 'otlp'
        ? `log store '${name}': compression=zstd is for protocol=intake; sending gzip over OTLP`
        : `log store '${name}': compression=zstd needs Node >= 22.15 (this is ${process.version}); sending gzip`,
    );
  }
  return 'gzip';
}

/** How often `logs --follow` searches: a search costs a request against the rate limit. */
const FOLLOW_INTERVAL_MS = 2000;
/** Time for a sent batch to be stored and indexed before the records around it are printed. */
const FOLLOW_HOLD_MARGIN_MS = 1000;

export const datadogDestination: Destination<DatadogSettings> = {
  spec: DATADOG_SPEC,
  resolve: ({ common, values, warn }) => {
    const site = values.site ?? DEFAULT_DATADOG_SITE;
    const protocol = values.protocol === 'otlp' ? 'otlp' : 'intake';
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
      protocol,
      compression: datadogCompression(
        common.component.name,
        values.compression,
        common.component.config.compression,
        protocol,
        warn,
      ),
    };
  },
  batching: capForHttpIntake,
  journaled: true,
  follow: {
    intervalMs: FOLLOW_INTERVAL_MS,
    holdMs: (s, intervalMs) => intervalMs + s.batching.scheduleDelayMillis + FOLLOW_HOLD_MARGIN_MS,
  },
  recordsKeptBy: () => 'Datadog',
  createExporter: (s, context, transport) =>
    s.protocol === 'intake'
      ? createDatadogIntakeExporter({
          url: s.routes.intakeLogsUrl,
          apiKey: s.apiKey,
          context,
          compression: s.compression,
          transport: transport(),
        })
      : createDatadogOtlpExporter({
          url: s.routes.otlpLogsUrl,
          apiKey: s.apiKey,
          compression: s.compression,
          context,
          transport: transport(),
        }),
  checkAnswers: (s, inner) => checkIntakeAnswers(inner, s.protocol),
  createSpoolExporter: (s, transport) =>
    s.protocol === 'intake'
      ? createIntakeSpoolExporter(s.routes.intakeLogsUrl, s.apiKey, s.compression, transport())
      : createOtlpSpoolExporter(
          s.routes.otlpLogsUrl,
          { 'dd-api-key': s.apiKey },
          'http/protobuf',
          s.compression,
          transport(),
          true,
        ),
  findsUnrecordedRuns: true,
  webUrl: (component, query) => {
    const where = datadogSiteOf(component);
    // Under the service the run shipped with, as `logs` reads it.
    const service = shippedServiceOf(query.run);
    return where ? runLogsUrl({ ...where, ...(service !== undefined ? { service } : {}), ...query }) : undefined;
  },
  timeWindow: { maxAgeMs: MAX_RECORD_AGE_MS, maxLeadMs: MAX_RECORD_LEAD_MS },
  verify: async (s, request, env) => (await reading()).checkDatadog(s, request, env),
  verifyWithoutSecrets: async (component, request) => (await reading()).verifyWithoutSecrets(component, request),
  createRunReader: async (s, env) => (await reading()).createDatadogReader(s, env),
  createRunPages: async (s, env) => (await reading()).createDatadogPages(s, env),
  describeAuthFailure: (s, status) => {
    // An intake_url of its own (a proxy, a relay): that is where the key was refused, not the site's own intake.
    if (s.component.config.intake_url !== undefined) {
      const at = new URL(s.routes.intakeLogsUrl).origin;
      return {
        where: `the intake at ${at} (intake_url) rejected the API key (HTTP ${status})`,
        fix: `check api_key of log store '${s.component.name}' and that its intake_url reaches Datadog's intake for its keys: dd-logstore log-store verify ${s.component.name}`,
      };
    }
    return {
      where: `Datadog rejected the API key (HTTP ${status}) on site ${s.site}`,
      fix: `check api_key of log store '${s.component.name}' and that ${s.site} is your Datadog site: dd-logstore log-store verify ${s.component.name}`,
    };
  },
};
