/**
 * Datadog sites and the routes dd-logstore uses on them. This is the only module that knows a Datadog host name
 * (architecture rule 9, after datadog-ci's `datadog-route.ts`): everything else asks it for URLs.
 */
export const DEFAULT_DATADOG_SITE = 'datadoghq.com';

/** Datadog's sites (docs.datadoghq.com/getting_started/site): US1, US3, US5, EU1, AP1, AP2, UK1, US1-FED. */
export const DATADOG_SITES: readonly string[] = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'uk1.datadoghq.com',
  'ddog-gov.com',
];

/** The domains Datadog's sites live under: a new region is `<region>.<one of these>`. */
const SITE_DOMAINS = ['datadoghq.com', 'datadoghq.eu', 'ddog-gov.com'];

/**
 * A `site` value checked: one of the sites, an unknown site of the same shape (taken with a warning: a new region
 * must not need a release), or not a site at all (a URL, a UI or API host name, a typo).
 */
export type SiteCheck =
  | { kind: 'known'; site: string }
  | { kind: 'unknown'; site: string; guess: string | undefined }
  | { kind: 'invalid'; guess: string | undefined };

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const SITE_SHAPE = new RegExp(`^(?:${LABEL}\\.)+(?:${SITE_DOMAINS.map((d) => d.replace(/[.-]/g, '\\$&')).join('|')})$`);
/** Host prefixes that are a site's services, not a region: `app.datadoghq.com` is US1's web UI. */
const SERVICE_PREFIX = /^(?:app|api|http-intake\.logs|otlp)\./;

export function checkDatadogSite(raw: string, guessFrom: (s: string) => string | undefined): SiteCheck {
  const site = raw.trim().toLowerCase();
  if (isDatadogSite(site)) return { kind: 'known', site };
  // What the user probably meant: the host of a URL, without a service prefix, if that is a site.
  let host = site.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.split(/[/?#:]/)[0] ?? host;
  const bare = host.replace(SERVICE_PREFIX, '');
  const guess = isDatadogSite(bare) ? bare : isDatadogSite(host) ? host : guessFrom(bare);
  if (host === site && SITE_SHAPE.test(site) && !SERVICE_PREFIX.test(site)) return { kind: 'unknown', site, guess };
  return { kind: 'invalid', guess };
}

export interface DatadogRoutes {
  site: string;
  /** `{intake}/api/v2/logs`, intake = `https://http-intake.logs.<site>` or the `intake_url` override. */
  intakeLogsUrl: string;
  /** `https://otlp.<site>/v1/logs`, or `{intake_url}/v1/logs` with the override. */
  otlpLogsUrl: string;
  /** `{api}/api/v1/validate`, api = `https://api.<site>` or the `api_url` override. */
  validateUrl: string;
  /** `{api}/api/v2/logs/events/search` (POST). */
  searchUrl: string;
  /** `{api}/api/v2/logs/events` (GET). */
  eventsUrl: string;
}

export function isDatadogSite(s: string): boolean {
  return DATADOG_SITES.includes(s);
}

function trimSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 47 /* / */) end--;
  return url.slice(0, end);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

/** The URLs for a site, with `intakeUrl` / `apiUrl` overriding the site's hosts (for proxies and the emulator). */
export function resolveDatadogRoutes(opts: { site: string; intakeUrl?: string; apiUrl?: string }): DatadogRoutes {
  const site = opts.site;
  const intakeOverride = nonEmpty(opts.intakeUrl);
  const apiOverride = nonEmpty(opts.apiUrl);
  const intake = intakeOverride !== undefined ? trimSlashes(intakeOverride) : `https://http-intake.logs.${site}`;
  const otlpBase = intakeOverride !== undefined ? trimSlashes(intakeOverride) : `https://otlp.${site}`;
  const api = apiOverride !== undefined ? trimSlashes(apiOverride) : `https://api.${site}`;
  return {
    site,
    intakeLogsUrl: `${intake}/api/v2/logs`,
    otlpLogsUrl: `${otlpBase}/v1/logs`,
    validateUrl: `${api}/api/v1/validate`,
    searchUrl: `${api}/api/v2/logs/events/search`,
    eventsUrl: `${api}/api/v2/logs/events`,
  };
}

/**
 * The web app of a site, where the Logs Explorer lives: `https://app.datadoghq.eu`, `https://us3.datadoghq.com` (a
 * site with its own sub-domain is its app's host, as datadog-ci's `getCommonAppBaseURL` has it), `https://app.ddog-gov.com`.
 */
export function datadogAppUrl(site: string): string {
  return site.split('.').length === 3 ? `https://${site}` : `https://app.${site}`;
}

/** The Logs Explorer showing `query` over [fromMs, toMs]: the page `logs --web` opens. */
export function logsExplorerUrl(site: string, query: string, fromMs: number, toMs: number): string {
  const params = new URLSearchParams({
    query,
    from_ts: String(Math.trunc(fromMs)),
    to_ts: String(Math.trunc(toMs)),
    live: 'false',
  });
  return `${datadogAppUrl(site)}/logs?${params.toString()}`;
}
