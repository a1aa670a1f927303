/**
 * HTTP transport over undici: one keep-alive Agent, a timeout per request, and results as values. A network error
 * or timeout is a `network-error` result, never a throw, so the retrying transport (a later wrapper with the same
 * interface) and `toExportOutcome` decide what it means. `run`'s shipping and the Datadog API reads use the same
 * contract over Node's own client (./node-http-transport.ts), and so does `flush`; this one remains for `verify` and
 * the probe.
 */
import type { Agent, request as undiciRequest } from 'undici';
import { KEEP_ALIVE_TIMERS, type Timers } from '../timers.js';

export interface TransportRequest {
  url: string;
  /** Default POST. */
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  /** None for a GET. */
  body?: string | Uint8Array;
  /** This request's timeout, when shorter than the transport's (the retrying transport's remaining budget). */
  timeoutMs?: number;
  /** Cancels this request (Ctrl-C): it settles as a network error that did not time out. */
  signal?: AbortSignal;
  /**
   * Characters of the answer's body kept (default MAX_BODY_CHARS): export only needs an error's explanation; the
   * API client parses whole answers and passes Infinity.
   */
  maxBodyChars?: number;
  /**
   * Reads the answer's body from its bytes as soon as they have all arrived, in place of `body` (then ''): what it
   * returns is `decoded`. The bytes are lent (a buffer used again for the next answer); it must not throw. The API
   * client parses search pages so, without making the 600 KB page one string (destinations/datadog/search-page.ts).
   */
  decodeBody?: (bytes: Buffer, status: number) => unknown;
}

export type TransportResult = (
  | { kind: 'response'; status: number; headers: Record<string, string>; body: string; decoded?: unknown }
  | { kind: 'network-error'; message: string; code?: string; timedOut: boolean }
) & {
  /** Requests made for this result, when the retrying transport made more than one. */
  attempts?: number;
  /** Set when the retrying transport stopped retrying, and why (out of time, closed). */
  gaveUp?: string;
  /** Set when our own shutdown ended the request or its retries: nothing is wrong with the far end. */
  shutdown?: true;
};

export interface Transport {
  send(request: TransportRequest): Promise<TransportResult>;
  /** Aborts requests in flight (they resolve as network errors) and closes the connections. */
  close(): Promise<void>;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** Enough of an error body to explain it; Datadog's are short. */
export const MAX_BODY_CHARS = 4096;

export interface HttpTransportOptions {
  /** One request, from sending to the end of the response body. */
  timeoutMs?: number;
  /** Connections per origin: match the processor's concurrent exports. */
  connections?: number;
  timers?: Timers;
}

/** A request's own time limit ran out (both transports): the result says `timedOut`. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** This request's limit: the transport's, or the request's own when shorter (at least 1 ms). */
export function requestLimitMs(req: TransportRequest, transportMs: number): number {
  return req.timeoutMs === undefined ? transportMs : Math.min(transportMs, Math.max(1, req.timeoutMs));
}

/** The answer's body as kept (`maxBodyChars`, default MAX_BODY_CHARS). */
export function keptBody(text: string, req: TransportRequest): string {
  const max = req.maxBodyChars ?? MAX_BODY_CHARS;
  return text.length > max ? text.slice(0, max) : text;
}

/** A failed request as a result: `reason` says why (a TimeoutError: timed out); `err`'s code, when it has one. */
export function networkError(reason: unknown, err: unknown = reason): TransportResult {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return {
    kind: 'network-error',
    message: reason instanceof Error ? reason.message : String(reason),
    ...(typeof code === 'string' ? { code } : {}),
    timedOut: reason instanceof TimeoutError,
  };
}

export function createHttpTransport(options: HttpTransportOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timers = options.timers ?? KEEP_ALIVE_TIMERS;
  const closing = new AbortController();
  let undici: Promise<{ agent: Agent; request: typeof undiciRequest }> | undefined;

  // undici is imported on the first request only: `--help` and local runs never load it.
  function load(): Promise<{ agent: Agent; request: typeof undiciRequest }> {
    undici ??= import('undici').then((m) => ({
      agent: new m.Agent({ connections: options.connections ?? 4, keepAliveTimeout: 30_000, pipelining: 1 }),
      request: m.request,
    }));
    return undici;
  }

  async function send(req: TransportRequest): Promise<TransportResult> {
    if (closing.signal.aborted)
      return { kind: 'network-error', message: 'transport closed', timedOut: false, shutdown: true };
    if (req.signal?.aborted) return { kind: 'network-error', message: 'request cancelled', timedOut: false };
    const controller = new AbortController();
    const onClose = (): void => controller.abort(closing.signal.reason);
    const onCancel = (): void => controller.abort(new Error('request cancelled'));
    closing.signal.addEventListener('abort', onClose, { once: true });
    req.signal?.addEventListener('abort', onCancel, { once: true });
    const limit = requestLimitMs(req, timeoutMs);
    let timer: unknown;
    try {
      // Loading undici (the first request only) is our start-up, not the intake's time: the clock starts after it.
      const { agent, request } = await load();
      timer = timers.setTimeout(() => controller.abort(new TimeoutError(`request timed out after ${limit} ms`)), limit);
      // The abort settles the attempt even when undici does not: a request refused before it had a socket (an
      // invalid header) can leave a pool slot taken and the next request queued, deaf to its signal.
      const res = await Promise.race([
        request(req.url, {
          method: req.method ?? 'POST',
          headers: req.headers,
          body: req.body,
          dispatcher: agent,
          signal: controller.signal,
        }),
        abortedBy(controller.signal),
      ]);
      if (req.decodeBody !== undefined) {
        const decoded = req.decodeBody(Buffer.from(await res.body.arrayBuffer()), res.statusCode);
        return { kind: 'response', status: res.statusCode, headers: flattenHeaders(res.headers), body: '', decoded };
      }
      const body = keptBody(await res.body.text(), req);
      return { kind: 'response', status: res.statusCode, headers: flattenHeaders(res.headers), body };
    } catch (err) {
      return networkError(controller.signal.aborted ? controller.signal.reason : err, err);
    } finally {
      if (timer !== undefined) timers.clearTimeout(timer);
      closing.signal.removeEventListener('abort', onClose);
      req.signal?.removeEventListener('abort', onCancel);
    }
  }

  async function close(): Promise<void> {
    if (!closing.signal.aborted) closing.abort(new Error('transport closed'));
    if (undici) await (await undici).agent.destroy();
  }

  return { send, close };
}

export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function abortedBy(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
