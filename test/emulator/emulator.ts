/**
 * The Datadog emulator: a real HTTP server on 127.0.0.1 (port 0 by default) that speaks the routes dd-logstore
 * uses (logs intake v2, OTLP logs, Logs Search v2, API key validation), with Datadog's limits, auth, rate-limit
 * headers and indexing delay, plus fault injection and inspection for tests (in-process and under /_emulator/).
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { FaultQueue, isRouteName, parseFault } from './faults.js';
import type { Fault, RouteName } from './faults.js';
import {
  countJsonArrayItems,
  IntakeError,
  MAX_ITEMS_PER_REQUEST,
  MAX_PAYLOAD_BYTES,
  readIntakeBody,
  readOtlpLogs,
} from './intake.js';
import type { IntakeResult } from './intake.js';
import { decodeExportLogsJson, decodeExportLogsRequest, ProtobufError } from './otlp-decode.js';
import { renderSearchResponse, SearchEngine, SearchError } from './search.js';
import type { SearchParams } from './search.js';
import { RecordStore } from './store.js';
import type { EmulatedRecord } from './store.js';

export type { Fault, RouteName } from './faults.js';
export type { EmulatedRecord } from './store.js';

export const DEFAULT_API_KEY = 'emulator-api-key';
export const DEFAULT_APP_KEY = 'emulator-app-key';
export const DEFAULT_SEARCH_RATE_LIMIT = { limit: 1000, periodSec: 60 };
export const RATE_LIMIT_NAME = 'logs_list';
/** Compressed bodies larger than this are refused without reading further (protects the test process). */
const MAX_RAW_BODY_BYTES = 64 * 1024 * 1024;
const MAX_REQUEST_LOG = 100_000;
const MASKED_HEADERS = new Set(['dd-api-key', 'dd-application-key', 'authorization', 'cookie']);
const MASK = '****';

export interface Clock {
  now(): number;
}

export interface RateLimit {
  limit: number;
  periodSec: number;
}

export interface EmulatorOptions {
  /** Known API keys (default: [DEFAULT_API_KEY]). */
  apiKeys?: string[];
  /** Known application keys (default: [DEFAULT_APP_KEY]). */
  appKeys?: string[];
  /** A record becomes searchable this long after intake (default 0). */
  indexingDelayMs?: number;
  clock?: Clock;
  searchRateLimit?: RateLimit;
  /** Benchmark mode: decompress and count intake items without building records. */
  countOnly?: boolean;
  /**
   * Benchmark sink mode: intake answers 202 as soon as the body is read and keeps it raw; `settle()` decodes and
   * counts the kept bodies later, so the sink's CPU stays off a timed run.
   */
  deferred?: boolean;
  /** Default 0 (any free port). */
  port?: number;
}

export interface EmulatorConfig {
  apiKeys: string[];
  appKeys: string[];
  indexingDelayMs: number;
  searchRateLimit: RateLimit;
  countOnly: boolean;
  deferred: boolean;
}

/** What `settle()` found in the bodies deferred mode kept. */
export interface SettleResult {
  bodies: number;
  items: number;
  /** Bodies that could not be decoded or are not a JSON array: their records count as lost. */
  undecodable: number;
}

export interface RequestLogEntry {
  route: RouteName | 'control' | 'unknown';
  method: string;
  path: string;
  /** Lower-cased header names; API and application keys masked. */
  headers: Record<string, string>;
  /** Size of the decoded (decompressed) body. */
  bodyBytes: number;
  /** Items in an intake / OTLP request, when it could be read. */
  items: number | undefined;
  /** Status answered; 0 when the request was hung or its socket destroyed. */
  status: number;
  fault: Fault['type'] | undefined;
  receivedAt: number;
  /**
   * A search's filter and page limit as received (with their JSON types), for assertions on what was asked.
   */
  search?: { query: unknown; from: unknown; to: unknown; limit: unknown };
  /** `gzip` when the answer was sent gzipped (the request's `accept-encoding` took it). */
  answerEncoding?: 'gzip';
}

