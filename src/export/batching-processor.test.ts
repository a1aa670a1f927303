import { describe, it, expect } from '@jest/globals';
import { createBatchingProcessor, type BatchingOptions } from './batching-processor.js';
import { createRecordArrayWriter, type ExportOutcome, type Exporter } from './exporter.js';
import type { LogRecordData } from './log-record.js';
import { createManualTimers } from './manual-timers.js';
import { createMemoryExporter } from './memory-exporter.js';
import { testRecord } from './test-records.js';

const NO_TIMER: Partial<BatchingOptions> = { scheduleDelayMillis: 60_000 };

/** Lets resolved promises run their continuations. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('batching processor', () => {
  it('closes a batch at maxExportBatchSize records', async () => {
    const exporter = createMemoryExporter();
    const timers = createManualTimers();
    const p = createBatchingProcessor({ exporter, timers, batching: { ...NO_TIMER, maxExportBatchSize: 3 } });
    for (let i = 0; i < 7; i++) p.emit(testRecord(i));
    await settle();
    expect(exporter.batches.map((b) => b.map((r) => r.seq))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(await p.forceFlush()).toBe('flushed');
    expect(exporter.batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(p.counts()).toEqual({ read: 7, delivered: 7, failed: 0, dropped: 0 });
  });

  it('caps maxExportBatchSize at 1000', async () => {
    const exporter = createMemoryExporter();
    const p = createBatchingProcessor({
      exporter,
      timers: createManualTimers(),
      batching: { maxExportBatchSize: 5000 },
    });
    for (let i = 0; i < 2500; i++) p.emit(testRecord(i));
    await p.forceFlush();
    expect(exporter.batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
  });

  it('closes a batch before it would pass maxBatchBytes (5 MB of payload)', async () => {
    const exporter = createMemoryExporter();
    const big = 'x'.repeat(1_000_000 - 100); // the memory exporter sizes a record as its message + 100: 1 MB each
    const p = createBatchingProcessor({
      exporter,
      timers: createManualTimers(),
      batching: { ...NO_TIMER, maxExportBatchSize: 1000, maxBatchBytes: 5_000_000 },
    });
    for (let i = 0; i < 12; i++) p.emit(testRecord(i, { message: big }));
    await p.forceFlush();
    expect(exporter.batches.map((b) => b.length)).toEqual([5, 5, 2]);
  });

  it('sends a record larger than maxBatchBytes alone rather than holding it', async () => {
    const exporter = createMemoryExporter();
    const p = createBatchingProcessor({ exporter, timers: createManualTimers(), batching: { maxBatchBytes: 500 } });
    p.emit(testRecord(0));
    p.emit(testRecord(1, { message: 'y'.repeat(1000) }));
    p.emit(testRecord(2));
    await p.forceFlush();
    expect(exporter.batches.map((b) => b.map((r) => r.seq))).toEqual([[0], [1], [2]]);
  });

  it('closes a batch after scheduleDelayMillis from its first record', async () => {
    const exporter = createMemoryExporter();
    const timers = createManualTimers();
    const p = createBatchingProcessor({ exporter, timers, batching: { scheduleDelayMillis: 5000 } });
    p.emit(testRecord(0));
    timers.advance(3000);
    p.emit(testRecord(1));
    timers.advance(1999);
    await settle();
    expect(exporter.batches).toHaveLength(0);
    timers.advance(1);
    await settle();
    expect(exporter.batches.map((b) => b.length)).toEqual([2]);
    expect(timers.pending()).toBe(0);
    p.emit(testRecord(2));
    expect(timers.pending()).toBe(1);
    timers.advance(5000);
    await settle();
    expect(exporter.batches.map((b) => b.length)).toEqual([2, 1]);
    expect(p.counts().delivered).toBe(3);
  });

  it('keeps at most maxConcurrentExports exports in flight', async () => {
    const exporter = createMemoryExporter();
    exporter.hold();
    const p = createBatchingProcessor({
      exporter,
      timers: createManualTimers(),
      batching: { ...NO_TIMER, maxExportBatchSize: 10, maxConcurrentExports: 2 },
    });
    for (let i = 0; i < 100; i++) p.emit(testRecord(i));
    await settle();
    expect(exporter.pending()).toBe(2);
    expect(exporter.batches).toHaveLength(2);
    exporter.release();
    await p.forceFlush();
    expect(exporter.batches).toHaveLength(10);
    expect(exporter.records.map((r) => r.seq)).toEqual([...Array(100).keys()]);
  });

  it('answers false past maxQueueSize, never drops, and drain() resolves when there is room', async () => {
    const exporter = createMemoryExporter();
    exporter.hold();
    const p = createBatchingProcessor({
      exporter,
      timers: createManualTimers(),
      batching: { ...NO_TIMER, maxExportBatchSize: 10, maxQueueSize: 25, maxConcurrentExports: 1 },
    });
    const answers: boolean[] = [];
    for (let i = 0; i < 30; i++) answers.push(p.emit(testRecord(i)));
    expect(answers.slice(0, 24).every(Boolean)).toBe(true);
    expect(answers.slice(24).some(Boolean)).toBe(false);
    expect(p.isFull()).toBe(true);
    let drained = false;
    const drain = p.drain().then(() => (drained = true));
    await settle();
    expect(drained).toBe(false);
    exporter.release();
    await drain;
    expect(p.isFull()).toBe(false);
    await p.forceFlush();
    expect(p.counts()).toEqual({ read: 30, delivered: 30, failed: 0, dropped: 0 });
    expect(exporter.records).toHaveLength(30);
  });

  it('sends the open batch at once when the queue fills, so drain() cannot stall on the timer', async () => {
    const exporter = createMemoryExporter();
    const timers = createManualTimers();
    const p = createBatchingProcessor({
      exporter,
      timers,
      batching: { ...NO_TIMER, maxExportBatchSize: 1000, maxQueueSize: 5 },
    });
    for (let i = 0; i < 5; i++) p.emit(testRecord(i));
    await p.drain();
    expect(exporter.batches.map((b) => b.length)).toEqual([5]);
  });

  it('counts failed batches, keeps the first error per kind, and hands failed records to onFailed', async () => {
    const answers: ExportOutcome[] = [
      { kind: 'success' },
      { kind: 'failure', status: 403, message: 'HTTP 403: Forbidden' },
      { kind: 'retryable', status: 503, message: 'HTTP 503' },
      { kind: 'failure', status: 400, message: 'HTTP 400' },
    ];
    const exporter = createMemoryExporter({ respond: (_batch, i) => answers[i] ?? { kind: 'success' } });
    const spooled: number[] = [];
    const p = createBatchingProcessor({
      exporter,
      timers: createManualTimers(),
      batching: { ...NO_TIMER, maxExportBatchSize: 2, maxConcurrentExports: 1 },
      onFailed: (batch) => spooled.push(...batch.map((r) => r.seq)),
    });
    for (let i = 0; i < 9; i++) p.emit(testRecord(i));
    await p.forceFlush();
    expect(p.counts()).toEqual({ read: 9, delivered: 3, failed: 6, dropped: 0 });
    expect(spooled).toEqual([2, 3, 4, 5, 6, 7]);
    expect(p.firstErrors()).toEqual({
      failure: { status: 403, message: 'HTTP 403: Forbidden', records: 4 },
      retryable: { status: 503, message: 'HTTP 503', records: 2 },
    });
  });

  it('counts a batch whose exporter throws as failed', async () => {
    const exporter: Exporter<LogRecordData[]> = {
      createBatch: () => createRecordArrayWriter(() => 8),
      export: () => Promise.reject(new Error('boom')),
      shutdown: () => Promise.resolve(),
    };
    const p = createBatchingProcessor({ exporter, timers: createManualTimers() });
    p.emit(testRecord(0));
    await p.forceFlush();
    expect(p.counts()).toMatchObject({ read: 1, failed: 1 });
    expect(p.firstErrors().failure?.message).toBe('exporter threw: boom');
  });

  it('forceFlush gives up at its deadline; shutdown counts what was not sent as failed', async () => {
    const exporter = createMemoryExporter();
    exporter.hold();
    const timers = createManualTimers();
    const failedSeqs: number[] = [];
    const p = createBatchingProcessor({
      exporter,
      timers,
      batching: { ...NO_TIMER, maxExportBatchSize: 10, maxConcurrentExports: 1 },
      onFailed: (batch) => failedSeqs.push(...batch.map((r) => r.seq)),
    });
    for (let i = 0; i < 25; i++) p.emit(testRecord(i));
    const flush = p.forceFlush(1000);
    timers.advance(1000);
    expect(await flush).toBe('timed-out');

    const done = p.shutdown(500);
    timers.advance(500);
    // The exporter's shutdown answers the held export (success): only the never-started batches failed.
    const counts = await done;
    expect(counts).toEqual({ read: 25, delivered: 10, failed: 15, dropped: 0 });
    expect(failedSeqs).toEqual([...Array(15).keys()].map((i) => i + 10));
    expect(exporter.isShutdown()).toBe(true);
    expect(p.firstErrors().retryable?.message).toBe('not sent before the flush timeout');
  });

  it('counts records emitted after shutdown as dropped', async () => {
    const exporter = createMemoryExporter();
    const p = createBatchingProcessor({ exporter, timers: createManualTimers() });
    p.emit(testRecord(0));
    expect(await p.shutdown()).toEqual({ read: 1, delivered: 1, failed: 0, dropped: 0 });
    expect(p.emit(testRecord(1))).toBe(false);
    expect(p.counts()).toEqual({ read: 1, delivered: 1, failed: 0, dropped: 1 });
  });
});

describe('batching processor under backpressure', () => {
  it('keeps batches full while the caller goes on emitting past a full queue', async () => {
    const exporter = createMemoryExporter();
    exporter.hold();
    const p = createBatchingProcessor({
      exporter,
      timers: createManualTimers(),
      batching: { ...NO_TIMER, maxExportBatchSize: 100, maxQueueSize: 1000, maxConcurrentExports: 2 },
    });
    // A runner that already split a chunk into lines emits them all, then waits.
    for (let i = 0; i < 3000; i++) p.emit(testRecord(i));
    exporter.release();
    await p.forceFlush();
    expect(exporter.batches.every((b) => b.length === 100)).toBe(true);
    expect(p.counts()).toEqual({ read: 3000, delivered: 3000, failed: 0, dropped: 0 });
  });
});
