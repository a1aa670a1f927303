/**
 * The transport's contract (./transport.ts) as a lean HTTP/1.1 client over `net`/`tls` sockets, for `run`'s intake
 * shipping alone (pipeline/log-sink.ts): a POST of a compressed batch every ~500 lines, to one origin, over a few
 * kept-alive sockets. Node's `ClientRequest` builds and validates the same head for every request, and its
 * IncomingMessage is a stream with its events; here the head is built once per URL and headers object with the
 * body's length spliced in, head and body go out in one `writev`, and the answer is read by a small parser
 * (./http1-response-parser.ts) through listeners set once per socket (docs/performance.md, "The datadog run path:
 * the request (eleventh session)").
 *
 * What it keeps of Node's agent: up to `connections` sockets per origin, the most recently used idle one first,
 * idle sockets unref'd and dropped when closed by the far end or older than the server's `keep-alive: timeout` less
 * a second, TLS with SNI and Node's certificate checks (`NODE_EXTRA_CA_CERTS` included: tls uses the same root
 * store), TCP no-delay and keep-alive probes. Like Node's own client it ignores HTTP(S)_PROXY (today's transport
 * uses its own Agent, which does not read them on Node 20 or 24). One thing more: a request sent on a reused socket
 * that the far end closed before any byte of an answer (the keep-alive race) is sent again at once on a fresh
 * socket, once: at-least-once, as the retrying transport's retries already are.
 */
import type * as Net from 'node:net';
import { builtin } from '../builtins.js';
import { inflaterFor } from './answer-inflate.js';
import { Http1ResponseParser, type ParsedAnswer } from './http1-response-parser.js';
import { KEEP_ALIVE_TIMERS } from '../timers.js';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_BODY_CHARS,
  TimeoutError,
  networkError,
  requestLimitMs,
  type HttpTransportOptions,
  type Transport,
  type TransportRequest,
  type TransportResult,
} from './transport.js';

// node:tls pulls in crypto: loaded on the first https request only, as node-http-transport.ts loads node:https.
const net = () => builtin('node:net');
const tls = () => builtin('node:tls');

/** A compressed answer's bytes kept before inflating it: far more than any intake answer. */
const MAX_ENCODED_BYTES = 16 * 1024 * 1024;
/** TCP keep-alive probes' initial delay, as node-http-transport.ts's agent (`keepAliveMsecs`). */
const KEEP_ALIVE_PROBE_MS = 30_000;
/** A socket idle this close to the server's announced keep-alive timeout is not used again (Node's agent: 1 s). */
const KEEP_ALIVE_MARGIN_MS = 1000;

/** Node's `checkIsHttpToken` and `checkInvalidHeaderChar`: what ClientRequest refuses before sending. */
const HTTP_TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
/** Headers this transport writes itself (a caller's own `host` or `connection` replaces ours). */
const OURS = new Set(['content-length', 'transfer-encoding']);

interface Origin {
  key: string;
  secure: boolean;
  host: string;
  port: number;
  /** SNI: the host name, none for an IP address (as Node's https agent). */
  servername: string | undefined;
  idle: Connection[];
  /** Connected or connecting sockets, busy or idle. */
  open: number;
  waiting: Exchange[];
  /** The last TLS session, offered to the next socket (Node's agent caches them too). */
  session: Buffer | undefined;
}

interface Connection {
  socket: Net.Socket;
  origin: Origin;
  /** The request this socket carries now, if any. */
  exchange: Exchange | undefined;
  /** Answers completed on it: a request on a socket that already carried one may meet the keep-alive race. */
  served: number;
  idleSince: number;
  /** The server's `keep-alive: timeout`, less the margin; Infinity when it said none. */
  keepAliveMs: number;
  closed: boolean;
}

/** One request: its head and body, where it stands, and how it settles. */
interface Exchange {
  head: string;
  body: Buffer | Uint8Array;
  req: TransportRequest;
  parser: Http1ResponseParser;
  connection: Connection | undefined;
  resent: boolean;
  settled: boolean;
  settle(result: TransportResult): void;
}

