/**
 * What an HTTP answer means for a batch (docs/reliability.md, "Responses and retries"). Retrying, 413 splitting and
 * 400 isolation belong to the retrying transport; here a result only becomes success, failure or retryable.
 */
import type { TransportResult } from './transport.js';

/** What sending a batch came to: a value, never an exception, so a retrying wrapper can sit around it. */
export type ExportOutcome =
  | { kind: 'success' }
  | { kind: 'failure'; status?: number; message: string; unsent?: true }
  | {
      kind: 'retryable';
      status?: number;
      message: string;
      retryAfterMs?: number;
      /** Not (fully) tried: our own shutdown or stop ended it, so the reason for spooling is ours, not the far end's. */
      unsent?: true;
    };

export type ExportErrorKind = Exclude<ExportOutcome['kind'], 'success'>;

const RETRYABLE_STATUSES = new Set([408, 429]);
/** Error bodies are quoted in messages up to this length. */
const MAX_MESSAGE_BODY_CHARS = 300;

export function toExportOutcome(result: TransportResult, now: () => number = Date.now): ExportOutcome {
  const retried = result.gaveUp === undefined ? '' : ` (${result.gaveUp})`;
  if (result.kind === 'network-error') {
    // A look-alike 2xx (destinations/datadog/intake-answer.ts) says what it was itself.
    if (result.code === 'NOT_THE_INTAKE') return { kind: 'retryable', message: `${result.message}${retried}` };
    const what = result.timedOut ? 'timeout' : `network error${result.code ? ` ${result.code}` : ''}`;
    return {
      kind: 'retryable',
      message: `${what}: ${result.message}${retried}`,
      ...(result.shutdown ? { unsent: true as const } : {}),
    };
  }
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: 'success' };
  const message = describeStatus(status, result.body) + retried;
  if (RETRYABLE_STATUSES.has(status) || status >= 500) {
    const retryAfterMs = parseRetryAfterMs(result.headers, now());
    return {
      kind: 'retryable',
      status,
      message,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(result.shutdown ? { unsent: true as const } : {}),
    };
  }
  return { kind: 'failure', status, message };
}

/** `Retry-After` (seconds or an HTTP date), else Datadog's `X-RateLimit-Reset` (seconds until the reset). */
export function parseRetryAfterMs(headers: Record<string, string>, nowMs: number): number | undefined {
  const retryAfter = headers['retry-after']?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  const reset = headers['x-ratelimit-reset']?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) return Math.round(Number(reset) * 1000);
  return undefined;
}

function describeStatus(status: number, body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  const quoted = text.length > MAX_MESSAGE_BODY_CHARS ? `${text.slice(0, MAX_MESSAGE_BODY_CHARS)}...` : text;
  return quoted ? `HTTP ${status}: ${quoted}` : `HTTP ${status}`;
}
