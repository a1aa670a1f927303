/** Network checks for `log-store verify`: a TCP connect without sending anything, one POST, and how to show URLs. */
import { connect } from 'node:net';
import { createHttpTransport } from './transport.js';
import type { TransportResult } from './transport.js';

const CONNECT_TIMEOUT_MS = 10_000;
/** One verify request, including the roundtrip's searches. */
export const VERIFY_REQUEST_TIMEOUT_MS = 15_000;
const MAX_DETAIL_BODY = 200;

export type Probe = { ok: true; ms: number } | { ok: false; problem: string };

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

export async function postOnce(
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
): Promise<TransportResult> {
  const transport = createHttpTransport({ timeoutMs: VERIFY_REQUEST_TIMEOUT_MS, connections: 1 });
  try {
    return await transport.send({ url, headers, body });
  } finally {
    await transport.close();
  }
}

export function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

export function hostPort(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === 'http:' ? '80' : '443')}`;
  } catch {
    return url;
  }
}

export function unreachableDetail(url: string, problem: string): string {
  return `cannot reach ${url}: ${problem}`;
}

/** The start of a response body for a one-line detail; empty for an empty or `{}` body. */
export function bodySnippet(body: string): string {
  const text = body.trim().replace(/\s+/g, ' ');
  if (text === '' || text === '{}') return '';
  return `: ${text.length > MAX_DETAIL_BODY ? `${text.slice(0, MAX_DETAIL_BODY)}...` : text}`;
}
