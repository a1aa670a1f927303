/**
 * `log-store verify` for the datadog flavor: the hosts can be reached, the API key (`/api/v1/validate`), the
 * application key and its `logs_read_data` permission (a one-record search), and with `--roundtrip` one record sent
 * and read back, timing the indexing delay.
 */
import { randomUUID } from '../../core/random.js';
import { hostname } from 'node:os';
import { errorMessage } from '../../core/errors.js';
import {
  VERIFY_REQUEST_TIMEOUT_MS,
  bodySnippet,
  hostPort,
  origin,
  probeHost,
  unreachableDetail,
} from '../../core/http/probe.js';
import type { Probe } from '../../core/http/probe.js';
import { parseSecretRef } from '../../secrets/references.js';
import { envSecretName } from '../../secrets/env-secrets.js';
import { createHttpTransport } from '../../core/http/transport.js';
import { createRetryingTransport } from '../../core/http/retrying-transport.js';
import type { LogRecordData, StreamContext } from '../../core/log-record.js';
import type { Exporter } from '../../pipeline/exporter.js';
import { createDatadogIntakeExporter } from './exporter.js';
import { checkIntakeAnswers, NOT_THE_INTAKES_ANSWER } from './intake-answer.js';
import { createDatadogOtlpExporter } from './otlp-exporter.js';
import type { Component } from '../../store/model.js';
import { row, skipped } from '../check-row.js';
import type { CheckRow, VerifyRequest } from '../check-row.js';
import type { VerifyEnv } from '../destination.js';
import { searchLogs, searchTime, validateApiKey } from './api-client.js';
import type { DatadogOutcome } from './api-client.js';
import type { DatadogSettings } from './settings.js';
import { DATADOG_SITES, DEFAULT_DATADOG_SITE, resolveDatadogRoutes } from './sites.js';
import type { DatadogRoutes } from './sites.js';

/** The tag on the roundtrip's record, so it is easy to find or to exclude from dashboards and monitors. */
export const VERIFY_TAG = 'dd_logstore.verify:true';

/** The longest rate-limit reset the application key check waits out (once) before it reports it. */
const RATE_LIMIT_WAIT_LIMIT_S = 10;
/** How often `--roundtrip` searches for its record. */
export const ROUNDTRIP_POLL_MS = 500;

function networkHint(key: 'api_url' | 'intake_url', name: string, site?: string, overridden = false): string {
  if (overridden)
    return `${key} overrides the site's host: is the proxy or emulator it names running? (dd-logstore log-store update ${name} --${key}=URL)`;
  return (
    `check DNS, firewall and proxy access to that host from here; is ${site ?? 'the site'} your Datadog site? ` +
    `Behind a proxy: dd-logstore log-store update ${name} --${key}=URL`
  );
}

/** The user set this host (a proxy, the emulator) instead of the site's. */
function isOverridden(component: Component, key: 'api_url' | 'intake_url'): boolean {
  return typeof component.config[key] === 'string';
}

/** A TCP connection to the API host and to the intake host; they need no secret. */
async function datadogNetworkRows(
  routes: DatadogRoutes,
  protocol: 'intake' | 'otlp',
  site: string,
  component: Component,
): Promise<{ rows: CheckRow[]; api: Probe; intake: Probe; shipUrl: string }> {
  const shipUrl = protocol === 'otlp' ? routes.otlpLogsUrl : routes.intakeLogsUrl;
  const [api, intake] = await Promise.all([probeHost(routes.validateUrl), probeHost(shipUrl)]);
  const rows = [
    api.ok
      ? row('network: api', 'ok', `${hostPort(routes.validateUrl)} accepts connections (${api.ms} ms)`)
      : row(
          'network: api',
          'FAILED',
          unreachableDetail(routes.validateUrl, api.problem),
          networkHint('api_url', component.name, site, isOverridden(component, 'api_url')),
        ),
    intake.ok
      ? row('network: intake', 'ok', `${hostPort(shipUrl)} accepts connections (${intake.ms} ms)`)
      : row(
          'network: intake',
          'FAILED',
          unreachableDetail(shipUrl, intake.problem),
          networkHint('intake_url', component.name, site, isOverridden(component, 'intake_url')),
        ),
  ];
  return { rows, api, intake, shipUrl };
}

/**
 * The network checks of a datadog log store whose secret references do not resolve: the hosts come from the site
 * and the URL overrides, which need no secret (unless they are references themselves).
 */