/** What a URL and headers object come to: kept for the next request that uses the same two. */
interface HeadTemplate {
  url: string;
  method: string;
  headers: Record<string, string>;
  origin: Origin;
  /** The head up to the content-length's value; `headTail` after it. */
  headStart: string;
  headWithoutLength: string;
}

export function createLeanHttpTransport(options: HttpTransportOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timers = options.timers ?? KEEP_ALIVE_TIMERS;
  const maxSockets = options.connections ?? 4;
  const closing = new AbortController();
  const origins = new Map<string, Origin>();
  let template: HeadTemplate | undefined;

  function originOf(url: URL): Origin {
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new Error(`unsupported protocol ${url.protocol}`);
    const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    // URL keeps an IPv6 host in brackets; sockets want it bare.
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const key = `${url.protocol}//${host}:${port}`;
    let origin = origins.get(key);
    if (origin === undefined) {
      const servername = net().isIP(host) === 0 ? host : undefined;
      origin = { key, secure, host, port, servername, idle: [], open: 0, waiting: [], session: undefined };
      origins.set(key, origin);
    }
    return origin;
  }

  /** The request's head without its content-length, built once per URL, method and headers object. */
  function templateOf(req: TransportRequest): HeadTemplate {
    const method = req.method ?? 'POST';
    if (
      template !== undefined &&
      template.url === req.url &&
      template.headers === req.headers &&
      template.method === method
    )
      return template;
    const url = new URL(req.url);
    const origin = originOf(url);
    let lines = '';
    let host: string | undefined;
    let connection = false;
    let authorization = false;
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HTTP_TOKEN.test(name))
        throw Object.assign(new TypeError(`invalid header name "${name}"`), { code: 'ERR_INVALID_HTTP_TOKEN' });
      if (INVALID_HEADER_CHAR.test(value))
        throw Object.assign(new TypeError(`invalid character in header "${name}"`), { code: 'ERR_INVALID_CHAR' });
      const lower = name.toLowerCase();
      if (OURS.has(lower)) continue;
      if (lower === 'host') host = value;
      if (lower === 'connection') connection = true;
      if (lower === 'authorization') authorization = true;
      lines += `${name}: ${value}\r\n`;
    }
    // Credentials in the URL become basic authentication, as Node's client makes them (unless the caller set its own).
    if (!authorization && (url.username !== '' || url.password !== '')) {
      const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      lines += `Authorization: Basic ${Buffer.from(user).toString('base64')}\r\n`;
    }
    const defaultPort = origin.secure ? 443 : 80;
    const hostHeader = host ?? (origin.port === defaultPort ? url.host.replace(/:\d+$/, '') : url.host);
    const start =
      `${method} ${url.pathname}${url.search} HTTP/1.1\r\n` +
      (host === undefined ? `Host: ${hostHeader}\r\n` : '') +
      (connection ? '' : 'Connection: keep-alive\r\n') +
      lines;
    template = {
      url: req.url,
      method,
      headers: req.headers,
      origin,
      headStart: `${start}Content-Length: `,
      headWithoutLength: `${start}\r\n`,
    };
    return template;
  }

  function send(req: TransportRequest): Promise<TransportResult> {
    if (closing.signal.aborted)
      return Promise.resolve({ kind: 'network-error', message: 'transport closed', timedOut: false, shutdown: true });
    if (req.signal?.aborted)
      return Promise.resolve({ kind: 'network-error', message: 'request cancelled', timedOut: false });
    let tpl: HeadTemplate;
    let body: Buffer | Uint8Array;
    try {
      tpl = templateOf(req);
      body = typeof req.body === 'string' ? Buffer.from(req.body) : (req.body ?? Buffer.alloc(0));
    } catch (err) {
      // An invalid URL or header is refused before anything is sent, as Node's client does.
      return Promise.resolve(networkError(err));
    }
    // A GET without a body says no length, as Node's client; a POST always says it.
    const head =
      req.body === undefined && tpl.method === 'GET' ? tpl.headWithoutLength : `${tpl.headStart}${body.length}\r\n\r\n`;
    return new Promise((resolve) => {
      const limit = requestLimitMs(req, timeoutMs);
      const onClose = (): void => fail(closing.signal.reason);
      const onCancel = (): void => fail(new Error('request cancelled'));
      const timer = timers.setTimeout(() => fail(new TimeoutError(`request timed out after ${limit} ms`)), limit);
      const exchange: Exchange = {
        head,
        body,
        req,
        parser: parserFor(req),
        connection: undefined,
        resent: false,
        settled: false,
        settle(result) {
          if (exchange.settled) return;
          exchange.settled = true;
          timers.clearTimeout(timer);
          closing.signal.removeEventListener('abort', onClose);
          req.signal?.removeEventListener('abort', onCancel);
          resolve(result);
        },
      };
      // Every failure (refused, reset, timed out, cancelled, closed) ends the request, its socket, and settles it once.
      function fail(reason: unknown): void {
        if (exchange.settled) return;
        const c = exchange.connection;
        exchange.settle(networkError(reason));
        if (c !== undefined) destroy(c);
        else removeWaiting(tpl.origin, exchange);
      }
      closing.signal.addEventListener('abort', onClose, { once: true });
      req.signal?.addEventListener('abort', onCancel, { once: true });
      dispatch(tpl.origin, exchange);
    });
  }

  function parserFor(req: TransportRequest): Http1ResponseParser {
    const max = req.maxBodyChars ?? MAX_BODY_CHARS;
    return new Http1ResponseParser((headers) => {
      if (req.decodeBody !== undefined || max === Infinity) return Infinity;
      if (headers['content-encoding'] !== undefined) return MAX_ENCODED_BYTES;
      // UTF-8 takes at most 3 bytes per UTF-16 unit (4 for a pair), plus a BOM: enough for `max` characters.
      return 3 * max + 3;
    });
  }

  /** Starts the exchange on an idle socket, a new one, or queues it behind the busy ones. */
  function dispatch(origin: Origin, exchange: Exchange): void {
    const now = performance.now();
    for (let c = origin.idle.pop(); c !== undefined; c = origin.idle.pop()) {
      if (now - c.idleSince < c.keepAliveMs) {
        c.socket.ref();
        start(c, exchange);
        return;
      }
      // Idle past the server's keep-alive timeout: it may close it as we write.
      destroy(c);
    }
    if (origin.open < maxSockets) start(connect(origin), exchange);
    else origin.waiting.push(exchange);
  }

  function removeWaiting(origin: Origin, exchange: Exchange): void {
    const i = origin.waiting.indexOf(exchange);
    if (i !== -1) origin.waiting.splice(i, 1);
  }

  function start(c: Connection, exchange: Exchange): void {
    c.exchange = exchange;
    exchange.connection = c;
    const socket = c.socket;
    // Head and body in one writev.
    socket.cork();
    socket.write(exchange.head, 'latin1');
    if (exchange.body.length > 0) socket.write(exchange.body);
    socket.uncork();
  }

  function connect(origin: Origin): Connection {
    origin.open++;
    const socket = origin.secure
      ? tls().connect({
          host: origin.host,
          port: origin.port,
          ...(origin.servername === undefined ? {} : { servername: origin.servername }),
          ...(origin.session === undefined ? {} : { session: origin.session }),
        })
      : net().connect({ host: origin.host, port: origin.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEP_ALIVE_PROBE_MS);
    const c: Connection = {
      socket,
      origin,
      exchange: undefined,
      served: 0,
      idleSince: 0,
      keepAliveMs: Infinity,
      closed: false,
    };
    if (origin.secure) socket.on('session', (session: Buffer) => (origin.session = session));
    socket.on('data', (chunk: Buffer) => onData(c, chunk));
    socket.on('end', () => onGone(c));
    socket.on('error', (err) => onGone(c, err));
    socket.on('close', () => onGone(c));
    return c;
  }

  function onData(c: Connection, chunk: Buffer): void {
    const exchange = c.exchange;
    if (exchange === undefined) {
      // Bytes nobody asked for (on an idle socket): it cannot be trusted with another request.
      destroy(c);
      return;
    }
    let answer: ParsedAnswer | undefined;
    try {
      answer = exchange.parser.feed(chunk);
    } catch (err) {
      exchange.settle(networkError(err));
      destroy(c);
      return;
    }
    if (answer !== undefined) finish(c, exchange, answer);
  }

  /** The socket ended, failed or closed: its request (if any) settles, or is sent again once on a fresh socket. */
  function onGone(c: Connection, err?: Error): void {
    const exchange = c.exchange;
    if (exchange !== undefined && !exchange.settled) {
      const answer = exchange.parser.end();
      if (answer !== undefined) {
        finish(c, exchange, answer);
      } else if (c.served > 0 && !exchange.parser.started && !exchange.resent && !closing.signal.aborted) {
        // The keep-alive race: the far end closed this socket as the request went out, and said nothing. A POST is
        // not idempotent, but a batch sent twice is what a retry does anyway; one lost is what must not happen.
        exchange.resent = true;
        c.exchange = undefined;
        exchange.connection = undefined;
        const origin = c.origin;
        // Idle sockets of the same age are as likely closed: the resend takes a fresh one, first in line.
        for (const idle of origin.idle.splice(0)) destroy(idle);
        origin.waiting.unshift(exchange);
        destroy(c);
        return;
      } else {
        exchange.settle(networkError(err ?? closedError(exchange.parser.started)));
      }
    }
    destroy(c);
  }

  function finish(c: Connection, exchange: Exchange, answer: ParsedAnswer): void {
    c.exchange = undefined;
    exchange.connection = undefined;
    c.served++;
    if (answer.reusable && !closing.signal.aborted) {
      const keepAlive = /timeout=(\d+)/i.exec(answer.headers['keep-alive'] ?? '');
      c.keepAliveMs = keepAlive === null ? Infinity : Number(keepAlive[1]) * 1000 - KEEP_ALIVE_MARGIN_MS;
      release(c);
    } else {
      destroy(c);
    }
    exchange.settle(resultOf(exchange.req, answer));
  }

  /** A socket free again: the next waiting request takes it, else it idles (unref'd: it never keeps Node alive). */
  function release(c: Connection): void {
    const origin = c.origin;
    for (let next = origin.waiting.shift(); next !== undefined; next = origin.waiting.shift()) {
      if (next.settled) continue;
      start(c, next);
      return;
    }
    c.idleSince = performance.now();
    c.socket.unref();
    origin.idle.push(c);
  }

  function destroy(c: Connection): void {
    if (c.closed) return;
    c.closed = true;
    c.exchange = undefined;
    const origin = c.origin;
    origin.open--;
    const i = origin.idle.indexOf(c);
    if (i !== -1) origin.idle.splice(i, 1);
    c.socket.destroy();
    // Closing: the waiting requests are failed by close(), not connected now only to be torn down.
    if (closing.signal.aborted) return;
    // A socket slot is free: a waiting request may connect.
    for (let next = origin.waiting.shift(); next !== undefined; next = origin.waiting.shift()) {
      if (next.settled) continue;
      dispatch(origin, next);
      return;
    }
  }

  function close(): Promise<void> {
    if (!closing.signal.aborted) closing.abort(new Error('transport closed'));
    for (const origin of origins.values()) {
      for (const w of origin.waiting.splice(0)) w.settle(networkError(new Error('transport closed')));
      for (const c of [...origin.idle]) destroy(c);
    }
    return Promise.resolve();
  }

  return { send, close };
}

/** A socket closed under a request, in the words of Node's client (before an answer) or of ours (during one). */
function closedError(answerStarted: boolean): Error {
  if (answerStarted) return new Error('the connection closed before the answer was complete');
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/** The answer as the contract's result: its body inflated if it says so, as text (or decoded), kept to its limit. */
function resultOf(req: TransportRequest, answer: ParsedAnswer): TransportResult {
  const { status, headers } = answer;
  let bytes: Buffer;
  try {
    const inflate = inflaterFor(headers['content-encoding']);
    bytes = inflate === undefined ? answer.body : inflate(answer.body);
  } catch (err) {
    return networkError(err);
  }
  if (req.decodeBody !== undefined)
    return { kind: 'response', status, headers, body: '', decoded: req.decodeBody(bytes, status) };
  const max = req.maxBodyChars ?? MAX_BODY_CHARS;
  const start = bytes.length > 2 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const text = bytes.length === 0 ? '' : bytes.toString('utf8', start, bytes.length);
  return { kind: 'response', status, headers, body: text.length > max ? text.slice(0, max) : text };
}
