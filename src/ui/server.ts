/**
 * The ui's HTTP server: Node's own `http`, bound to 127.0.0.1 only, every request checked for the token the
 * printed URL carries (as Jupyter does). The first request brings it as `?token=`; the answer sets it as an
 * HttpOnly, SameSite=Strict cookie and redirects to the same page without it, so it leaves the address bar. Pages
 * and assets come from a fixed map loaded at start (nothing is read from a path a request names); data comes from
 * `UiData`, and every JSON answer passes through the redactor.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { CliError, formatErrorLine } from '../core/errors.js';
import type { Redactor } from '../io/redact.js';
import { LEVELS, levelNamed } from '../core/log-record.js';
import type { Level } from '../core/log-record.js';
import type { RecordQuery, RunPages } from '../app/read-run-page.js';
import { RUN_ID_PATTERN } from '../store/run-records.js';
import type { Asset } from './assets.js';
import type { RunDetail, RunSummary, UnrecordedRunDetail } from './run-summary.js';

export const UI_HOST = '127.0.0.1';
const PAGE_DEFAULT = 500;
const HISTOGRAM_BUCKETS_DEFAULT = 60;
const MAX_BUCKETS = 500;

export interface UiData {
  listRuns(): Promise<RunSummary[]>;
  /** undefined: no such run here. */
  runDetail(runId: string): Promise<RunDetail | UnrecordedRunDetail | undefined>;
  /** undefined: no such run here. Throws a UiDataError for a run that cannot be read (an otel store, a bad key). */
  pages(runId: string): Promise<RunPages | undefined>;
  /** Notices (Datadog rate limits, damaged files) since the last call, for the page to show. */
  takeNotices(runId: string): string[];
}

/** A run the ui cannot read, said to the browser (and the terminal) in one line. */
export class UiDataError extends Error {
  constructor(
    message: string,
    readonly status = 502,
  ) {
    super(message);
    this.name = 'UiDataError';
  }
}

export interface UiServerOptions {
  port: number;
  token: string;
  data: UiData;
  redactor: Redactor;
  assets: ReadonlyMap<string, Asset>;
  /** A line for the terminal (errors while serving). */
  log(line: string): void;
}

export interface UiServer {
  readonly port: number;
  /** The URL to open, token included. */
  readonly url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  let port = o.port;
  const cookieName = () => `dd_logstore_ui_${port}`;
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.log(`ui: ${req.method} ${redactUrl(req.url)} failed: ${o.redactor.redact(errorText(err))}`);
      if (!res.headersSent)
        sendText(
          res,
          err instanceof UiDataError ? err.status : err instanceof CliError ? 502 : 500,
          o.redactor.redact(errorText(err)),
        );
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${UI_HOST}:${port}`);
    // A page of another site that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own Host: refuse it.
    const host = req.headers.host ?? '';
    if (host !== `${UI_HOST}:${port}` && host !== `localhost:${port}`)
      return sendText(res, 403, 'forbidden: open the URL that dd-logstore ui printed');
    const auth = authorize(req, url);
    if (auth === 'missing')
      return sendText(res, 401, 'unauthorized: open the URL that dd-logstore ui printed (it carries ?token=...)');
    if (auth === 'wrong')
      return sendText(res, 403, 'forbidden: wrong token (dd-logstore ui prints a new one each start)');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'only GET is served');
    if (auth === 'query' && !url.pathname.startsWith('/api/')) {
      // Keep the token out of the address bar, history and bookmarks: the cookie carries it from now on.
      url.searchParams.delete('token');
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${cookieName()}=${o.token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + url.search,
      });
      return void res.end();
    }
    await route(url, res);
  }

  function authorize(req: IncomingMessage, url: URL): 'query' | 'cookie' | 'missing' | 'wrong' {
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null) return sameToken(fromQuery, o.token) ? 'query' : 'wrong';
    const fromCookie = readCookie(req.headers.cookie, cookieName());
    if (fromCookie === undefined) return 'missing';
    return sameToken(fromCookie, o.token) ? 'cookie' : 'wrong';
  }

  async function route(url: URL, res: ServerResponse): Promise<void> {
    const path = url.pathname;
    if (path === '/' || path === '/runs' || path === '/runs/') return sendAsset(res, 'runs.html');
    if (path.startsWith('/static/')) return sendAsset(res, path.slice('/static/'.length));
    const runPage = /^\/runs\/([^/]+)$/.exec(path);
    if (runPage !== null) return runIdOf(runPage[1]!) === undefined ? sendNotFound(res) : sendAsset(res, 'run.html');
    if (path === '/api/runs') return sendJson(res, 200, { runs: await o.data.listRuns() });
    const api = /^\/api\/runs\/([^/]+)(?:\/(records|histogram))?$/.exec(path);
    if (api === null) return sendNotFound(res);
    const runId = runIdOf(api[1]!);
    if (runId === undefined) return sendNotFound(res);
    if (api[2] === undefined) {
      const detail = await o.data.runDetail(runId);
      return detail === undefined
        ? sendJson(res, 404, { error: `no run with id '${runId}'` })
        : sendJson(res, 200, detail);
    }
    const pages = await o.data.pages(runId);
    if (pages === undefined) return sendJson(res, 404, { error: `no run with id '${runId}'` });
    // A parameter that is not understood is a 400 naming it, never ignored: a bad level read as every level, and
    // a bad cursor as the first page, whose `next` then started a client over.
    let params: { q: RecordQuery; cursor?: string; limit: number; buckets: number };
    try {
      params = {
        q: recordQuery(url.searchParams),
        ...cursorParam(url.searchParams),
        // More than a page holds is served as a full page (docs/ui.md), as before.
        limit: intParam(url.searchParams, 'limit', 1, undefined, PAGE_DEFAULT),
        buckets: intParam(url.searchParams, 'buckets', 1, MAX_BUCKETS, HISTOGRAM_BUCKETS_DEFAULT),
      };
    } catch (err) {
      if (err instanceof BadParameter) return sendJson(res, 400, { error: err.message });
      throw err;
    }
    if (api[2] === 'records') {
      const page = await pages.page(params.q, params.cursor, params.limit);
      return sendJson(res, 200, { ...page, notices: o.data.takeNotices(runId), damaged: pages.damaged() });
    }
    return sendJson(res, 200, await pages.histogram(params.q, params.buckets));
  }

  function sendAsset(res: ServerResponse, name: string): void {
    const asset = o.assets.get(name);
    if (asset === undefined) return sendNotFound(res);
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.type, 'Content-Length': asset.body.length });
    res.end(asset.body);
  }

  function sendJson(res: ServerResponse, status: number, value: unknown): void {
    const body = Buffer.from(JSON.stringify(o.redactor.redactDeep(value)));
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': body.length,
    });
    res.end(body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: UI_HOST, port: o.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : o.port;
  return {
    port,
    url: `http://${UI_HOST}:${port}/?token=${o.token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open keep-alive connections and a polling page must not hold the process up.
        server.closeAllConnections();
      }),
  };
}

