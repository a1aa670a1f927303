/**
 * A thin typed client for the two Datadog API calls dd-logstore reads with: API key validation and Logs Search v2.
 * Outcomes are values (`ok | auth | rate_limited | http | network`), never exceptions, so callers decide how to
 * retry, wait or report. Requests go through the transport contract over Node's own http client (built in: nothing
 * to load, native parsing; see core/http/node-http-transport.ts), one kept-alive connection for every page `logs`
 * reads.
 */
import { createNodeHttpTransport } from '../../core/http/node-http-transport.js';
import type { Transport } from '../../core/http/transport.js';
import type { LogEntry } from '../../query/log-entry.js';
import { parseSearchAnswer } from './search-page.js';
import { scanSearchAnswer } from './search-scan.js';
import type { DatadogRoutes } from './sites.js';

export const SEARCH_REQUEST_TIMEOUT_MS = 30_000;
/** Used when a 429 carries neither `X-RateLimit-Reset` nor `Retry-After` (nor a period): wait, never spin. */
export const FALLBACK_RATE_LIMIT_WAIT_SECONDS = 1;
const MAX_ERROR_BODY_CHARS = 4000;

export interface DatadogRequestOptions {
  /** Whole request, headers and body included (default SEARCH_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Cancels the request (Ctrl-C); the outcome is then `network` with `timedOut: false`. */
  signal?: AbortSignal;
}

/** How a search page's records are wanted. */
export interface SearchReadOptions {
  /**
   * Read for `--output jsonl`: the page's common records with their lines as bytes and no attributes
   * (`LogsSearchResponse.scanned`, search-scan.ts); a page the scanner leaves is parsed as usual.
   */
  jsonlLines?: boolean;
}

/** Datadog's `X-RateLimit-*` headers; each field only when the header was present and numeric. */
export interface RateLimitInfo {
  limit?: number;
  period?: number;
  remaining?: number;
  /** Seconds until the window resets. */
  reset?: number;
  name?: string;
}

export type DatadogOutcome<T> =
  | { kind: 'ok'; status: number; value: T; rateLimit: RateLimitInfo | undefined }
  /** 401 / 403: a wrong key, an application key without `logs_read_data`, or the wrong site. */
  | { kind: 'auth'; status: number; body: string }
  /** 429: wait `resetSeconds` (from X-RateLimit-Reset, else Retry-After, else the period, else 1) and try again. */
  | {
      kind: 'rate_limited';
      status: number;
      resetSeconds: number;
      retryAfterSeconds: number | undefined;
      rateLimit: RateLimitInfo | undefined;
      body: string;
    }
  | { kind: 'http'; status: number; body: string }
  | { kind: 'network'; error: Error; timedOut: boolean };

export interface DatadogKeys {
  apiKey: string;
  appKey: string;
}

export interface LogsSearchRequest {
  /**
   * `from`/`to` are strings, as the API types them (ISO-8601, date math such as `now-15m`, or milliseconds in a
   * string); Datadog answers a number with a 400.
   */
  filter: { query?: string; from?: string; to?: string; indexes?: string[] };
  page?: { limit?: number; cursor?: string };
  sort?: 'timestamp' | '-timestamp';
}

/** A Logs Search time bound: ISO-8601 in UTC, the string form every Datadog tool reads. */
export function searchTime(ms: number): string {
  return new Date(ms).toISOString();
}

export interface LogsSearchEvent {
  id: string;
  type: string;
  attributes: {
    timestamp?: string;
    message?: string;
    status?: string;
    service?: string;
    host?: string;
    tags?: string[];
    /** Nested as Datadog returns them (`zenml.run.id` -> `{zenml: {run: {id}}}`); flat dotted keys also occur. */
    attributes?: Record<string, unknown>;
  };
}

export interface LogsSearchWarning {
  code?: string;
  title?: string;
  detail?: string;
}