export async function networkWithoutSecrets(component: Component): Promise<CheckRow[] | undefined> {
  const c = component.config;
  const plain = (key: string): string | undefined => {
    const v = c[key];
    return typeof v === 'string' && parseSecretRef(v) === undefined ? v : undefined;
  };
  if (['site', 'intake_url', 'api_url'].some((k) => c[k] !== undefined && plain(k) === undefined)) return undefined;
  const site = plain('site') ?? DEFAULT_DATADOG_SITE;
  const intakeUrl = plain('intake_url');
  const apiUrl = plain('api_url');
  const routes = resolveDatadogRoutes({ site, ...(intakeUrl ? { intakeUrl } : {}), ...(apiUrl ? { apiUrl } : {}) });
  return (await datadogNetworkRows(routes, plain('protocol') === 'otlp' ? 'otlp' : 'intake', site, component)).rows;
}

export async function checkDatadog(s: DatadogSettings, opts: VerifyRequest, env: VerifyEnv): Promise<CheckRow[]> {
  const component = s.component;
  const rows: CheckRow[] = [];
  // 4 (first, because every later check needs it). Network: a TCP connection to each host.
  const net = await datadogNetworkRows(s.routes, s.protocol, s.site, component);
  rows.push(...net.rows);
  const { api, intake, shipUrl } = net;

  // 2. API key.
  let apiKeyOk = false;
  if (!api.ok) rows.push(skipped('api key', `${hostPort(s.routes.validateUrl)} cannot be reached`));
  else {
    const outcome = await validateApiKey(s.routes, s.apiKey, { timeoutMs: VERIFY_REQUEST_TIMEOUT_MS });
    if (outcome.kind === 'ok' && outcome.value.valid) {
      apiKeyOk = true;
      rows.push(row('api key', 'ok', `accepted by ${s.site}${viaOverride(s, isOverridden(component, 'api_url'))}`));
    } else if (outcome.kind === 'ok' || outcome.kind === 'auth') {
      rows.push(
        row(
          'api key',
          'FAILED',
          `the API key was rejected by ${s.site} (${outcome.kind === 'auth' ? `HTTP ${outcome.status}` : 'valid: false'}` +
            `${isOverridden(component, 'api_url') ? `, through api_url ${origin(s.routes.validateUrl)}` : ''}): ` +
            `is ${s.site} your Datadog site? ` +
            'A key only works on the site of its organization',
          `check the key in Organization Settings -> API Keys; if your account is on another site: ` +
            `dd-logstore log-store update ${component.name} --site=SITE (${DATADOG_SITES.join(', ')})`,
        ),
      );
    } else rows.push(outcomeFailure('api key', outcome, s, s.routes.validateUrl, isOverridden(component, 'api_url')));
  }

  // 3. Application key and logs_read_data: a one-record search over the last 15 minutes.
  let appKeyOk = false;
  if (!api.ok) rows.push(skipped('application key', `${hostPort(s.routes.searchUrl)} cannot be reached`));
  else if (!apiKeyOk) rows.push(skipped('application key', 'a search needs a valid API key too'));
  else {
    const search = () =>
      searchLogs(
        s.routes,
        { apiKey: s.apiKey, appKey: s.applicationKey },
        { filter: { query: '*', from: 'now-15m', to: 'now' }, page: { limit: 1 } },
        { timeoutMs: VERIFY_REQUEST_TIMEOUT_MS },
      );
    let outcome = await search();
    // Rate limited is not refused: waited out once when the limit resets soon, as `logs` waits (it read as a bad key,
    // and the roundtrip was then skipped as needing valid keys).
    if (outcome.kind === 'rate_limited' && outcome.resetSeconds <= RATE_LIMIT_WAIT_LIMIT_S) {
      env.note(`Datadog rate limit reached; waiting ${outcome.resetSeconds}s (X-RateLimit-Reset)`);
      await env.sleep(outcome.resetSeconds * 1000);
      outcome = await search();
    }
    if (outcome.kind === 'ok') {
      appKeyOk = true;
      const seen = outcome.value.data.length ? 'records found' : 'no records';
      rows.push(
        row('application key', 'ok', `can search logs on ${s.site} (logs_read_data; ${seen} in the last 15 minutes)`),
      );
    } else if (outcome.kind === 'auth') {
      rows.push(
        row(
          'application key',
          'FAILED',
          `the application key was refused by ${s.site} (HTTP ${outcome.status}): it lacks the logs_read_data ` +
            `permission (the logs_read scope of a scoped key), or it is not a key of the organization the API key ` +
            `belongs to on ${s.site}`,
          'check the key in Organization Settings -> Application Keys: its owner (or its scopes) must have ' +
            `logs_read_data; then ${setApplicationKey(component)}`,
        ),
      );
    } else
      rows.push(outcomeFailure('application key', outcome, s, s.routes.searchUrl, isOverridden(component, 'api_url')));
  }

  // 5. Roundtrip.
  if (opts.roundtrip) {
    if (!intake.ok) rows.push(skipped('roundtrip', `${hostPort(shipUrl)} cannot be reached`));
    else if (!apiKeyOk || !appKeyOk) rows.push(skipped('roundtrip', 'needs a valid API key and application key'));
    else rows.push(await roundtrip(s, opts.timeoutMs, env));
  }
  return rows;
}

