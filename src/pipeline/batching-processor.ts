/**
 * Our own batching processor. The stock OTel `BatchLogRecordProcessor` drops records once its queue is full; this
 * one never does. Every record read ends counted as delivered, spooled (written to the disk spool, with why),
 * dropped (only with `overflow: 'drop'`, the user's choice) or failed (the spool itself refused it: lost, and
 * reported). Past `maxQueueSize` records in memory, new records go to the spool (`overflow: 'spool'`, once holding
 * the caller for OVERFLOW_GRACE_MS did not make room), are dropped
 * and counted (`'drop'`), or `emit` answers false (`'block'`, like `stream.write`) and the caller waits on `drain()`.
 * 413/400 answers split the batch (splitting.ts); a 401/403 stops sending for the rest of the processor's life.
 */
import type { BatchWriter, Exporter } from './exporter.js';
import type { ExportErrorKind, ExportOutcome } from '../core/http/http-outcome.js';
import type { LogRecordData } from '../core/log-record.js';
import { exportWithSplitting } from './splitting.js';
import { SYSTEM_TIMERS, type Timers } from '../core/timers.js';

export const DEFAULT_MAX_BATCH_BYTES = 5_000_000;
export const DEFAULT_MAX_CONCURRENT_EXPORTS = 3;

export interface BatchingOptions {
  maxExportBatchSize: number;
  /** Serialized bytes per batch (the request body, uncompressed). */
  maxBatchBytes: number;
  scheduleDelayMillis: number;
  /** Records held in memory (waiting, batched or in flight) before `emit` answers false. */
  maxQueueSize: number;
  maxConcurrentExports: number;
}

export const DEFAULT_BATCHING: BatchingOptions = {
  maxExportBatchSize: 500,
  maxBatchBytes: DEFAULT_MAX_BATCH_BYTES,
  scheduleDelayMillis: 5000,
  maxQueueSize: 100_000,
  maxConcurrentExports: DEFAULT_MAX_CONCURRENT_EXPORTS,
};

export interface ProcessorCounts {
  read: number;
  delivered: number;
  /** Written to the disk spool, to be resent by `flush`. */
  spooled: number;
  /** Only with `overflow: 'drop'`, or emitted after shutdown without a spool. */
  dropped: number;
  /** Not delivered and not spooled (the spool refused them or there is none): lost, and reported. */
  failed: number;
}

/** Why records went to the spool: the summary line and `flush` say so. */
export type SpoolReason =
  | 'queue full'
  | 'retries exhausted'
  | 'rejected by the intake'
  | 'API key rejected'
  | 'flush timeout'
  | 'interrupted'
  | 'export failed';

export type OverflowPolicy = 'block' | 'spool' | 'drop';

/** The spool as the processor sees it: a synchronous append that answers whether the records are on disk. */
export interface SpoolSink {
  append(items: readonly string[], reason: string): boolean;
}

export interface ExportErrorInfo {
  status?: number;
  message: string;
  /** How many records ended failed with this kind of outcome. */
  records: number;
}

export type FirstErrors = Partial<Record<ExportErrorKind, ExportErrorInfo>>;

export type FlushResult = 'flushed' | 'timed-out';

export interface BatchingProcessor {
  /**
   * Never blocks, never drops. Answers false when the queue is full, or while `pacing` holds the caller: await
   * `drain()` before emitting more.
   */
  emit(record: LogRecordData): boolean;
  isFull(): boolean;
  /** Resolves once the queue has room again (at once when it has). */
  drain(): Promise<void>;
  /** A shutdown in progress stops waiting for the flush: what is unsent is spooled now (a second Ctrl-C). */
  interrupt(): void;
  /** Sends everything emitted so far; resolves when all of it settled or after `timeoutMs`. */
  forceFlush(timeoutMs?: number): Promise<FlushResult>;
  /**
   * Flushes within `timeoutMs`, then counts what is still unsent as failed (handing it to `onFailed`), shuts the
   * exporter down (which aborts requests in flight) and resolves with the final counts.
   */
  shutdown(timeoutMs?: number): Promise<ProcessorCounts>;
  counts(): ProcessorCounts;
  firstErrors(): FirstErrors;
  /** Records spooled (or, without a spool, failed) per reason. */
  reasons(): Partial<Record<SpoolReason, number>>;
  /** The 401/403 answer that stopped sending, if one did. */
  authFailure(): Exclude<ExportOutcome, { kind: 'success' }> | undefined;
}

