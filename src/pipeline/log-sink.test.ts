import { describe, it, expect } from '@jest/globals';
import { createLogSink } from './log-sink.js';
import { createManualTimers } from '../../test/helpers/manual-timers.js';
import { createMemoryExporter } from '../../test/helpers/memory-exporter.js';
import { testRecord } from '../../test/helpers/test-records.js';

describe('log sink', () => {
  it('feeds any exporter through the batching processor', async () => {
    const exporter = createMemoryExporter();
    const timers = createManualTimers();
    const sink = createLogSink({
      createExporter: () => exporter,
      batching: { maxExportBatchSize: 4, scheduleDelayMillis: 100 },
      timers,
    });
    for (let i = 0; i < 10; i++) sink.emit(testRecord(i));
    timers.advance(100);
    expect(await sink.forceFlush(1000)).toBe('flushed');
    expect(exporter.batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(await sink.shutdown()).toEqual({ read: 10, delivered: 10, spooled: 0, dropped: 0, failed: 0 });
    expect(exporter.isShutdown()).toBe(true);
  });

  it('lets a runner pause on backpressure and resume without losing records', async () => {
    const exporter = createMemoryExporter();
    const sink = createLogSink({
      createExporter: () => exporter,
      batching: { maxExportBatchSize: 100, maxQueueSize: 250, maxConcurrentExports: 2 },
      timers: createManualTimers(),
    });
    let pauses = 0;
    for (let i = 0; i < 10_000; i++) {
      if (!sink.emit(testRecord(i))) {
        pauses++;
        await sink.drain();
      }
    }
    const counts = await sink.shutdown();
    expect(pauses).toBeGreaterThan(0);
    expect(counts).toEqual({ read: 10_000, delivered: 10_000, spooled: 0, dropped: 0, failed: 0 });
    expect(exporter.records.map((r) => r.seq)).toEqual([...Array(10_000).keys()]);
  });
});
