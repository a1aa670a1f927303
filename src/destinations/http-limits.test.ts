import { describe, it, expect } from '@jest/globals';
import { DEFAULT_BATCHING, createBatchingProcessor } from '../pipeline/batching-processor.js';
import { createManualTimers } from '../../test/helpers/manual-timers.js';
import { createMemoryExporter } from '../../test/helpers/memory-exporter.js';
import { testRecord } from '../../test/helpers/test-records.js';
import { capForHttpIntake } from './http-limits.js';

describe('HTTP intake limits', () => {
  it('caps maxExportBatchSize at 1000 and the batch at 5 MB', async () => {
    const batching = capForHttpIntake({ ...DEFAULT_BATCHING, maxExportBatchSize: 5000, maxBatchBytes: 9e9 });
    expect(batching.maxBatchBytes).toBe(5_000_000);
    const exporter = createMemoryExporter();
    const p = createBatchingProcessor({ exporter, timers: createManualTimers(), batching });
    for (let i = 0; i < 2500; i++) p.emit(testRecord(i));
    await p.forceFlush();
    expect(exporter.batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
  });
});