export interface BatchingProcessorOptions<B> {
  exporter: Exporter<B>;
  batching?: Partial<BatchingOptions>;
  timers?: Timers;
  /**
   * Every batch (or split part) that was not delivered, with why, after it was spooled and before it is counted.
   */
  onFailed?: (batch: B, outcome: Exclude<ExportOutcome, { kind: 'success' }>) => void;
  /** Where undelivered records go; the exporter must implement `items` (and `item`, for overflow). */
  spool?: SpoolSink;
  /** What a full queue does (default `spool` when there is a spool, else `block`). */
  overflow?: OverflowPolicy;
  /** Pacing the caller while our own CPU is what is slow: see `Pacing`. Default: none (only `maxQueueSize`). */
  pacing?: Pacing;
}

/**
 * Batches pile up waiting for a send slot for one of two reasons. Our own CPU is the bottleneck (reading,
 * serializing and compressing share two cores with the child): then holding the reader until a slot frees costs the
 * child nothing it would not lose to us anyway, keeps each body in the CPU's cache on its way to the compressor, and
 * keeps a few bodies in memory instead of up to `maxQueueSize` records (~60 MB at 100,000; docs/performance.md). Or
 * the intake is slow: then the queue absorbs the output (past `maxQueueSize`, the spool) and the network must never
 * pace the child. So with more than `maxWaitingBatches` closed batches waiting, `emit` answers false (the caller
 * waits on `drain()`) only while `cpuBound()` says the caller's thread is saturated; and a hold that lasts
 * WAITING_HOLD_LIMIT_MS means the intake is slow after all: pacing stops until an export again takes less than
 * FAST_EXPORT_MS (a body compressed and answered by an intake that keeps up).
 */
export interface Pacing {
  maxWaitingBatches: number;
  cpuBound: () => boolean;
}

/** Long enough for the first request (it loads the HTTP client and connects: ~0.7 s on a loaded machine). */
export const WAITING_HOLD_LIMIT_MS = 1000;
/** Exports took 5-20 ms (p10-p90) on two loaded cores against a local sink; a remote intake's round trip is more. */
export const FAST_EXPORT_MS = 50;

/** Overflow records are written to the spool in groups of this many. */
const OVERFLOW_CHUNK = 256;

/**
 * With the spool policy, a full queue first holds the caller (who pauses reading the child) for up to this long.
 * When we are only busy (a burst of output on a saturated CPU), one batch completing makes room within milliseconds,
 * and pausing costs far less than serializing, writing and later resending a spool. When the queue is still full
 * after this, the intake itself is slow: from then on, for the rest of the run, overflow goes to the spool and the
 * child is never held again.
 */
export const OVERFLOW_GRACE_MS = 1000;

interface ClosedBatch<B> {
  batch: B;
  count: number;
}