/** How to give the log store another application key: its secret's key (or the variable that wins), else the store. */
function setApplicationKey(component: Component): string {
  const value = component.config.application_key;
  const ref = typeof value === 'string' ? parseSecretRef(value) : undefined;
  return ref === undefined
    ? `dd-logstore log-store update ${component.name} --application_key=...`
    : `dd-logstore secret update ${ref.name} --${ref.key}=... (or ${envSecretName(ref.name, ref.key)}, which wins when set)`;
}

function viaOverride(s: DatadogSettings, overridden: boolean): string {
  return overridden ? ` (through api_url ${origin(s.routes.validateUrl)})` : '';
}

function outcomeFailure(
  check: string,
  outcome: Exclude<DatadogOutcome<unknown>, { kind: 'ok' } | { kind: 'auth' }>,
  s: DatadogSettings,
  url: string,
  overridden: boolean,
): CheckRow {
  switch (outcome.kind) {
    case 'network':
      return row(
        check,
        'FAILED',
        unreachableDetail(url, errorMessage(outcome.error)),
        networkHint('api_url', s.component.name, s.site, overridden),
      );
    case 'rate_limited':
      return row(
        check,
        'FAILED',
        `rate limited by ${s.site} (HTTP 429; the window resets in ${outcome.resetSeconds} s)`,
        'wait and run verify again; other readers of this organization share the limit',
      );
    case 'http':
      return row(
        check,
        'FAILED',
        `${url} answered HTTP ${outcome.status}${bodySnippet(outcome.body)}`,
        outcome.status >= 500
          ? 'a server-side error: retry in a minute'
          : overridden
            ? 'api_url does not look like a Datadog API: check it with dd-logstore log-store describe'
            : 'run again with --debug and report it',
      );
  }
}