function runIdOf(segment: string): string | undefined {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return RUN_ID_PATTERN.test(id) ? id : undefined;
}

class BadParameter extends Error {}

function recordQuery(p: URLSearchParams): RecordQuery {
  const q: RecordQuery = {};
  const step = p.get('step');
  if (step !== null && step !== '') q.step = step;
  const levels: Level[] = [];
  for (const raw of (p.get('levels') ?? '').split(',')) {
    if (raw === '') continue;
    // As `logs --level`.
    const level = levelNamed(raw);
    if (level === undefined) throw new BadParameter(`levels: unknown level '${raw}' (levels: ${LEVELS.join(', ')})`);
    levels.push(level);
  }
  if (levels.length > 0) q.levels = levels;
  const text = p.get('text');
  if (text !== null && text !== '') q.text = text;
  return q;
}

/**
 * A page's cursor as the pages give them out: `end` (the last page), `o:<offset>` (local), `c:<Logs Search cursor>`
 * and `t:<ms>` (Datadog: next page, and following from the newest record seen).
 */
function cursorParam(p: URLSearchParams): { cursor?: string } {
  const cursor = p.get('cursor');
  if (cursor === null || cursor === '') return {};
  if (!/^(end|o:\d+|t:\d+|c:.+)$/.test(cursor))
    throw new BadParameter(
      `cursor: '${cursor.slice(0, 40)}' is not a cursor this server gave (use a page's next or resume)`,
    );
  return { cursor };
}

/** A whole number from `min` to `max` (no upper bound when undefined). */
function intParam(p: URLSearchParams, name: string, min: number, max: number | undefined, dflt: number): number {
  const raw = p.get(name);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || (max !== undefined && n > max)) {
    const range = max !== undefined ? `from ${min} to ${max}` : `of at least ${min}`;
    throw new BadParameter(`${name}: must be a whole number ${range}, got '${raw.slice(0, 20)}'`);
  }
  return n;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i !== -1 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

function sendNotFound(res: ServerResponse): void {
  sendText(res, 404, 'not found');
}

function redactUrl(url: string | undefined): string {
  return (url ?? '').replace(/token=[^&]*/g, 'token=****');
}

/** One line, as the CLI prints it (with its hint), without the `error: `. */
function errorText(err: unknown): string {
  return formatErrorLine(err).replace(/^error: /, '');
}
