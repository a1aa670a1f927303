/**
 * The runner's one entry point into export: a batching processor wired to a destination's exporter, with the
 * retrying HTTP transport that exporter sends through. Which exporter, and with which limits, the destination says.
 */
import {
  createBatchingProcessor,
  DEFAULT_BATCHING,
  type BatchingOptions,
  type BatchingProcessor,
  type BatchingProcessorOptions,
  type OverflowPolicy,
  type SpoolSink,
} from './batching-processor.js';
import type { Exporter } from './exporter.js';
import { createEventLoopBusyProbe } from './event-loop-busy.js';
import { withAcks, type JournalWriter } from './journal.js';
import type { Timers } from '../core/timers.js';
import { createRetryingTransport, type RetryPolicy } from '../core/http/retrying-transport.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type Transport } from '../core/http/transport.js';
import { createLeanHttpTransport } from '../core/http/lean-http-transport.js';

export interface LogSinkOptions {
  /**
   * The destination's exporter for this stream. `transport()` makes the retrying HTTP transport (bounded by
   * `exportTimeoutMs`) for destinations that send over HTTP.
   */
  createExporter(transport: () => Transport): Exporter;
  /** Batching as the destination settled it (its defaults and caps applied: destinations/<flavor>/destination.ts). */
  batching?: Partial<BatchingOptions>;
  /** `export_timeout_millis`: one request with its retries. */
  exportTimeoutMs?: number;
  /** Wraps the HTTP transport under the retries: which answers count as delivery (the destination's checkAnswers). */
  checkAnswers?: (inner: Transport) => Transport;
  timers?: Timers;
  /** Replaces the HTTP transport (still wrapped by the retrying transport). */
  transport?: Transport;
  retry?: Partial<RetryPolicy>;
  /** Jitter source, injected in tests. */
  random?: () => number;
  now?: () => number;
  onFailed?: BatchingProcessorOptions<unknown>['onFailed'];
  /** The disk spool for what is not delivered; without one, undelivered records are counted failed. */
  spool?: SpoolSink;
  overflow?: OverflowPolicy;
  /** The run's write-ahead journal: acknowledged batches are checkpointed in it. */
  journal?: Pick<JournalWriter, 'ack'>;
}

export type LogSink = BatchingProcessor;

/**
 * Closed batches waiting for a send slot past which the runner pauses reading the child while our thread is the
 * bottleneck (batching-processor.ts `Pacing`): a few bodies in memory instead of up to `max_queue_size` records.
 * docs/performance.md, "The datadog run path, this session".
 */
export const MAX_WAITING_BATCHES = 3;

export function createLogSink(options: LogSinkOptions): LogSink {
  const batching: BatchingOptions = { ...DEFAULT_BATCHING, ...options.batching };
  const budgetMs = options.exportTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const transport = (): Transport => {
    // The lean HTTP/1.1 client: a batch's request costs our thread about half what Node's ClientRequest did
    // (core/http/lean-http-transport.ts); `flush`, `logs` and `verify` keep theirs.
    const http =
      options.transport ??
      createLeanHttpTransport({
        connections: batching.maxConcurrentExports,
        timeoutMs: budgetMs,
        ...(options.timers === undefined ? {} : { timers: options.timers }),
      });
    return createRetryingTransport(options.checkAnswers ? options.checkAnswers(http) : http, {
      budgetMs,
      ...(options.retry === undefined ? {} : { policy: options.retry }),
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  };

  let exporter = options.createExporter(transport);
  // A journal checkpoints what the intake acknowledged: what it holds beyond that is the spool.
  if (options.journal !== undefined) exporter = withAcks(exporter, options.journal.ack);
  return createBatchingProcessor({
    exporter,
    batching,
    pacing: { maxWaitingBatches: MAX_WAITING_BATCHES, cpuBound: createEventLoopBusyProbe() },
    ...(options.timers === undefined ? {} : { timers: options.timers }),
    ...(options.onFailed === undefined ? {} : { onFailed: options.onFailed }),
    ...(options.spool === undefined ? {} : { spool: options.spool }),
    ...(options.overflow === undefined ? {} : { overflow: options.overflow }),
  });
}