export interface EmulatorStats {
  requests: number;
  /** Items received on intake and OTLP (including those not indexed). */
  itemsReceived: number;
  /** Records stored (in count-only mode: counted). */
  recordsStored: number;
  truncated: number;
  /** Accepted but not indexed: timestamp older than 18 h or more than 2 h ahead. */
  notIndexed: number;
}

export interface Emulator {
  /** Base URL, `http://127.0.0.1:<port>`: use it as both `intake_url` and `api_url`. */
  readonly url: string;
  readonly apiKey: string;
  readonly appKey: string;
  close(): Promise<void>;
  /** Forgets records, requests, stats and faults, and restores the options given at creation. */
  reset(): void;
  /** Stored records in intake order, attributes as flat dotted keys. */
  records(): EmulatedRecord[];
  requests(): RequestLogEntry[];
  stats(): EmulatorStats;
  inject(route: RouteName, fault: Fault): void;
  setIndexingDelay(ms: number): void;
  configure(config: Partial<EmulatorConfig>): void;
  config(): EmulatorConfig;
  /** Deferred mode: decodes and counts the kept intake bodies (into `stats()`), then forgets them. */
  settle(): Promise<SettleResult>;
}

const gunzip = promisify(zlib.gunzip);
/** zlib's default 16 KB output chunks cost 3x the CPU of the inflate itself on 500 KB bodies (measured). */
const INFLATE_CHUNK = 1024 * 1024;
const inflate = promisify(zlib.inflate);
/** zstd is in node:zlib from Node 22.15 (and 23.8); undefined on older runtimes. */
const zstdDecompressSync = (zlib as { zstdDecompressSync?: (b: Buffer, o?: object) => Buffer }).zstdDecompressSync;
const zstdDecompress = zstdDecompressSync
  ? promisify((zlib as unknown as { zstdDecompress: typeof zlib.inflate }).zstdDecompress)
  : undefined;

class PayloadTooLarge extends Error {}
class BadEncoding extends Error {}

async function decodeBody(raw: Buffer, encoding: string | undefined, max: number): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  try {
    if (enc === 'gzip') return check(await gunzip(raw, { maxOutputLength: max + 1, chunkSize: INFLATE_CHUNK }), max);
    if (enc === 'deflate')
      return check(await inflate(raw, { maxOutputLength: max + 1, chunkSize: INFLATE_CHUNK }), max);
    if (enc === 'zstd') {
      if (zstdDecompress === undefined) {
        throw new BadEncoding(`unsupported Content-Encoding: zstd (this Node ${process.version} has no zstd)`);
      }
      return check(await zstdDecompress(raw, { maxOutputLength: max + 1, chunkSize: INFLATE_CHUNK }), max);
    }
  } catch (err) {
    if (err instanceof BadEncoding) throw err;
    if (err instanceof PayloadTooLarge || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLarge();
    }
    throw new BadEncoding(`cannot decode ${enc} body: ${(err as Error).message}`);
  }
  if (enc === 'identity' || enc === '') return check(raw, max);
  throw new BadEncoding(`unsupported Content-Encoding: ${enc}`);
}

function check(b: Buffer, max: number): Buffer {
  if (b.length > max) throw new PayloadTooLarge();
  return b;
}

function maskHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k] = MASKED_HEADERS.has(k) ? MASK : Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function intakeErrors(status: number, title: string, detail: string): string {
  return JSON.stringify({ errors: [{ status: String(status), title, detail }] });
}

function routeOf(method: string, path: string): RouteName | 'control' | 'unknown' {
  if (path.startsWith('/_emulator/')) return 'control';
  if (method === 'POST' && path === '/api/v2/logs') return 'intake';
  if (method === 'POST' && path === '/v1/logs') return 'otlp';
  if (method === 'POST' && path === '/api/v2/logs/events/search') return 'search';
  if (method === 'GET' && path === '/api/v2/logs/events') return 'search';
  if (method === 'GET' && path === '/api/v1/validate') return 'validate';
  return 'unknown';
}