export interface LogsSearchResponse {
  /** Empty when `scanned` holds the page's records. */
  data: LogsSearchEvent[];
  /** The page's records read by the byte scanner (SearchReadOptions.jsonlLines), in the page's order. */
  scanned?: LogEntry[];
  meta?: {
    page?: { after?: string };
    status?: 'done' | 'timeout' | string;
    elapsed?: number;
    request_id?: string;
    warnings?: LogsSearchWarning[];
  };
  links?: { next?: string };
}

export interface ValidateResponse {
  valid: boolean;
}

type HeaderBag = Record<string, string | string[] | undefined>;

function first(h: HeaderBag, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Reads `X-RateLimit-Limit/Period/Remaining/Reset/Name` (header names lower-cased, as Node's http client gives them). */
export function parseRateLimitHeaders(headers: HeaderBag): RateLimitInfo | undefined {
  const info: RateLimitInfo = {};
  const limit = num(first(headers, 'x-ratelimit-limit'));
  const period = num(first(headers, 'x-ratelimit-period'));
  const remaining = num(first(headers, 'x-ratelimit-remaining'));
  const reset = num(first(headers, 'x-ratelimit-reset'));
  const name = first(headers, 'x-ratelimit-name');
  if (limit !== undefined) info.limit = limit;
  if (period !== undefined) info.period = period;
  if (remaining !== undefined) info.remaining = remaining;
  if (reset !== undefined) info.reset = reset;
  if (name !== undefined) info.name = name;
  return Object.keys(info).length === 0 ? undefined : info;
}

/** `Retry-After` in seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const n = num(value);
  if (n !== undefined) return Math.max(0, n);
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - now) / 1000));
}

interface RawResponse {
  status: number;
  headers: HeaderBag;
  /** The body as text ('' when it was read as a search page). */
  body: string;
  /** A 2xx search answer, read from the body's bytes (search-page.ts). */
  page?: LogsSearchResponse;
}

/** A search answer's body: the page when it is one, else its text (for the error it explains). */
type SearchBody = { page: LogsSearchResponse } | { text: string };

/** The scanner's answer, or undefined for the object path (which also answers for a page the scanner failed on). */
function scannedPage(bytes: Buffer): LogsSearchResponse | undefined {
  try {
    return scanSearchAnswer(bytes);
  } catch {
    return undefined;
  }
}

function decodeSearchBody(bytes: Buffer, status: number, jsonlLines: boolean): SearchBody {
  if (status >= 200 && status < 300) {
    // The bytes are lent (the transport's kept buffer): the scanner copies the lines it keeps.
    if (jsonlLines) {
      const scanned = scannedPage(bytes);
      if (scanned !== undefined) return { page: scanned };
    }
    try {
      const v = parseSearchAnswer(bytes);
      if (isSearchResponse(v)) return { page: v };
    } catch {
      // not JSON: reported with its text
    }
  }
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return { text: bytes.toString('utf8', bom ? 3 : 0) };
}

/** The longest any one call may take; each call sets its own, shorter, timeout. */
const MAX_CALL_MS = 24 * 60 * 60 * 1000;
let shared: Transport | undefined;

async function send(
  url: string,
  init: {
    method: 'GET' | 'POST';
    headers: Record<string, string>;
    body?: string;
    searchPage?: boolean;
    jsonlLines?: boolean;
  },
  opts: DatadogRequestOptions,
): Promise<RawResponse | { error: Error; timedOut: boolean }> {
  shared ??= createNodeHttpTransport({ timeoutMs: MAX_CALL_MS, connections: 2 });
  const res = await shared.send({
    url,
    method: init.method,
    headers: { accept: 'application/json', ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
    timeoutMs: opts.timeoutMs ?? SEARCH_REQUEST_TIMEOUT_MS,
    ...(opts.signal ? { signal: opts.signal } : {}),
    maxBodyChars: Infinity,
    ...(init.searchPage === true
      ? { decodeBody: (bytes: Buffer, status: number) => decodeSearchBody(bytes, status, init.jsonlLines === true) }
      : {}),
  });
  if (res.kind === 'network-error') {
    const error: Error & { code?: string } = new Error(res.message);
    if (res.code !== undefined) error.code = res.code;
    return { error, timedOut: res.timedOut };
  }
  const decoded = res.decoded as SearchBody | undefined;
  if (decoded === undefined) return { status: res.status, headers: res.headers, body: res.body };
  if ('page' in decoded) return { status: res.status, headers: res.headers, body: '', page: decoded.page };
  return { status: res.status, headers: res.headers, body: decoded.text };
}

function clip(body: string): string {
  return body.length > MAX_ERROR_BODY_CHARS ? `${body.slice(0, MAX_ERROR_BODY_CHARS)}...` : body;
}

function classify<T>(raw: RawResponse, parse: (raw: RawResponse) => T | undefined): DatadogOutcome<T> {
  const rateLimit = parseRateLimitHeaders(raw.headers);
  if (raw.status >= 200 && raw.status < 300) {
    const value = parse(raw);
    if (value === undefined) return { kind: 'http', status: raw.status, body: clip(raw.body) };
    return { kind: 'ok', status: raw.status, value, rateLimit };
  }
  if (raw.status === 401 || raw.status === 403) return { kind: 'auth', status: raw.status, body: clip(raw.body) };
  if (raw.status === 429) {
    const retryAfterSeconds = parseRetryAfter(first(raw.headers, 'retry-after'));
    const resetSeconds = rateLimit?.reset ?? retryAfterSeconds ?? rateLimit?.period ?? FALLBACK_RATE_LIMIT_WAIT_SECONDS;
    return { kind: 'rate_limited', status: 429, resetSeconds, retryAfterSeconds, rateLimit, body: clip(raw.body) };
  }
  return { kind: 'http', status: raw.status, body: clip(raw.body) };
}

function parseJson<T>(check: (v: unknown) => v is T): (raw: RawResponse) => T | undefined {
  return (raw) => {
    try {
      const v: unknown = JSON.parse(raw.body);
      return check(v) ? v : undefined;
    } catch {
      return undefined;
    }
  };
}

function isValidateResponse(v: unknown): v is ValidateResponse {
  return typeof v === 'object' && v !== null && typeof (v as { valid?: unknown }).valid === 'boolean';
}

function isSearchResponse(v: unknown): v is LogsSearchResponse {
  if (typeof v !== 'object' || v === null) return false;
  const data = (v as { data?: unknown }).data;
  return data === undefined || Array.isArray(data);
}

/** `GET {api}/api/v1/validate` with `DD-API-KEY`. */
export async function validateApiKey(
  routes: DatadogRoutes,
  apiKey: string,
  opts: DatadogRequestOptions = {},
): Promise<DatadogOutcome<ValidateResponse>> {
  const raw = await send(routes.validateUrl, { method: 'GET', headers: { 'dd-api-key': apiKey } }, opts);
  if ('error' in raw) return { kind: 'network', error: raw.error, timedOut: raw.timedOut };
  return classify(raw, parseJson(isValidateResponse));
}

/** `POST {api}/api/v2/logs/events/search` with `DD-API-KEY` and `DD-APPLICATION-KEY`; one page. */
export async function searchLogs(
  routes: DatadogRoutes,
  keys: DatadogKeys,
  body: LogsSearchRequest,
  opts: DatadogRequestOptions & SearchReadOptions = {},
): Promise<DatadogOutcome<LogsSearchResponse>> {
  const raw = await send(
    routes.searchUrl,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'dd-api-key': keys.apiKey,
        'dd-application-key': keys.appKey,
        // A page of 1000 records is ~640 KB of JSON, ~15 KB gzipped: the transport inflates it.
        'accept-encoding': 'gzip',
      },
      body: JSON.stringify(body),
      searchPage: true,
      ...(opts.jsonlLines === true ? { jsonlLines: true } : {}),
    },
    opts,
  );
  if ('error' in raw) return { kind: 'network', error: raw.error, timedOut: raw.timedOut };
  return classify(raw, (answer) => {
    const v = answer.page ?? parseJson(isSearchResponse)(answer);
    if (v !== undefined && v.data === undefined) v.data = [];
    return v;
  });
}