async function roundtrip(s: DatadogSettings, timeoutMs: number, env: VerifyEnv): Promise<CheckRow> {
  const component = s.component;
  const check = 'roundtrip';
  const verifyId = randomUUID();
  const sentAt = Date.now();
  // Sent the way `run` sends: the exporter of the store's protocol (logs intake v2, or OTLP to /v1/logs: a store
  // that ships OTLP was checked on the intake's route, which told nothing of its own), its serializer, the configured
  // compression, and the same check of the answer (an HTTP 200 of a login page is no intake's answer).
  const context: StreamContext = {
    runId: `verify-${verifyId}`,
    logId: verifyId,
    logSource: 'run',
    logStoreId: component.id,
    logStoreName: component.name,
    tags: [...s.tags, VERIFY_TAG],
    service: s.serviceName,
    serviceVersion: s.serviceVersion,
    hostname: hostname(),
    source: s.source,
  };
  // As run sends: a 429 or 5xx retried (it failed the roundtrip at once), and --timeout bounding the send with its
  // retries (each attempt could take 15 s whatever --timeout said); an attempt may take all of it, as flush's may.
  // The answer is checked outside the retries: a proxy's login page does not go away in seconds.
  const transport = checkIntakeAnswers(
    createRetryingTransport(
      createHttpTransport({ timeoutMs: Math.min(VERIFY_REQUEST_TIMEOUT_MS, timeoutMs), connections: 1 }),
      { budgetMs: timeoutMs, budgetName: `--timeout ${timeoutMs / 1000}s`, policy: { attemptShare: 1 } },
    ),
    s.protocol,
  );
  const shipUrl = s.protocol === 'otlp' ? s.routes.otlpLogsUrl : s.routes.intakeLogsUrl;
  const record: LogRecordData = {
    timestamp: sentAt,
    seq: 0,
    stream: 'stdout',
    level: 'info',
    message: `dd-logstore log-store verify ${component.name}: roundtrip ${verifyId}`,
    attributes: { 'dd_logstore.verify_id': verifyId },
  };
  const started = env.nowMs();
  const sent =
    s.protocol === 'otlp'
      ? await sendOne(
          createDatadogOtlpExporter({ url: shipUrl, apiKey: s.apiKey, compression: s.compression, context, transport }),
          record,
        )
      : await sendOne(
          createDatadogIntakeExporter({
            url: shipUrl,
            apiKey: s.apiKey,
            context,
            compression: s.compression,
            transport,
          }),
          record,
        );
  if (sent.kind !== 'success' && sent.message.includes(NOT_THE_INTAKES_ANSWER)) {
    // Reached, but something else answered: not "cannot reach" (the network row just passed).
    return row(
      check,
      'FAILED',
      `something between here and ${shipUrl} answered instead of the intake: ${sent.message}`,
      isOverridden(component, 'intake_url')
        ? "intake_url overrides the site's host: does it name the intake, or a proxy that needs a login?"
        : "a proxy between here and Datadog may be answering: check HTTPS_PROXY and the proxy's rules for the intake host",
    );
  }
  if (sent.kind !== 'success' && sent.status === undefined) {
    return row(
      check,
      'FAILED',
      unreachableDetail(shipUrl, sent.message),
      networkHint('intake_url', s.component.name, s.site, isOverridden(component, 'intake_url')),
    );
  }
  if (sent.kind !== 'success') {
    return row(
      check,
      'FAILED',
      `the intake ${shipUrl} refused the record: ${sent.message}`,
      sent.status === 401 || sent.status === 403
        ? 'the intake rejected the API key the API accepted: intake_url and api_url may point at different sites'
        : sent.status === 429
          ? `the intake is rate limiting this key: run verify again later, or with a longer --timeout`
          : sent.status !== undefined && sent.status >= 500
            ? 'a 5xx is on the server side: run verify again later; --debug shows the answer'
            : 'run again with --debug to see the answer; a proxy between here and the intake may be refusing it',
    );
  }
  const acceptedMs = Math.round(env.nowMs() - started);
  // The record lands in the user's own service: say how to find it and how to keep it out of dashboards.
  env.note(
    `sent one record (dd_logstore.verify_id ${verifyId}) to service:${s.serviceName}, tagged ${VERIFY_TAG}; ` +
      `waiting up to ${timeoutMs / 1000} s to read it back\n` +
      `  find verify records: service:${s.serviceName} ${VERIFY_TAG}   exclude them: -${VERIFY_TAG}`,
  );

  const query = `@dd_logstore.verify_id:"${verifyId}"`;
  const window = 15 * 60_000;
  let searches = 0;
  for (;;) {
    const outcome = await searchLogs(
      s.routes,
      { apiKey: s.apiKey, appKey: s.applicationKey },
      { filter: { query, from: searchTime(sentAt - window), to: searchTime(sentAt + window) }, page: { limit: 1 } },
      // Within --timeout: a search that hangs ends with it (at least a second, for the last one).
      { timeoutMs: Math.max(1000, Math.min(VERIFY_REQUEST_TIMEOUT_MS, timeoutMs - (env.nowMs() - started))) },
    );
    searches++;
    const elapsed = Math.round(env.nowMs() - started);
    if (outcome.kind === 'ok' && outcome.value.data.length > 0) {
      return row(
        check,
        'ok',
        `record readable after ${elapsed} ms (indexing delay; intake answered in ${acceptedMs} ms, ${searches} ${searches === 1 ? 'search' : 'searches'})`,
      );
    }
    let wait = ROUNDTRIP_POLL_MS;
    if (outcome.kind === 'auth') {
      return row(check, 'FAILED', `the search was refused while waiting (HTTP ${outcome.status})`, 'run verify again');
    }
    if (outcome.kind === 'rate_limited') wait = Math.max(wait, outcome.resetSeconds * 1000);
    // The last search happens at the deadline; a rate-limit wait past it ends the wait now.
    const remaining = timeoutMs - elapsed;
    if (remaining <= 0 || (outcome.kind === 'rate_limited' && wait > remaining)) {
      return row(
        check,
        'FAILED',
        `the record was accepted but could not be read back within ${timeoutMs / 1000} s ` +
          `(query ${query}, ${searches} searches${outcome.kind === 'ok' ? '' : `, last: ${outcome.kind}`})`,
        'indexing can take minutes under load: retry with --timeout 5m; otherwise check index exclusion filters ' +
          `and daily quota for service:${s.serviceName}, and that both keys belong to one organization`,
      );
    }
    await env.sleep(Math.min(wait, remaining));
  }
}

/** One record through an exporter, as `run` would send it in a batch of one. */
async function sendOne<B>(exporter: Exporter<B>, record: LogRecordData): ReturnType<Exporter<B>['export']> {
  const batch = exporter.createBatch();
  batch.add(record, Number.POSITIVE_INFINITY);
  return exporter.export(batch.finish()).finally(() => exporter.shutdown());
}
