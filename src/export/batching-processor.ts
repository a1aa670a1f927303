/**
 * Our own batching processor. The stock OTel `BatchLogRecordProcessor` drops records once its queue is full; this
 * one never does: `emit` always accepts and answers `false` (like `stream.write`) once `maxQueueSize` records are
 * held, and the caller pauses reading the child until `drain()` resolves. Every record read ends counted as
 * delivered or failed; `dropped` only counts records emitted after shutdown, which is a caller bug.
 */
import type { BatchWriter, ExportErrorKind, ExportOutcome, Exporter } from './exporter.js';
import type { LogRecordData } from './log-record.js';
import { SYSTEM_TIMERS, type Timers } from './timers.js';

/** Datadog's limit per request; larger configured values are capped. */
export const MAX_EXPORT_BATCH_SIZE = 1000;
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
  failed: number;
  dropped: number;
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
  /** Never blocks, never drops. Answers false when the queue is full: await `drain()` before emitting more. */
  emit(record: LogRecordData): boolean;
  isFull(): boolean;
  /** Resolves once the queue has room again (at once when it has). */
  drain(): Promise<void>;
  /** Sends everything emitted so far; resolves when all of it settled or after `timeoutMs`. */
  forceFlush(timeoutMs?: number): Promise<FlushResult>;
  /**
   * Flushes within `timeoutMs`, then counts what is still unsent as failed (handing it to `onFailed`), shuts the
   * exporter down (which aborts requests in flight) and resolves with the final counts.
   */
  shutdown(timeoutMs?: number): Promise<ProcessorCounts>;
  counts(): ProcessorCounts;
  firstErrors(): FirstErrors;
}

export interface BatchingProcessorOptions<B> {
  exporter: Exporter<B>;
  batching?: Partial<BatchingOptions>;
  timers?: Timers;
  /**
   * Every batch that ends failed, with why: the seam for the disk spool. Called before the records are counted,
   * so a spool that persists them synchronously is consistent with the counts.
   */
  onFailed?: (batch: B, outcome: Exclude<ExportOutcome, { kind: 'success' }>) => void;
}

interface ClosedBatch<B> {
  batch: B;
  count: number;
}

export function createBatchingProcessor<B>(options: BatchingProcessorOptions<B>): BatchingProcessor {
  const { exporter, onFailed } = options;
  const timers = options.timers ?? SYSTEM_TIMERS;
  const cfg = resolveBatching(options.batching);

  const counts: ProcessorCounts = { read: 0, delivered: 0, failed: 0, dropped: 0 };
  const errors: FirstErrors = {};
  const ready: ClosedBatch<B>[] = [];
  const inFlight = new Set<Promise<void>>();
  let open: BatchWriter<B> = exporter.createBatch();
  let batchTimer: unknown;
  let closed = false;
  let drainWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];

  const held = (): number => counts.read - counts.delivered - counts.failed;
  const isFull = (): boolean => held() >= cfg.maxQueueSize;
  const isIdle = (): boolean => open.count === 0 && ready.length === 0 && inFlight.size === 0;

  function emit(record: LogRecordData): boolean {
    if (closed) {
      counts.dropped++;
      return false;
    }
    if (!open.add(record, cfg.maxBatchBytes)) {
      closeOpenBatch();
      open.add(record, cfg.maxBatchBytes);
    }
    counts.read++;
    const full = isFull();
    // A full queue with nothing else waiting to be sent sends the open batch at once: waiting for the timer would
    // stall a caller waiting on drain(). With batches waiting, their completion makes room, so keep filling.
    if (open.count >= cfg.maxExportBatchSize || (full && ready.length === 0)) closeOpenBatch();
    else if (open.count === 1) batchTimer = timers.setTimeout(onBatchTimer, cfg.scheduleDelayMillis);
    return !full;
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
    if (open.count === 0) return;
    const count = open.count;
    ready.push({ batch: open.finish(), count });
    open = exporter.createBatch();
    pump();
  }

  function pump(): void {
    while (inFlight.size < cfg.maxConcurrentExports) {
      const batch = ready.shift();
      if (batch === undefined) return;
      const p: Promise<void> = runExport(batch).then(() => {
        inFlight.delete(p);
        pump();
        notify();
      });
      inFlight.add(p);
    }
  }

  async function runExport(closed: ClosedBatch<B>): Promise<void> {
    let outcome: ExportOutcome;
    try {
      outcome = await exporter.export(closed.batch);
    } catch (err) {
      // Exporters return outcomes; a throw is a bug, but it must not lose the records.
      outcome = { kind: 'failure', message: `exporter threw: ${err instanceof Error ? err.message : String(err)}` };
    }
    settle(closed, outcome);
    exporter.release?.(closed.batch);
  }

  function settle({ batch, count }: ClosedBatch<B>, outcome: ExportOutcome): void {
    if (outcome.kind === 'success') {
      counts.delivered += count;
      return;
    }
    try {
      onFailed?.(batch, outcome);
    } catch {
      // The spool hook failing must not stop the counting.
    }
    counts.failed += count;
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
    if (drainWaiters.length > 0 && (!isFull() || closed)) {
      const waiters = drainWaiters;
      drainWaiters = [];
      for (const w of waiters) w();
    }
    if (idleWaiters.length > 0 && isIdle()) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  function drain(): Promise<void> {
    if (!isFull() || closed) return Promise.resolve();
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

  async function shutdown(timeoutMs = Infinity): Promise<ProcessorCounts> {
    if (!closed) {
      closed = true;
      await forceFlush(timeoutMs);
      for (const closedBatch of ready.splice(0)) {
        settle(closedBatch, { kind: 'retryable', message: 'not sent before the flush timeout' });
        exporter.release?.(closedBatch.batch);
      }
      await exporter.shutdown();
      // Aborted requests settle as retryable outcomes and are counted as they come back.
      await Promise.all([...inFlight]);
      notify();
    }
    return { ...counts };
  }

  return {
    emit,
    isFull,
    drain,
    forceFlush,
    shutdown,
    counts: () => ({ ...counts }),
    firstErrors: () => structuredClone(errors),
  };
}

function resolveBatching(partial: Partial<BatchingOptions> | undefined): BatchingOptions {
  const cfg = { ...DEFAULT_BATCHING, ...partial };
  return {
    maxExportBatchSize: clampInt(cfg.maxExportBatchSize, 1, MAX_EXPORT_BATCH_SIZE),
    maxBatchBytes: Math.max(1, cfg.maxBatchBytes),
    scheduleDelayMillis: Math.max(0, cfg.scheduleDelayMillis),
    maxQueueSize: clampInt(cfg.maxQueueSize, 1, Number.MAX_SAFE_INTEGER),
    maxConcurrentExports: clampInt(cfg.maxConcurrentExports, 1, 64),
  };
}

function clampInt(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}
