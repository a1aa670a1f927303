/**
 * The `verify a log store` use case: checks a log store end to end and says, for each
 * check, what is wrong and what to do. Datadog: secret references, the hosts can be reached, the API key
 * (`/api/v1/validate`), the application key and its `logs_read_data` permission (a one-record search), and with
 * `--roundtrip` one record sent and read back, timing the indexing delay. Local: the directory is writable. OTel: the
 * endpoint accepts an empty OTLP export. Exit 0 when every check passed, 1 otherwise.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Factory } from './factory.js';
import { SecretError, errorMessage } from '../core/errors.js';
import { referenceStrings, resolveLogStoreSettings } from './resolve-log-store.js';
import type { ResolvedLogStore } from './resolve-log-store.js';
import { searchLogs, validateApiKey } from '../destinations/datadog/api-client.js';
import type { DatadogOutcome } from '../destinations/datadog/api-client.js';
import { DATADOG_SITES, DEFAULT_DATADOG_SITE, resolveDatadogRoutes } from '../destinations/datadog/sites.js';
import type { DatadogRoutes } from '../destinations/datadog/sites.js';
import { checkSecretRefs, parseSecretRef } from '../secrets/references.js';
import { createHttpTransport } from '../core/http/transport.js';
import type { TransportResult } from '../core/http/transport.js';
import type { Component } from '../store/model.js';
import { findComponent } from '../store/find-component.js';

/** How often `--roundtrip` searches for its record. */
export const ROUNDTRIP_POLL_MS = 500;
const CONNECT_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;
const MAX_DETAIL_BODY = 200;

export type CheckResult = 'ok' | 'FAILED' | 'skipped';

export interface CheckRow {
  check: string;
  result: CheckResult;
  detail: string;
  /** What to do; empty when there is nothing to do. */
  hint: string;
}

export interface VerifyOptions {
  name: string;
  roundtrip: boolean;
  timeoutMs: number;
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
  opts: Pick<VerifyOptions, 'roundtrip' | 'timeoutMs'>,
  deps: VerifyDeps = SYSTEM_VERIFY_DEPS,
): Promise<CheckRow[]> {
  const secrets = await checkSecrets(f, component);
  if (!secrets.settings) {
    // The hosts can still be checked: that needs no secret.
    const network = component.flavor === 'datadog' ? await networkWithoutSecrets(component) : undefined;
    const later =
      component.flavor === 'datadog'
        ? [
            ...(network ? [] : ['network: api', 'network: intake']),
            'api key',
            'application key',
            ...(opts.roundtrip ? ['roundtrip'] : []),
          ]
        : component.flavor === 'otel'
          ? ['network: endpoint', 'otlp endpoint']
          : ['directory'];
    return [
      secrets.row,
      ...(network ?? []),
      ...later.map((check) => skipped(check, 'the secret references must resolve first')),
    ];
  }
  const s = secrets.settings;
  switch (s.flavor) {
    case 'local':
      return [secrets.row, await checkDirectory(s.dir, s.component.name)];
    case 'otel':
      if (opts.roundtrip) f.io.err('note: an otel endpoint is write-only, so --roundtrip has nothing to read back\n');
      return [secrets.row, ...(await checkOtel(s))];
    case 'datadog':
      return [secrets.row, ...(await checkDatadog(f, s, component, opts, deps))];
  }
}

function row(check: string, result: CheckResult, detail: string, hint = ''): CheckRow {
  return { check, result, detail, hint };
}