export function createBatchingProcessor<B>(options: BatchingProcessorOptions<B>): BatchingProcessor {
  const { exporter, onFailed } = options;
  const timers = options.timers ?? SYSTEM_TIMERS;
  const cfg = resolveBatching(options.batching);
  const spool = options.spool !== undefined && exporter.items !== undefined ? options.spool : undefined;
  const wanted = options.overflow ?? (spool ? 'spool' : 'block');
  // Spooling overflow needs a spool and a way to render one record; without them the caller is slowed instead.
  const overflow: OverflowPolicy = wanted === 'spool' && (!spool || !exporter.item) ? 'block' : wanted;

  const counts: ProcessorCounts = { read: 0, delivered: 0, spooled: 0, dropped: 0, failed: 0 };
  const errors: FirstErrors = {};
  const reasons: Partial<Record<SpoolReason, number>> = {};
  const ready: ClosedBatch<B>[] = [];
  const inFlight = new Set<Promise<void>>();
  let open: BatchWriter<B> = exporter.createBatch();
  // `open.count`, kept here: the writers' `count` is a getter per batch object (and withAcks wraps one in another),
  // which the optimizing compiler cannot inline, and `emit` read it twice per record.
  let openCount = 0;
  let batchTimer: unknown;
  let closed = false;
  let stoppedBy: Exclude<ExportOutcome, { kind: 'success' }> | undefined;
  let drainWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];
  let overflowItems: string[] = [];
  let spilling = false;
  let graceTimer: unknown;
  // Never with `drop`: that user wants the child never held.
  const pacing = overflow === 'drop' ? undefined : options.pacing;
  let pacingSuspended = false;
  let holdTimer: unknown;
  let shuttingDown: Promise<ProcessorCounts> | undefined;
  let interrupted = false;
  let cutShort: () => void = () => undefined;
  let shutdownReason: SpoolReason = 'flush timeout';

  const held = (): number =>
    counts.read - counts.delivered - counts.spooled - counts.failed - counts.dropped - overflowItems.length;
  const isFull = (): boolean => held() >= cfg.maxQueueSize;
  const tooManyWaiting = (): boolean =>
    pacing !== undefined &&
    ready.length >= pacing.maxWaitingBatches &&
    !pacingSuspended &&
    !closed &&
    !spilling &&
    pacing.cpuBound();
  const isIdle = (): boolean => openCount === 0 && ready.length === 0 && inFlight.size === 0;

  function emit(record: LogRecordData): boolean {
    if (closed || ((overflow === 'drop' || spilling) && isFull())) return divert(record);
    if (!open.add(record, cfg.maxBatchBytes)) {
      closeOpenBatch();
      open.add(record, cfg.maxBatchBytes);
    }
    openCount++;
    counts.read++;
    const full = isFull();
    // A full queue with nothing else waiting to be sent sends the open batch at once: waiting for the timer would
    // stall a caller waiting on drain(). With batches waiting, their completion makes room, so keep filling.
    if (openCount >= cfg.maxExportBatchSize || (full && ready.length === 0)) closeOpenBatch();
    else if (openCount === 1) batchTimer = timers.setTimeout(onBatchTimer, cfg.scheduleDelayMillis);
    if (full && overflow === 'spool' && !spilling && graceTimer === undefined) {
      graceTimer = timers.setTimeout(startSpilling, OVERFLOW_GRACE_MS);
    }
    if (full) return overflow === 'drop' || spilling;
    if (!tooManyWaiting()) return true;
    holdTimer ??= timers.setTimeout(onHoldTooLong, WAITING_HOLD_LIMIT_MS);
    return false;
  }

  /** No send slot freed within WAITING_HOLD_LIMIT_MS: the intake is slow, so the queue absorbs for now. */
  function onHoldTooLong(): void {
    holdTimer = undefined;
    pacingSuspended = true;
    notify();
  }

  /** The queue stayed full through the grace period: the intake is slow, so overflow goes to the spool now. */
  function startSpilling(): void {
    graceTimer = undefined;
    spilling = true;
    releaseDrainWaiters();
  }

  function releaseDrainWaiters(): void {
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const w of waiters) w();
  }

  /** A record that does not enter the queue: full queue (spool or drop), or emitted after shutdown. */
  function divert(record: LogRecordData): boolean {
    counts.read++;
    if (overflow === 'drop' || !spool || !exporter.item) {
      counts.dropped++;
      return !closed;
    }
    overflowItems.push(exporter.item(record));
    if (overflowItems.length >= OVERFLOW_CHUNK) flushOverflow();
    return true;
  }

  function flushOverflow(): void {
    if (overflowItems.length === 0) return;
    const items = overflowItems;
    overflowItems = [];
    const reason: SpoolReason = 'queue full';
    const ok = spool?.append(items, `${reason}: more than max_queue_size=${cfg.maxQueueSize} records waiting`);
    if (ok) counts.spooled += items.length;
    else counts.failed += items.length;
    reasons[reason] = (reasons[reason] ?? 0) + items.length;
  }

  function onBatchTimer(): void {
    batchTimer = undefined;
    closeOpenBatch();
  }

  function closeOpenBatch(): void {
    if (batchTimer !== undefined) {
      timers.clearTimeout(batchTimer);
      batchTimer = undefined;
    }
    if (openCount === 0) return;
    const count = openCount;
    ready.push({ batch: open.finish(), count });
    open = exporter.createBatch();
    openCount = 0;
    pump();
  }

  function pump(): void {
    while (inFlight.size < cfg.maxConcurrentExports) {
      const batch = ready.shift();
      if (batch === undefined) return;
      const started = performance.now();
      const p: Promise<void> = runExport(batch).then(() => {
        if (performance.now() - started < FAST_EXPORT_MS) pacingSuspended = false;
        inFlight.delete(p);
        pump();
        notify();
      });
      inFlight.add(p);
    }
  }

  async function runExport(closedBatch: ClosedBatch<B>): Promise<void> {
    const parts = await exportWithSplitting(exporter, closedBatch, {
      stopped: () => stoppedBy,
      observe: (outcome) => {
        if (stoppedBy === undefined && outcome.kind === 'failure' && isAuthStatus(outcome.status)) {
          stoppedBy = {
            ...outcome,
            message: `not sent: an earlier request was refused (HTTP ${outcome.status}): ${outcome.message}`,
          };
          errors.failure ??= { status: outcome.status as number, message: outcome.message, records: 0 };
        }
      },
    });
    for (const part of parts) settle(part, part.outcome);
    exporter.release?.(closedBatch.batch);
    flushOverflow();
  }

  function reasonOf(outcome: Exclude<ExportOutcome, { kind: 'success' }>): SpoolReason {
    if (outcome.kind === 'retryable') {
      return outcome.unsent ? shutdownReason : 'retries exhausted';
    }
    if (isAuthStatus(outcome.status) || outcome === stoppedBy) return 'API key rejected';
    if (outcome.status === 400 || outcome.status === 413) return 'rejected by the intake';
    return 'export failed';
  }

  function settle({ batch, count }: ClosedBatch<B>, outcome: ExportOutcome): void {
    if (outcome.kind === 'success') {
      counts.delivered += count;
      return;
    }
    const reason = reasonOf(outcome);
    let spooled = false;
    if (spool && exporter.items) {
      try {
        spooled = spool.append(exporter.items(batch), `${reason}: ${outcome.message}`);
      } catch {
        spooled = false;
      }
    }
    try {
      onFailed?.(batch, outcome);
    } catch {
      // An observer failing must not stop the counting.
    }
    if (spooled) counts.spooled += count;
    else counts.failed += count;
    reasons[reason] = (reasons[reason] ?? 0) + count;
    const first = errors[outcome.kind];
    if (first) first.records += count;
    else
      errors[outcome.kind] = {
        ...(outcome.status === undefined ? {} : { status: outcome.status }),
        message: outcome.message,
        records: count,
      };
  }

  function notify(): void {
    if (graceTimer !== undefined && (!isFull() || closed)) {
      timers.clearTimeout(graceTimer);
      graceTimer = undefined;
    }
    if (holdTimer !== undefined && !tooManyWaiting()) {
      timers.clearTimeout(holdTimer);
      holdTimer = undefined;
    }
    if (drainWaiters.length > 0 && (!isFull() || closed) && !tooManyWaiting()) releaseDrainWaiters();
    if (idleWaiters.length > 0 && isIdle()) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  function drain(): Promise<void> {
    if (closed || ((!isFull() || spilling) && !tooManyWaiting())) return Promise.resolve();
    return new Promise((resolve) => drainWaiters.push(resolve));
  }

  function forceFlush(timeoutMs = Infinity): Promise<FlushResult> {
    closeOpenBatch();
    if (isIdle()) return Promise.resolve('flushed');
    return new Promise((resolve) => {
      let deadline: unknown;
      const done = (): void => {
        if (deadline !== undefined) timers.clearTimeout(deadline);
        resolve('flushed');
      };
      idleWaiters.push(done);
      if (Number.isFinite(timeoutMs)) {
        deadline = timers.setTimeout(() => {
          idleWaiters = idleWaiters.filter((w) => w !== done);
          resolve('timed-out');
        }, timeoutMs);
      }
    });
  }

  function interrupt(): void {
    interrupted = true;
    shutdownReason = 'interrupted';
    cutShort();
  }

  function shutdown(timeoutMs = Infinity): Promise<ProcessorCounts> {
    shuttingDown ??= (async () => {
      closed = true;
      if (!interrupted) {
        const stop = new Promise<FlushResult>((resolve) => (cutShort = () => resolve('timed-out')));
        await Promise.race([forceFlush(timeoutMs), stop]);
      } else closeOpenBatch();
      cutShort = () => undefined;
      for (const closedBatch of ready.splice(0)) {
        settle(closedBatch, { kind: 'retryable', message: `not sent before the ${shutdownReason}`, unsent: true });
        exporter.release?.(closedBatch.batch);
      }
      await exporter.shutdown();
      // Aborted requests settle as retryable outcomes and are spooled as they come back.
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      flushOverflow();
      notify();
      return { ...counts };
    })();
    return shuttingDown;
  }

  return {
    emit,
    isFull,
    drain,
    interrupt,
    forceFlush,
    shutdown,
    counts: () => ({ ...counts }),
    firstErrors: () => structuredClone(errors),
    reasons: () => ({ ...reasons }),
    authFailure: () => stoppedBy,
  };
}

export function isAuthStatus(status: number | undefined): boolean {
  return status === 401 || status === 403;
}

function resolveBatching(partial: Partial<BatchingOptions> | undefined): BatchingOptions {
  const cfg = { ...DEFAULT_BATCHING, ...partial };
  return {
    // A destination's own limits (Datadog's 1000 a request) are applied before: destinations/http-limits.ts.
    maxExportBatchSize: clampInt(cfg.maxExportBatchSize, 1, Number.MAX_SAFE_INTEGER),
    maxBatchBytes: Math.max(1, cfg.maxBatchBytes),
    scheduleDelayMillis: Math.max(0, cfg.scheduleDelayMillis),
    maxQueueSize: clampInt(cfg.maxQueueSize, 1, Number.MAX_SAFE_INTEGER),
    maxConcurrentExports: clampInt(cfg.maxConcurrentExports, 1, 64),
  };
}

function clampInt(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}
