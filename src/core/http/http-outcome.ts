/**
 * What an HTTP answer means for a batch (run-and-export.md, "Responses and retries"). Retrying, 413 splitting and
 * 400 isolation belong to the retrying transport; here a result only becomes success, failure or retryable.
 */
import type { ExportOutcome } from '../../pipeline/exporter.js';
import type { TransportResult } from './transport.js';

const RETRYABLE_STATUSES = new Set([408, 429]);
/** Error bodies are quoted in messages up to this length. */
const MAX_MESSAGE_BODY_CHARS = 300;

export function toExportOutcome(result: TransportResult, now: () => number = Date.now): ExportOutcome {
  const retried = result.gaveUp === undefined ? '' : ` (${result.gaveUp})`;
  if (result.kind === 'network-error') {
    const what = result.timedOut ? 'timeout' : `network error${result.code ? ` ${result.code}` : ''}`;
    return { kind: 'retryable', message: `${what}: ${result.message}${retried}` };
  }
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: 'success' };
  const message = describeStatus(status, result.body) + retried;
  if (RETRYABLE_STATUSES.has(status) || status >= 500) {
    const retryAfterMs = parseRetryAfterMs(result.headers, now());
    return retryAfterMs === undefined
      ? { kind: 'retryable', status, message }
      : { kind: 'retryable', status, message, retryAfterMs };
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
