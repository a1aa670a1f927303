/**
 * Datadog sites and the routes dd-logstore uses on them. This is the only module that knows a Datadog host name
 * (architecture rule 9, after datadog-ci's `datadog-route.ts`): everything else asks it for URLs.
 */
export const DEFAULT_DATADOG_SITE = 'datadoghq.com';

export const DATADOG_SITES: readonly string[] = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'ddog-gov.com',
];

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
 * The Logs Explorer on a site's web app, showing `query` over [fromMs, toMs]: `app.<site>` for the two-label sites
 * (datadoghq.com, datadoghq.eu, ddog-gov.com), the site itself for the regional ones (us3.datadoghq.com, ...).
 */
export function logsExplorerUrl(site: string, query: string, fromMs: number, toMs: number): string {
  const host = site.split('.').length === 2 ? `app.${site}` : site;
  const params = new URLSearchParams({
    query,
    from_ts: String(Math.floor(fromMs)),
    to_ts: String(Math.ceil(toMs)),
    live: 'false',
  });
  return `https://${host}/logs?${params.toString()}`;
}
