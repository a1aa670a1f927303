/**
 * Retry as a wrapping transport (OTel `otlp-exporter-base` retrying-transport): 408, 429, 5xx, connection errors and
 * timeouts are sent again with exponential backoff and jitter, honouring `Retry-After` and `X-RateLimit-Reset`, all
 * within one budget per `send` (`export_timeout_millis`). When the budget cannot hold another attempt the last result
 * comes back, marked `gaveUp`, and the caller spools the batch. Anything else (2xx, 4xx) comes back at once.
 *
 * Timeouts adapt to the intake. An attempt starts with `attemptShare` of the budget (a dead keep-alive socket is
 * retried soon), but an intake that answers slowly is not cut short for long: a timed-out attempt doubles the attempt
 * timeout of every later request of this transport (up to the budget), and a slow success raises it to twice what
 * the answer took. A timed-out batch is sent again only when the rest of its budget holds a whole attempt of the new
 * length: a slow intake has probably received it already, and a retry doomed to time out again would only add a
 * copy (the duplicate storm of a 10 s intake). At-least-once, not at-least-many.
 */
import { toExportOutcome } from './http-outcome.js';
import { KEEP_ALIVE_TIMERS, type Timers } from '../timers.js';
import type { Transport, TransportRequest, TransportResult } from './transport.js';

export interface RetryPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
  /** Each wait is the backoff times a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  /** The first attempts get this share of the budget, so a hung request still leaves time to retry; it grows. */
  attemptShare: number;
  /** No attempt is started with less time than this left. */
  minAttemptMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialBackoffMs: 200,
  maxBackoffMs: 5000,
  multiplier: 2,
  jitter: 0.25,
  attemptShare: 0.5,
  minAttemptMs: 100,
};

export interface RetryingTransportOptions {
  /** `export_timeout_millis`: one send, its retries and waits included. */
  budgetMs: number;
  /** How the messages name the budget (default `export_timeout_millis=<ms>`; verify's is its --timeout). */
  budgetName?: string;
  policy?: Partial<RetryPolicy>;
  timers?: Timers;
  now?: () => number;
  /** In [0, 1): injected so the jitter is testable. */
  random?: () => number;
}

/** A retrying transport that can also be told to stop retrying, the attempts in flight left to end. */
export interface RetryingTransport extends Transport {
  /**
   * No retry after the attempts in flight (a retryable answer then comes back marked as shut down) and no wait left to
   * sleep; a send begun after it still makes its one attempt.
   */
  stopRetrying(): void;
}

export function createRetryingTransport(inner: Transport, options: RetryingTransportOptions): RetryingTransport {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const timers = options.timers ?? KEEP_ALIVE_TIMERS;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const budget = Math.max(1, options.budgetMs);
  const budgetName = options.budgetName ?? `export_timeout_millis=${budget}`;
  const sleeping = new Set<() => void>();
  let closed = false;
  // Shared by every send: what one batch learnt about the intake's speed holds for the next.
  let attemptLimit = Math.min(budget, Math.max(policy.minAttemptMs, Math.ceil(budget * policy.attemptShare)));

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        sleeping.delete(wake);
        timers.clearTimeout(handle);
        resolve();
      };
      const handle = timers.setTimeout(wake, ms);
      sleeping.add(wake);
    });
  }

  function backoff(retry: number): number {
    const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (retry - 1));
    return Math.max(0, Math.round(base * (1 - policy.jitter + 2 * policy.jitter * random())));
  }

  async function send(req: TransportRequest): Promise<TransportResult> {
    const deadline = now() + budget;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - now();
      const started = now();
      const result = await inner.send({ ...req, timeoutMs: Math.max(1, Math.min(remaining, attemptLimit)) });
      const outcome = toExportOutcome(result, now);
      const timedOut = result.kind === 'network-error' && result.timedOut;
      if (timedOut) attemptLimit = Math.min(budget, attemptLimit * 2);
      else if (outcome.kind === 'success')
        attemptLimit = Math.min(budget, Math.max(attemptLimit, 2 * (now() - started)));
      if (outcome.kind !== 'retryable') return attempt > 1 ? { ...result, attempts: attempt } : result;
      const spent = (): string =>
        `${attempt} attempt${attempt === 1 ? '' : 's'} in ${Math.round(now() - deadline + budget)} ms`;
      if (closed)
        return { ...result, attempts: attempt, gaveUp: `stopped after ${spent()}: shutting down`, shutdown: true };
      const wait = outcome.retryAfterMs ?? backoff(attempt);
      if (timedOut && deadline - now() - wait < attemptLimit) {
        const why =
          `the intake is slow: the rest of ${budgetName} cannot hold a ${attemptLimit} ms attempt, ` +
          'and the intake may have received it already (sending again would only add a copy)';
        return { ...result, attempts: attempt, gaveUp: `gave up after ${spent()}: ${why}` };
      }
      if (now() + wait + policy.minAttemptMs > deadline) {
        const why =
          outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 0
            ? `asked to wait ${outcome.retryAfterMs} ms, past ${budgetName}`
            : `${budgetName} spent`;
        return { ...result, attempts: attempt, gaveUp: `gave up after ${spent()}: ${why}` };
      }
      await sleep(wait);
      if (closed)
        return { ...result, attempts: attempt, gaveUp: `stopped after ${spent()}: shutting down`, shutdown: true };
    }
  }

  function stopRetrying(): void {
    closed = true;
    for (const wake of [...sleeping]) wake();
  }

  async function close(): Promise<void> {
    stopRetrying();
    await inner.close();
  }

  return { send, close, stopRetrying };
}
