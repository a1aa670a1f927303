import { describe, it, expect } from '@jest/globals';
import {
  OVERFLOW_GRACE_MS,
  WAITING_HOLD_LIMIT_MS,
  createBatchingProcessor,
  type BatchingOptions,
  type SpoolSink,
} from './batching-processor.js';
import { createRecordArrayWriter, type Exporter } from './exporter.js';
import type { ExportOutcome } from '../core/http/http-outcome.js';
import type { LogRecordData } from '../core/log-record.js';
import { createManualTimers } from '../../test/helpers/manual-timers.js';
import { createMemoryExporter } from '../../test/helpers/memory-exporter.js';
import { testRecord } from '../../test/helpers/test-records.js';

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
    expect(p.counts()).toEqual({ read: 7, delivered: 7, spooled: 0, dropped: 0, failed: 0 });
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
    expect(p.counts()).toEqual({ read: 30, delivered: 30, spooled: 0, dropped: 0, failed: 0 });
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

  it('spools what is not delivered, with why, isolates a 400 down to the bad record, and keeps the first errors', async () => {
    const answers: ExportOutcome[] = [
      { kind: 'success' },
      { kind: 'retryable', status: 503, message: 'HTTP 503' },
      { kind: 'failure', status: 400, message: 'HTTP 400: bad item' },
      { kind: 'success' },
      { kind: 'failure', status: 400, message: 'HTTP 400: bad item' },
    ];
    const exporter = createMemoryExporter({ respond: (_batch, i) => answers[i] ?? { kind: 'success' } });
    const spool = memorySpool();
    const observed: number[] = [];
    const p = createBatchingProcessor({
      exporter,
      spool,
      timers: createManualTimers(),
      batching: { ...NO_TIMER, maxExportBatchSize: 2, maxConcurrentExports: 1 },
      onFailed: (batch) => observed.push(...batch.map((r) => r.seq)),
    });
    for (let i = 0; i < 9; i++) p.emit(testRecord(i));
    await p.forceFlush();
    expect(p.counts()).toEqual({ read: 9, delivered: 6, spooled: 3, dropped: 0, failed: 0 });
    expect(observed).toEqual([2, 3, 5]);
    expect(exporter.batches.map((b) => b.map((r) => r.seq))).toEqual([[0, 1], [2, 3], [4, 5], [4], [5], [6, 7], [8]]);
    expect(spool.lines.map((l) => [l.seq, l.reason])).toEqual([
      [2, 'retries exhausted: HTTP 503'],
      [3, 'retries exhausted: HTTP 503'],
      [5, 'rejected by the intake: HTTP 400: bad item'],
    ]);
    expect(p.reasons()).toEqual({ 'retries exhausted': 2, 'rejected by the intake': 1 });
    expect(p.firstErrors()).toEqual({
      failure: { status: 400, message: 'HTTP 400: bad item', records: 1 },
      retryable: { status: 503, message: 'HTTP 503', records: 2 },
    });
  });

  it('splits on 413 down to single records until every half is accepted', async () => {
    const exporter = createMemoryExporter({
      respond: (batch) =>
        batch.length > 2 ? { kind: 'failure', status: 413, message: 'HTTP 413' } : { kind: 'success' },
    });
    const p = createBatchingProcessor({
      exporter,
      spool: memorySpool(),
      timers: createManualTimers(),
      batching: NO_TIMER,
    });
    for (let i = 0; i < 9; i++) p.emit(testRecord(i));
    await p.forceFlush();
    expect(p.counts()).toMatchObject({ read: 9, delivered: 9, spooled: 0 });
    expect(exporter.records.map((r) => r.seq)).toEqual([...Array(9).keys()]);
  });

  it('stops sending after a 401/403: that batch and every later one go to the spool without a request', async () => {
    const exporter = createMemoryExporter({
      respond: (_b, i) =>
        i === 1 ? { kind: 'failure', status: 403, message: 'HTTP 403: Forbidden' } : { kind: 'success' },
    });
    const spool = memorySpool();
    const p = createBatchingProcessor({
      exporter,
      spool,
      timers: createManualTimers(),
      batching: { ...NO_TIMER, maxExportBatchSize: 2, maxConcurrentExports: 1 },
    });
    for (let i = 0; i < 9; i++) p.emit(testRecord(i));
    await p.forceFlush();
    expect(exporter.batches).toHaveLength(2);
    expect(p.counts()).toEqual({ read: 9, delivered: 2, spooled: 7, dropped: 0, failed: 0 });
    expect(p.authFailure()?.status).toBe(403);
    expect(p.reasons()).toEqual({ 'API key rejected': 7 });
    expect(p.firstErrors().failure).toEqual({ status: 403, message: 'HTTP 403: Forbidden', records: 7 });
  });

  it('a full queue holds the caller for the grace period, then spools overflow; drop (counted) only when told to', async () => {
    for (const overflow of ['spool', 'drop'] as const) {
      const exporter = createMemoryExporter();
      exporter.hold();
      const spool = memorySpool();
      const timers = createManualTimers();
      const p = createBatchingProcessor({
        exporter,
        spool,
        overflow,
        timers,
        batching: { ...NO_TIMER, maxExportBatchSize: 10, maxQueueSize: 20, maxConcurrentExports: 1 },
      });
      for (let i = 0; i < 19; i++) expect(p.emit(testRecord(i))).toBe(true);
      // The 20th record fills the queue: with the spool policy the caller is asked to wait (pause the child).
      expect(p.emit(testRecord(19))).toBe(overflow === 'drop');
      if (overflow === 'spool') {
        let drained = false;
        void p.drain().then(() => (drained = true));
        timers.advance(OVERFLOW_GRACE_MS - 1);
        await settle();
        expect(drained).toBe(false);
        // Still full after the grace period: the intake is slow, so overflow goes to the spool from now on.
        timers.advance(1);
        await settle();
        expect(drained).toBe(true);
      }
      for (let i = 20; i < 1000; i++) expect(p.emit(testRecord(i))).toBe(true);
      exporter.release();
      const counts = await p.shutdown();
      expect(counts.read).toBe(1000);
      expect(counts.delivered).toBe(20);
      if (overflow === 'spool') {
        expect(counts).toMatchObject({ spooled: 980, dropped: 0, failed: 0 });
        expect(spool.lines.map((l) => l.seq)).toEqual([...Array(980).keys()].map((i) => i + 20));
        expect(spool.lines[0]?.reason).toMatch(/^queue full/);
      } else {
        expect(counts).toMatchObject({ spooled: 0, dropped: 980, failed: 0 });
      }
    }
  });

  it('paces the caller past maxWaitingBatches closed batches only while its thread is saturated', async () => {
    for (const cpuBound of [true, false]) {
      const exporter = createMemoryExporter();
      exporter.hold();
      const p = createBatchingProcessor({
        exporter,
        timers: createManualTimers(),
        pacing: { maxWaitingBatches: 2, cpuBound: () => cpuBound },
        batching: { ...NO_TIMER, maxExportBatchSize: 10, maxQueueSize: 1000, maxConcurrentExports: 1 },
      });
      // One batch in flight, then two closed ones waiting: the 30th record closes the second.
      const answers: boolean[] = [];
      for (let i = 0; i < 35; i++) answers.push(p.emit(testRecord(i)));
      expect(answers.indexOf(false)).toBe(cpuBound ? 29 : -1);
      let drained = false;
      const drain = p.drain().then(() => (drained = true));
      await settle();
      expect(drained).toBe(!cpuBound);
      exporter.release();
      await drain;
      await p.forceFlush();
      expect(p.counts()).toEqual({ read: 35, delivered: 35, spooled: 0, dropped: 0, failed: 0 });
      expect(exporter.records.map((r) => r.seq)).toEqual([...Array(35).keys()]);
    }
  });

  it('stops pacing when a hold outlasts the limit (a slow intake must not pace the child), until an export is fast', async () => {
    const exporter = createMemoryExporter();
    exporter.hold();
    const timers = createManualTimers();
    const p = createBatchingProcessor({
      exporter,
      timers,
      spool: memorySpool(),
      overflow: 'spool',
      pacing: { maxWaitingBatches: 1, cpuBound: () => true },
      batching: { ...NO_TIMER, maxExportBatchSize: 10, maxQueueSize: 1000, maxConcurrentExports: 1 },
    });
    for (let i = 0; i < 19; i++) expect(p.emit(testRecord(i))).toBe(true);
    expect(p.emit(testRecord(19))).toBe(false);
    let drained = false;
    void p.drain().then(() => (drained = true));
    timers.advance(WAITING_HOLD_LIMIT_MS - 1);
    await settle();
    expect(drained).toBe(false);
    timers.advance(1);
    await settle();
    expect(drained).toBe(true);
    // Suspended: only maxQueueSize holds the caller now.
    for (let i = 20; i < 500; i++) expect(p.emit(testRecord(i))).toBe(true);
    // The held exports are answered at once (well within FAST_EXPORT_MS): pacing applies again.
    exporter.release();
    await p.forceFlush();
    exporter.hold();
    const answers: boolean[] = [];
    for (let i = 500; i < 530; i++) answers.push(p.emit(testRecord(i)));
    expect(answers.indexOf(false)).toBe(19);
    exporter.release();
    const counts = await p.shutdown();
    expect(counts).toMatchObject({ read: 530, delivered: 530, spooled: 0 });
  });

  it('never paces with overflow=drop', async () => {
    const exporter = createMemoryExporter();
    exporter.hold();
    const p = createBatchingProcessor({
      exporter,
      timers: createManualTimers(),
      overflow: 'drop',
      pacing: { maxWaitingBatches: 1, cpuBound: () => true },
      batching: { ...NO_TIMER, maxExportBatchSize: 10, maxQueueSize: 1000, maxConcurrentExports: 1 },
    });
    for (let i = 0; i < 100; i++) expect(p.emit(testRecord(i))).toBe(true);
    exporter.release();
    expect(await p.shutdown()).toMatchObject({ read: 100, delivered: 100, dropped: 0 });
  });

  it('a queue that makes room within the grace period spools nothing: the caller was only held briefly', async () => {
    const exporter = createMemoryExporter();
    exporter.hold();
    const spool = memorySpool();
    const timers = createManualTimers();
    const p = createBatchingProcessor({
      exporter,
      spool,
      overflow: 'spool',
      timers,
      batching: { ...NO_TIMER, maxExportBatchSize: 10, maxQueueSize: 20, maxConcurrentExports: 1 },
    });
    for (let i = 0; i < 19; i++) p.emit(testRecord(i));
    expect(p.emit(testRecord(19))).toBe(false);
    const drained = p.drain();
    exporter.release();
    await drained;
    timers.advance(OVERFLOW_GRACE_MS * 5);
    for (let i = 20; i < 40; i++) p.emit(testRecord(i));
    const counts = await p.shutdown();
    expect(counts).toMatchObject({ read: 40, delivered: 40, spooled: 0 });
    expect(spool.lines).toHaveLength(0);
  });

  it('a second interrupt stops waiting for the flush: what is queued or in flight is spooled as interrupted', async () => {
    const exporter = createMemoryExporter();
    exporter.hold();
    const spool = memorySpool();
    const p = createBatchingProcessor({
      exporter: { ...exporter, shutdown: () => Promise.resolve() },
      spool,
      timers: createManualTimers(),
      batching: { ...NO_TIMER, maxExportBatchSize: 10, maxConcurrentExports: 1 },
    });
    for (let i = 0; i < 25; i++) p.emit(testRecord(i));
    const done = p.shutdown(60_000);
    await settle();
    p.interrupt();
    await settle();
    exporter.release();
    const counts = await done;
    expect(counts).toEqual({ read: 25, delivered: 10, spooled: 15, dropped: 0, failed: 0 });
    expect(p.reasons()).toEqual({ interrupted: 15 });
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
    expect(counts).toEqual({ read: 25, delivered: 10, spooled: 0, dropped: 0, failed: 15 });
    expect(failedSeqs).toEqual([...Array(15).keys()].map((i) => i + 10));
    expect(exporter.isShutdown()).toBe(true);
    expect(p.firstErrors().retryable?.message).toBe('not sent before the flush timeout');
  });

  it('counts records emitted after shutdown as dropped when there is no spool', async () => {
    const exporter = createMemoryExporter();
    const p = createBatchingProcessor({ exporter, timers: createManualTimers() });
    p.emit(testRecord(0));
    expect(await p.shutdown()).toEqual({ read: 1, delivered: 1, spooled: 0, dropped: 0, failed: 0 });
    expect(p.emit(testRecord(1))).toBe(false);
    expect(p.counts()).toEqual({ read: 2, delivered: 1, spooled: 0, dropped: 1, failed: 0 });
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
    expect(p.counts()).toEqual({ read: 3000, delivered: 3000, spooled: 0, dropped: 0, failed: 0 });
  });
});

interface SpooledLine {
  seq: number;
  reason: string;
}

/** A real SpoolSink that keeps the lines in memory. */
function memorySpool(): SpoolSink & { lines: SpooledLine[] } {
  const lines: SpooledLine[] = [];
  return {
    lines,
    append(items, reason) {
      for (const item of items)
        lines.push({ seq: (JSON.parse(item) as { 'dd_logstore.seq': number })['dd_logstore.seq'], reason });
      return true;
    },
  };
}
