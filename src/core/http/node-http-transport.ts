/**
 * The transport's contract (./transport.ts) over Node's own http/https client, for the Datadog API calls `logs` reads
 * with and for shipping (`run`'s log sink). Node's client is built in and parses in native code: undici, loaded from
 * node_modules with its WebAssembly parser, cost a `logs` read ~0.4 CPU-s on Node 20 before its first page (load ~9),
 * and ~0.3 s more to fetch the 100 pages of 100k records; under `run -- cat FILE` (300k lines, 600 requests of 500
 * items) it cost ~1.9 µs of our CPU per line more than this client (docs/performance.md, "The datadog run path, next
 * step"). A keep-alive Agent with `maxSockets` = the exporter's concurrency queues requests as undici's pool did.
 */
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import { builtin } from '../builtins.js';
import { inflaterFor } from './answer-inflate.js';
import { KEEP_ALIVE_TIMERS } from '../timers.js';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  TimeoutError,
  flattenHeaders,
  keptBody,
  networkError,
  requestLimitMs,
  type HttpTransportOptions,
  type Transport,
  type TransportRequest,
  type TransportResult,
} from './transport.js';

/**
 * node:http and node:https, loaded on first request: this module is in `run`'s bundle (the datadog destination reads
 * with it), and node:https pulls in TLS and crypto, ~60 ms of a `run -- true` start on Node 24 that never reads.
 */
const http = () => builtin('node:http');
const https = () => builtin('node:https');

/**
 * Where a body's chunks are joined before decoding, kept from one answer to the next (decoding is synchronous, so
 * answers never share it at once): a fresh 600 KB buffer per page costs the kernel its page faults again each time.
 */
let scratch: Buffer | undefined;
const EMPTY = Buffer.alloc(0);
const MAX_SCRATCH = 16 * 1024 * 1024;

/** The body's chunks in one buffer: the scratch one (valid until the next answer) unless it is a single chunk. */
function joined(chunks: Buffer[], length: number): Buffer {
  if (chunks.length === 1) return chunks[0] as Buffer;
  // An empty answer (a 204, a page with no body): no scratch buffer is made for it.
  if (length === 0) return EMPTY;
  if (length > MAX_SCRATCH) return Buffer.concat(chunks, length);
  if (scratch === undefined || scratch.length < length) scratch = Buffer.allocUnsafeSlow(Math.max(length, 1 << 20));
  let at = 0;
  for (const c of chunks) at += c.copy(scratch, at);
  return scratch.subarray(0, length);
}

/** The body as text (UTF-8, a leading BOM skipped, as undici's `body.text()` reads it). */
function bodyText(buf: Buffer): string {
  const length = buf.length;
  if (length === 0) return '';
  const start = length > 2 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  return buf.toString('utf8', start, length);
}

export function createNodeHttpTransport(options: HttpTransportOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timers = options.timers ?? KEEP_ALIVE_TIMERS;
  const closing = new AbortController();
  const agentOptions = { keepAlive: true, keepAliveMsecs: 30_000, maxSockets: options.connections ?? 4 };
  let httpAgent: Http.Agent | undefined;
  let httpsAgent: Https.Agent | undefined;

  function send(req: TransportRequest): Promise<TransportResult> {
    if (closing.signal.aborted)
      return Promise.resolve({ kind: 'network-error', message: 'transport closed', timedOut: false, shutdown: true });
    if (req.signal?.aborted)
      return Promise.resolve({ kind: 'network-error', message: 'request cancelled', timedOut: false });
    return new Promise((resolve) => {
      const limit = requestLimitMs(req, timeoutMs);
      let request: Http.ClientRequest | undefined;
      let settled = false;
      const settle = (result: TransportResult): void => {
        if (settled) return;
        settled = true;
        timers.clearTimeout(timer);
        closing.signal.removeEventListener('abort', onClose);
        req.signal?.removeEventListener('abort', onCancel);
        resolve(result);
      };
      // Every failure (refused, reset, timed out, cancelled, closed) ends the request and settles it once.
      const fail = (reason: unknown): void => {
        request?.destroy();
        settle(networkError(reason));
      };
      const onClose = (): void => fail(closing.signal.reason);
      const onCancel = (): void => fail(new Error('request cancelled'));
      const timer = timers.setTimeout(() => fail(new TimeoutError(`request timed out after ${limit} ms`)), limit);
      closing.signal.addEventListener('abort', onClose, { once: true });
      req.signal?.addEventListener('abort', onCancel, { once: true });
      try {
        const url = new URL(req.url);
        const secure = url.protocol === 'https:';
        const agent = secure
          ? (httpsAgent ??= new (https().Agent)(agentOptions))
          : (httpAgent ??= new (http().Agent)(agentOptions));
        request = (secure ? https() : http()).request(url, {
          method: req.method ?? 'POST',
          headers: req.headers,
          agent,
        });
      } catch (err) {
        // An invalid URL or header is refused before anything is sent.
        fail(err);
        return;
      }
      request.on('error', fail);
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        let length = 0;
        const inflate = inflaterFor(res.headers['content-encoding']);
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          length += chunk.length;
        });
        res.on('error', fail);
        // A connection lost mid-body closes the answer without its end.
        res.on('close', () => {
          if (!res.complete) fail(new Error('the connection closed before the answer was complete'));
        });
        res.on('end', () => {
          let bytes: Buffer;
          try {
            bytes = inflate === undefined ? joined(chunks, length) : inflate(joined(chunks, length));
          } catch (err) {
            // Not the gzip (or deflate) it said, or larger than answer-inflate.ts's MAX_INFLATED_BYTES.
            fail(err);
            return;
          }
          if (req.decodeBody !== undefined) {
            const status = res.statusCode ?? 0;
            const decoded = req.decodeBody(bytes, status);
            settle({ kind: 'response', status, headers: flattenHeaders(res.headers), body: '', decoded });
            return;
          }
          const body = keptBody(bodyText(bytes), req);
          settle({ kind: 'response', status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body });
        });
      });
      request.end(req.body);
    });
  }

  function close(): Promise<void> {
    if (!closing.signal.aborted) closing.abort(new Error('transport closed'));
    httpAgent?.destroy();
    httpsAgent?.destroy();
    return Promise.resolve();
  }

  return { send, close };
}
