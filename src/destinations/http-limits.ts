/** The batching caps every HTTP destination shares: Datadog's intake limits, which OTLP collectors take too. */
import type { BatchingOptions } from '../pipeline/batching-processor.js';
import { MAX_ENTRIES_PER_REQUEST, MAX_PAYLOAD_BYTES } from './datadog/limits.js';

export function capForHttpIntake(options: BatchingOptions): BatchingOptions {
  return {
    ...options,
    maxExportBatchSize: Math.min(options.maxExportBatchSize, MAX_ENTRIES_PER_REQUEST),
    maxBatchBytes: Math.min(options.maxBatchBytes, MAX_PAYLOAD_BYTES),
  };
}