function skipped(check: string, why: string): CheckRow {
  return row(check, 'skipped', why);
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
    const others = (await checkSecretRefs(strings, { backend: () => f.secretBackend(), env: f.env }).catch(() => []))
      .filter((c) => !c.ok && !err.message.startsWith(`${c.key} `))
      .map((c) => `${c.key} (${c.reference})`);
    const more = others.length ? `; also failing: ${others.join(', ')}` : '';
    return {
      row: row(check, 'FAILED', `${err.message}${more}`, err.hint ?? 'dd-logstore secret list shows what exists'),
      settings: undefined,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Local and OTel

async function checkDirectory(dir: string, name: string): Promise<CheckRow> {
  const probe = join(dir, `.dd-logstore-verify-${randomUUID()}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, 'verify\n', { mode: 0o600 });
    const back = await readFile(probe, 'utf8');
    if (back !== 'verify\n') throw new Error('the file read back differs from what was written');
    return row('directory', 'ok', `${dir} is writable (a test file was written, read back and removed)`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return row(
      'directory',
      'FAILED',
      `cannot write to ${dir}: ${code ?? errorMessage(err)}`,
      `fix the permissions of that directory, or point the store elsewhere: dd-logstore log-store update ${name} --path=DIR`,
    );
  } finally {
    await rm(probe, { force: true });
  }
}

async function checkOtel(s: Extract<ResolvedLogStore, { flavor: 'otel' }>): Promise<CheckRow[]> {
  const net = await probeHost(s.endpoint);
  if (!net.ok) {
    return [
      row(
        'network: endpoint',
        'FAILED',
        unreachableDetail(s.endpoint, net.problem),
        networkHint('endpoint', s.component.name),
      ),
      skipped('otlp endpoint', 'the endpoint cannot be reached'),
    ];
  }
  const rows = [row('network: endpoint', 'ok', `${hostPort(s.endpoint)} accepts connections (${net.ms} ms)`)];
  // An empty ExportLogsServiceRequest: zero bytes in protobuf, `{}` in JSON. Nothing is stored on the other side.
  const json = s.protocol === 'http/json';
  const result = await postOnce(
    s.endpoint,
    {
      ...s.headers,
      'content-type': json ? 'application/json' : 'application/x-protobuf',
    },
    json ? '{}' : new Uint8Array(0),
  );
  if (result.kind === 'network-error') {
    rows.push(
      row(
        'otlp endpoint',
        'FAILED',
        unreachableDetail(s.endpoint, result.message),
        networkHint('endpoint', s.component.name),
      ),
    );
  } else if (result.status >= 200 && result.status < 300) {
    rows.push(
      row('otlp endpoint', 'ok', `an empty OTLP ${s.protocol} export to ${s.endpoint} got HTTP ${result.status}`),
    );
  } else if (result.status === 401 || result.status === 403) {
    rows.push(
      row(
        'otlp endpoint',
        'FAILED',
        `${s.endpoint} refused the request (HTTP ${result.status}${bodySnippet(result.body)})`,
        `check the authentication header: dd-logstore log-store update ${s.component.name} --headers=KEY={{secret.key}}`,
      ),
    );
  } else {
    const why =
      result.status === 404
        ? 'no OTLP logs receiver at that path'
        : result.status === 415
          ? `the endpoint does not accept ${s.protocol}`
          : 'the endpoint did not accept an OTLP export';
    rows.push(
      row(
        'otlp endpoint',
        'FAILED',
        `${s.endpoint} answered HTTP ${result.status}: ${why}${bodySnippet(result.body)}`,
        result.status === 415
          ? 'try the other encoding: --protocol=http/json or --protocol=http/protobuf'
          : `check the endpoint (an OTLP/HTTP receiver, usually port 4318, /v1/logs): dd-logstore log-store update ${s.component.name} --endpoint=URL`,
      ),
    );
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Datadog

type DatadogSettings = Extract<ResolvedLogStore, { flavor: 'datadog' }>;

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
async function networkWithoutSecrets(component: Component): Promise<CheckRow[] | undefined> {
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

async function checkDatadog(
  f: Factory,
  s: DatadogSettings,
  component: Component,
  opts: Pick<VerifyOptions, 'roundtrip' | 'timeoutMs'>,
  deps: VerifyDeps,
): Promise<CheckRow[]> {
  const rows: CheckRow[] = [];
  // 4 (first, because every later check needs it). Network: a TCP connection to each host.
  const net = await datadogNetworkRows(s.routes, s.protocol, s.site, component);
  rows.push(...net.rows);
  const { api, intake, shipUrl } = net;

  // 2. API key.
  let apiKeyOk = false;
  if (!api.ok) rows.push(skipped('api key', `${hostPort(s.routes.validateUrl)} cannot be reached`));
  else {
    const outcome = await validateApiKey(s.routes, s.apiKey, { timeoutMs: REQUEST_TIMEOUT_MS });
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
    const outcome = await searchLogs(
      s.routes,
      { apiKey: s.apiKey, appKey: s.applicationKey },
      { filter: { query: '*', from: 'now-15m', to: 'now' }, page: { limit: 1 } },
      { timeoutMs: REQUEST_TIMEOUT_MS },
    );
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
            `logs_read_data; then dd-logstore secret update ... --application_key=... (or log-store update ${component.name})`,
        ),
      );
    } else
      rows.push(outcomeFailure('application key', outcome, s, s.routes.searchUrl, isOverridden(component, 'api_url')));
  }

  // 5. Roundtrip.
  if (opts.roundtrip) {
    if (!intake.ok) rows.push(skipped('roundtrip', `${hostPort(shipUrl)} cannot be reached`));
    else if (!apiKeyOk || !appKeyOk) rows.push(skipped('roundtrip', 'needs a valid API key and application key'));
    else rows.push(await roundtrip(f, s, component, opts.timeoutMs, deps));
  }
  return rows;
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

async function roundtrip(
  f: Factory,
  s: DatadogSettings,
  component: Component,
  timeoutMs: number,
  deps: VerifyDeps,
): Promise<CheckRow> {
  const check = 'roundtrip';
  const verifyId = randomUUID();
  const sentAt = Date.now();
  // Always through logs intake v2, whatever `protocol` says: one small JSON item every API key may send.
  const item = {
    message: `dd-logstore log-store verify ${component.name}: roundtrip ${verifyId}`,
    status: 'info',
    service: s.serviceName,
    ddsource: s.source,
    ddtags: [...s.tags, 'dd_logstore_verify:true'].join(','),
    hostname: hostname(),
    timestamp: sentAt,
    dd_logstore: { verify_id: verifyId },
  };
  const started = deps.nowMs();
  const sent = await postOnce(
    s.routes.intakeLogsUrl,
    { 'content-type': 'application/json', 'dd-api-key': s.apiKey },
    JSON.stringify([item]),
  );
  if (sent.kind === 'network-error') {
    return row(
      check,
      'FAILED',
      unreachableDetail(s.routes.intakeLogsUrl, sent.message),
      networkHint('intake_url', s.component.name, s.site),
    );
  }
  if (sent.status < 200 || sent.status >= 300) {
    return row(
      check,
      'FAILED',
      `the intake ${s.routes.intakeLogsUrl} refused the record: HTTP ${sent.status}${bodySnippet(sent.body)}`,
      sent.status === 401 || sent.status === 403
        ? 'the intake rejected the API key the API accepted: intake_url and api_url may point at different sites'
        : 'run again with --debug; a 5xx is on the server side',
    );
  }
  const acceptedMs = Math.round(deps.nowMs() - started);
  f.io.err(
    `sent one record (dd_logstore.verify_id ${verifyId}); waiting up to ${timeoutMs / 1000} s to read it back\n`,
  );

  const query = `@dd_logstore.verify_id:"${verifyId}"`;
  const window = 15 * 60_000;
  let searches = 0;
  for (;;) {
    const outcome = await searchLogs(
      s.routes,
      { apiKey: s.apiKey, appKey: s.applicationKey },
      { filter: { query, from: sentAt - window, to: sentAt + window }, page: { limit: 1 } },
      { timeoutMs: REQUEST_TIMEOUT_MS },
    );
    searches++;
    const elapsed = Math.round(deps.nowMs() - started);
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
        `the record was accepted (HTTP ${sent.status}) but could not be read back within ${timeoutMs / 1000} s ` +
          `(query ${query}, ${searches} searches${outcome.kind === 'ok' ? '' : `, last: ${outcome.kind}`})`,
        'indexing can take minutes under load: retry with --timeout 5m; otherwise check index exclusion filters ' +
          `and daily quota for service:${s.serviceName}, and that both keys belong to one organization`,
      );
    }
    await deps.sleep(Math.min(wait, remaining));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Network helpers

type Probe = { ok: true; ms: number } | { ok: false; problem: string };

/** A TCP connection to the URL's host and port: DNS, refusal and timeouts, without sending anything. */
export function probeHost(url: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<Probe> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, problem: 'not a valid URL' });
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || (u.protocol === 'http:' ? 80 : 443));
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (p: Probe): void => {
      socket.destroy();
      resolve(p);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, problem: `ETIMEDOUT (no answer in ${timeoutMs / 1000} s)` }));
    socket.once('connect', () => done({ ok: true, ms: Math.round(performance.now() - started) }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, problem: err.code ?? err.message }));
  });
}

async function postOnce(
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
): Promise<TransportResult> {
  const transport = createHttpTransport({ timeoutMs: REQUEST_TIMEOUT_MS, connections: 1 });
  try {
    return await transport.send({ url, headers, body });
  } finally {
    await transport.close();
  }
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function hostPort(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === 'http:' ? '80' : '443')}`;
  } catch {
    return url;
  }
}

function unreachableDetail(url: string, problem: string): string {
  return `cannot reach ${url}: ${problem}`;
}

function networkHint(
  key: 'api_url' | 'intake_url' | 'endpoint',
  name: string,
  site?: string,
  overridden = false,
): string {
  if (key === 'endpoint')
    return `is the collector running and the endpoint right (dd-logstore log-store update ${name} --endpoint=URL)? Check firewalls and proxies on the way`;
  if (overridden)
    return `${key} overrides the site's host: is the proxy or emulator it names running? (dd-logstore log-store update ${name} --${key}=URL)`;
  return (
    `check DNS, firewall and proxy access to that host from here; is ${site ?? 'the site'} your Datadog site? ` +
    `Behind a proxy: dd-logstore log-store update ${name} --${key}=URL`
  );
}

function bodySnippet(body: string): string {
  const text = body.trim().replace(/\s+/g, ' ');
  if (text === '' || text === '{}') return '';
  return `: ${text.length > MAX_DETAIL_BODY ? `${text.slice(0, MAX_DETAIL_BODY)}...` : text}`;
}