/** Answers shorter than this go as they are, whatever the request accepts (as HTTP servers do). */
const GZIP_MIN_BYTES = 1024;

/** `accept-encoding` takes gzip: listed (or `*`) without `q=0`. */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((part) => {
    const [name = '', ...params] = part.toLowerCase().split(';');
    if (!['gzip', 'x-gzip', '*'].includes(name.trim())) return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

interface Answer {
  status: number;
  body: string | Buffer;
  headers?: Record<string, string>;
  contentType?: string;
  items?: number;
}

export async function createEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const clock: Clock = opts.clock ?? { now: () => Date.now() };
  const initial = (): EmulatorConfig => ({
    apiKeys: [...(opts.apiKeys ?? [DEFAULT_API_KEY])],
    appKeys: [...(opts.appKeys ?? [DEFAULT_APP_KEY])],
    indexingDelayMs: opts.indexingDelayMs ?? 0,
    searchRateLimit: { ...(opts.searchRateLimit ?? DEFAULT_SEARCH_RATE_LIMIT) },
    countOnly: opts.countOnly ?? false,
    deferred: opts.deferred ?? false,
  });
  let deferredBodies: { raw: Buffer; encoding: string | undefined }[] = [];
  let config = initial();
  const store = new RecordStore();
  const engine = new SearchEngine(store);
  const faults = new FaultQueue();
  let requestLog: RequestLogEntry[] = [];
  let stats: EmulatorStats = { requests: 0, itemsReceived: 0, recordsStored: 0, truncated: 0, notIndexed: 0 };
  const hung = new Set<ServerResponse>();
  let rl = { windowStart: 0, used: 0 };

  function rateLimitHeaders(now: number): { headers: Record<string, string>; spent: boolean } {
    const periodMs = config.searchRateLimit.periodSec * 1000;
    if (rl.windowStart === 0 || now >= rl.windowStart + periodMs) rl = { windowStart: now, used: 0 };
    const spent = rl.used >= config.searchRateLimit.limit;
    if (!spent) rl.used++;
    const reset = Math.max(1, Math.ceil((rl.windowStart + periodMs - now) / 1000));
    return {
      spent,
      headers: {
        'x-ratelimit-limit': String(config.searchRateLimit.limit),
        'x-ratelimit-period': String(config.searchRateLimit.periodSec),
        'x-ratelimit-remaining': String(Math.max(0, config.searchRateLimit.limit - rl.used)),
        'x-ratelimit-reset': String(reset),
        'x-ratelimit-name': RATE_LIMIT_NAME,
      },
    };
  }

  function ingest(result: IntakeResult, route: 'intake' | 'otlp', now: number): void {
    stats.itemsReceived += result.items;
    stats.truncated += result.truncated;
    stats.notIndexed += result.notIndexed;
    for (const r of result.records) store.add(r, now, route);
    stats.recordsStored += result.records.length;
  }

  async function handleIntake(req: IncomingMessage, raw: Buffer, entry: RequestLogEntry): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = header(req, 'dd-api-key') ?? url.searchParams.get('dd-api-key') ?? url.searchParams.get('DD-API-KEY');
    if (key === undefined || key === null || key === '') {
      return { status: 401, body: intakeErrors(401, 'Unauthorized', 'API key is missing') };
    }
    if (!config.apiKeys.includes(key))
      return { status: 403, body: intakeErrors(403, 'Forbidden', 'API key is invalid') };
    if (config.deferred) {
      deferredBodies.push({ raw, encoding: header(req, 'content-encoding') });
      return { status: 202, body: '{}' };
    }
    let body: Buffer;
    try {
      body = await decodeBody(raw, header(req, 'content-encoding'), MAX_PAYLOAD_BYTES);
    } catch (err) {
      if (err instanceof PayloadTooLarge) {
        return {
          status: 413,
          body: intakeErrors(413, 'Payload Too Large', `the uncompressed body is over ${MAX_PAYLOAD_BYTES} bytes`),
        };
      }
      return { status: 400, body: intakeErrors(400, 'Bad Request', (err as Error).message) };
    }
    entry.bodyBytes = body.length;
    const now = clock.now();
    if (config.countOnly) {
      const counted = countJsonArrayItems(body);
      const n = counted < 0 ? 1 : counted;
      entry.items = n;
      if (n > MAX_ITEMS_PER_REQUEST) {
        return { status: 400, body: intakeErrors(400, 'Bad Request', `${n} log items; the limit is 1000`) };
      }
      stats.itemsReceived += n;
      stats.recordsStored += n;
      return { status: 202, body: '{}' };
    }
    try {
      const result = readIntakeBody(body, now, { ddtags: url.searchParams.get('ddtags') });
      entry.items = result.items;
      ingest(result, 'intake', now);
      return { status: 202, body: '{}' };
    } catch (err) {
      if (err instanceof IntakeError)
        return { status: err.status, body: intakeErrors(err.status, err.title, err.message) };
      throw err;
    }
  }

  async function handleOtlp(req: IncomingMessage, raw: Buffer, entry: RequestLogEntry): Promise<Answer> {
    const key = header(req, 'dd-api-key');
    if (key === undefined || key === '')
      return { status: 401, body: intakeErrors(401, 'Unauthorized', 'API key is missing') };
    if (!config.apiKeys.includes(key))
      return { status: 403, body: intakeErrors(403, 'Forbidden', 'API key is invalid') };
    const json = (header(req, 'content-type') ?? '').includes('json');
    let body: Buffer;
    try {
      body = await decodeBody(raw, header(req, 'content-encoding'), MAX_PAYLOAD_BYTES);
    } catch (err) {
      if (err instanceof PayloadTooLarge)
        return { status: 413, body: intakeErrors(413, 'Payload Too Large', 'too large') };
      return { status: 400, body: intakeErrors(400, 'Bad Request', (err as Error).message) };
    }
    entry.bodyBytes = body.length;
    const now = clock.now();
    try {
      const decoded = json ? decodeExportLogsJson(JSON.parse(body.toString('utf8'))) : decodeExportLogsRequest(body);
      const result = readOtlpLogs(decoded, now);
      entry.items = result.items;
      if (config.countOnly) {
        stats.itemsReceived += result.items;
        stats.recordsStored += result.items;
      } else ingest(result, 'otlp', now);
    } catch (err) {
      if (err instanceof ProtobufError || err instanceof SyntaxError) {
        return { status: 400, body: intakeErrors(400, 'Bad Request', `cannot decode OTLP request: ${err.message}`) };
      }
      throw err;
    }
    // An empty ExportLogsServiceResponse: no bytes in protobuf, `{}` in JSON.
    return json
      ? { status: 200, body: '{}' }
      : { status: 200, body: Buffer.alloc(0), contentType: 'application/x-protobuf' };
  }

  function handleSearch(req: IncomingMessage, raw: Buffer, searchTimeout: boolean, entry: RequestLogEntry): Answer {
    const apiKey = header(req, 'dd-api-key');
    const appKey = header(req, 'dd-application-key');
    if (
      apiKey === undefined ||
      !config.apiKeys.includes(apiKey) ||
      appKey === undefined ||
      !config.appKeys.includes(appKey)
    ) {
      return { status: 403, body: JSON.stringify({ errors: ['Forbidden'] }) };
    }
    const now = clock.now();
    const limit = rateLimitHeaders(now);
    if (limit.spent)
      return { status: 429, body: JSON.stringify({ errors: ['Too many requests'] }), headers: limit.headers };
    let params: SearchParams;
    if (req.method === 'GET') {
      const u = new URL(req.url ?? '/', 'http://x').searchParams;
      const get = (k: string): string | undefined => u.get(k) ?? undefined;
      params = {
        query: get('filter[query]'),
        from: get('filter[from]'),
        to: get('filter[to]'),
        sort: get('sort'),
        limit: get('page[limit]'),
        cursor: get('page[cursor]'),
      };
      entry.search = { query: params.query, from: params.from, to: params.to, limit: params.limit };
    } else {
      let body: { filter?: Record<string, unknown>; page?: Record<string, unknown>; sort?: unknown };
      try {
        body = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as typeof body);
        if (typeof body !== 'object' || body === null) throw new SyntaxError('body is not an object');
      } catch (err) {
        return {
          status: 400,
          body: JSON.stringify({ errors: [`invalid JSON body: ${(err as Error).message}`] }),
          headers: limit.headers,
        };
      }
      entry.search = {
        query: body.filter?.query,
        from: body.filter?.from,
        to: body.filter?.to,
        limit: body.page?.limit,
      };
      // The API types the time bounds as strings (ISO-8601, date math, or milliseconds in a string); a JSON number
      // is refused with a 400, as Datadog does.
      for (const bound of ['from', 'to'] as const) {
        const v = body.filter?.[bound];
        if (v !== undefined && typeof v !== 'string')
          return {
            status: 400,
            body: JSON.stringify({
              errors: [
                `Bad Request: filter.${bound} must be a string (ISO-8601, date math such as now-15m, or milliseconds), got ${typeof v}`,
              ],
            }),
            headers: limit.headers,
          };
      }
      const q = body.filter?.query;
      params = {
        query: typeof q === 'string' ? q : undefined,
        from: body.filter?.from,
        to: body.filter?.to,
        sort: body.sort,
        limit: body.page?.limit,
        cursor: body.page?.cursor,
      };
    }
    try {
      const host = header(req, 'host');
      const res = engine.search(params, {
        now,
        indexingDelayMs: config.indexingDelayMs,
        nextLinkBase: host === undefined ? undefined : `http://${host}`,
      });
      if (searchTimeout) {
        res.meta.status = 'timeout';
        res.meta.warnings = [
          { code: 'unknown_index', title: 'Query timed out', detail: 'the query timed out; results may be partial' },
        ];
      }
      return { status: 200, body: renderSearchResponse(res), headers: limit.headers };
    } catch (err) {
      if (err instanceof SearchError)
        return { status: err.status, body: JSON.stringify({ errors: [err.message] }), headers: limit.headers };
      throw err;
    }
  }

  function handleValidate(req: IncomingMessage): Answer {
    const key = header(req, 'dd-api-key');
    if (key === undefined || key === '') return { status: 403, body: JSON.stringify({ errors: ['API key required'] }) };
    if (!config.apiKeys.includes(key)) return { status: 403, body: JSON.stringify({ errors: ['Forbidden'] }) };
    return { status: 200, body: JSON.stringify({ valid: true }) };
  }

  function handleControl(req: IncomingMessage, path: string, raw: Buffer): Answer {
    const json = (v: unknown, status = 200): Answer => ({ status, body: JSON.stringify(v) });
    const parse = (): Record<string, unknown> | undefined => {
      try {
        const v: unknown = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
        return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
      } catch {
        return undefined;
      }
    };
    const op = `${req.method} ${path}`;
    switch (op) {
      case 'GET /_emulator/records':
        return json(emulator.records());
      case 'GET /_emulator/requests':
        return json(emulator.requests());
      case 'GET /_emulator/stats':
        return json(emulator.stats());
      case 'GET /_emulator/config':
        return json(emulator.config());
      case 'POST /_emulator/reset':
        emulator.reset();
        return json({ ok: true });
      case 'POST /_emulator/faults': {
        const body = parse();
        if (body === undefined) return json({ errors: ['body must be a JSON object'] }, 400);
        if (!isRouteName(body.route)) return json({ errors: ['route must be intake, otlp, search or validate'] }, 400);
        const fault = parseFault(typeof body.fault === 'object' && body.fault !== null ? body.fault : body);
        if (typeof fault === 'string') return json({ errors: [fault] }, 400);
        faults.add(body.route, fault);
        return json({ ok: true, pending: faults.pending(body.route) });
      }
      case 'POST /_emulator/config': {
        const body = parse();
        if (body === undefined) return json({ errors: ['body must be a JSON object'] }, 400);
        const problem = validateConfig(body);
        if (problem !== undefined) return json({ errors: [problem] }, 400);
        emulator.configure(body as Partial<EmulatorConfig>);
        return json(emulator.config());
      }
      default:
        return json({ errors: [`no control route ${op}`] }, 404);
    }
  }

  async function readRaw(req: IncomingMessage): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_RAW_BODY_BYTES) return undefined;
      chunks.push(chunk);
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
  }

  /**
   * The answer, gzipped when the request's `accept-encoding` takes gzip and the body is worth it, as Datadog's API
   * answers (a search page of 1000 records: ~640 KB, ~15 KB gzipped). Level 1: the emulator's CPU is the bench's.
   */
  function send(res: ServerResponse, a: Answer, acceptEncoding?: string, entry?: RequestLogEntry): void {
    let body = a.body;
    const encoding: Record<string, string> = {};
    if (acceptsGzip(acceptEncoding) && Buffer.byteLength(body) >= GZIP_MIN_BYTES) {
      body = zlib.gzipSync(body, { level: 1 });
      encoding['content-encoding'] = 'gzip';
      if (entry !== undefined) entry.answerEncoding = 'gzip';
    }
    const headers: Record<string, string | number> = {
      'content-type': a.contentType ?? 'application/json',
      'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length,
      ...encoding,
      ...a.headers,
    };
    res.writeHead(a.status, headers);
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routeOf(method, path);
    const raw = await readRaw(req);
    const entry: RequestLogEntry = {
      route,
      method,
      path,
      headers: maskHeaders(req.headers),
      bodyBytes: raw?.length ?? 0,
      items: undefined,
      status: 0,
      fault: undefined,
      receivedAt: clock.now(),
    };
    if (route !== 'control') {
      stats.requests++;
      if (requestLog.length < MAX_REQUEST_LOG) requestLog.push(entry);
    }
    if (raw === undefined) {
      entry.status = 413;
      res.writeHead(413, { connection: 'close', 'content-type': 'application/json' });
      res.end(intakeErrors(413, 'Payload Too Large', 'request body too large'));
      return;
    }
    let searchTimeout = false;
    if (route !== 'control' && route !== 'unknown') {
      const fault = faults.take(route);
      entry.fault = fault?.type;
      if (fault?.type === 'hang') {
        hung.add(res);
        res.on('close', () => hung.delete(res));
        return;
      }
      if (fault?.type === 'destroy') {
        req.socket.destroy();
        return;
      }
      if (fault?.type === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
      if (fault?.type === 'search_timeout') searchTimeout = true;
      if (fault?.type === 'status') {
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        if (fault.rateLimitReset !== undefined) {
          headers['x-ratelimit-reset'] = String(fault.rateLimitReset);
          headers['x-ratelimit-limit'] = String(config.searchRateLimit.limit);
          headers['x-ratelimit-period'] = String(config.searchRateLimit.periodSec);
          headers['x-ratelimit-remaining'] = '0';
          headers['x-ratelimit-name'] = RATE_LIMIT_NAME;
        }
        const body = fault.body ?? JSON.stringify({ errors: [`injected fault: status ${fault.status}`] });
        entry.status = fault.status;
        send(res, { status: fault.status, body, headers });
        return;
      }
    }
    let answer: Answer;
    switch (route) {
      case 'intake':
        answer = await handleIntake(req, raw, entry);
        break;
      case 'otlp':
        answer = await handleOtlp(req, raw, entry);
        break;
      case 'search':
        answer = handleSearch(req, raw, searchTimeout, entry);
        break;
      case 'validate':
        answer = handleValidate(req);
        break;
      case 'control':
        answer = handleControl(req, path, raw);
        break;
      default:
        answer = { status: 404, body: JSON.stringify({ errors: [`no route ${method} ${path}`] }) };
    }
    entry.status = answer.status;
    send(res, answer, route === 'control' ? undefined : req.headers['accept-encoding'], entry);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [`emulator error: ${(err as Error).message}`] }));
      } else res.destroy();
    });
  });
  // Bodies of a few MB arrive in many chunks; the defaults (no request timeout) suit hung-request faults.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const endHung = (): void => {
    for (const res of hung) res.socket?.destroy();
    hung.clear();
  };

  const emulator: Emulator = {
    url: `http://127.0.0.1:${port}`,
    get apiKey() {
      return config.apiKeys[0] ?? '';
    },
    get appKey() {
      return config.appKeys[0] ?? '';
    },
    async close() {
      endHung();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    reset() {
      endHung();
      store.clear();
      engine.clear();
      faults.clear();
      requestLog = [];
      deferredBodies = [];
      stats = { requests: 0, itemsReceived: 0, recordsStored: 0, truncated: 0, notIndexed: 0 };
      rl = { windowStart: 0, used: 0 };
      config = initial();
    },
    async settle() {
      const kept = deferredBodies;
      deferredBodies = [];
      const result: SettleResult = { bodies: kept.length, items: 0, undecodable: 0 };
      for (const { raw, encoding } of kept) {
        let n = -1;
        try {
          n = countJsonArrayItems(await decodeBody(raw, encoding, MAX_PAYLOAD_BYTES));
        } catch {
          n = -1;
        }
        if (n < 0) {
          result.undecodable++;
          continue;
        }
        result.items += n;
        stats.itemsReceived += n;
        stats.recordsStored += n;
      }
      return result;
    },
    records() {
      return store.all().map((l) => l.toRecord());
    },
    requests() {
      return requestLog.map((e) => ({ ...e, headers: { ...e.headers } }));
    },
    stats() {
      return { ...stats };
    },
    inject(route, fault) {
      faults.add(route, fault);
    },
    setIndexingDelay(ms) {
      config.indexingDelayMs = ms;
    },
    configure(c) {
      if (c.apiKeys !== undefined) config.apiKeys = [...c.apiKeys];
      if (c.appKeys !== undefined) config.appKeys = [...c.appKeys];
      if (c.indexingDelayMs !== undefined) config.indexingDelayMs = c.indexingDelayMs;
      if (c.countOnly !== undefined) config.countOnly = c.countOnly;
      if (c.deferred !== undefined) config.deferred = c.deferred;
      if (c.searchRateLimit !== undefined) {
        config.searchRateLimit = { ...c.searchRateLimit };
        rl = { windowStart: 0, used: 0 };
      }
    },
    config() {
      return {
        ...config,
        apiKeys: [...config.apiKeys],
        appKeys: [...config.appKeys],
        searchRateLimit: { ...config.searchRateLimit },
      };
    },
  };
  return emulator;
}

function validateConfig(body: Record<string, unknown>): string | undefined {
  const strings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '');
  if (body.apiKeys !== undefined && !strings(body.apiKeys)) return 'apiKeys must be an array of strings';
  if (body.appKeys !== undefined && !strings(body.appKeys)) return 'appKeys must be an array of strings';
  if (body.indexingDelayMs !== undefined && (typeof body.indexingDelayMs !== 'number' || body.indexingDelayMs < 0)) {
    return 'indexingDelayMs must be a number >= 0';
  }
  if (body.countOnly !== undefined && typeof body.countOnly !== 'boolean') return 'countOnly must be a boolean';
  if (body.searchRateLimit !== undefined) {
    const r = body.searchRateLimit as Partial<RateLimit> | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.limit !== 'number' ||
      r.limit < 0 ||
      typeof r.periodSec !== 'number' ||
      r.periodSec <= 0
    ) {
      return 'searchRateLimit must be {limit >= 0, periodSec > 0}';
    }
  }
  return undefined;
}
