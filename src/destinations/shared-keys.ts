/** Config keys that the HTTP destinations share: the service shown on records and the batching keys. */
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../core/http/transport.js';
import { DEFAULT_BATCHING } from '../pipeline/batching-processor.js';
import type { KeySpec } from '../store/flavors.js';
import { MAX_ENTRIES_PER_REQUEST } from './datadog/limits.js';
import type { BatchingSettings } from './destination.js';

/** The batching keys' defaults: the processor's own, and one request's time budget. */
export const BATCHING_DEFAULTS: BatchingSettings = {
  maxExportBatchSize: DEFAULT_BATCHING.maxExportBatchSize,
  maxQueueSize: DEFAULT_BATCHING.maxQueueSize,
  scheduleDelayMillis: DEFAULT_BATCHING.scheduleDelayMillis,
  exportTimeoutMillis: DEFAULT_REQUEST_TIMEOUT_MS,
};

/**
 * The batching keys of a flavor. `limit` says what caps a request at MAX_ENTRIES_PER_REQUEST records, in the warning
 * for a value above it: Datadog's intake limit, or (OTLP) the same cap kept for any collector.
 */
export function batchingKeys(limit: (max: number) => string): readonly KeySpec[] {
  const maxBatchLimit = limit(MAX_ENTRIES_PER_REQUEST);
  return [
    {
      key: 'max_export_batch_size',
      kind: 'int',
      default: BATCHING_DEFAULTS.maxExportBatchSize,
      min: 1,
      cap: MAX_ENTRIES_PER_REQUEST,
      capReason: maxBatchLimit,
      description: `records per request (at most ${MAX_ENTRIES_PER_REQUEST})`,
    },
    ...OTHER_BATCHING_KEYS,
  ];
}

const OTHER_BATCHING_KEYS: readonly KeySpec[] = [
  {
    key: 'max_queue_size',
    kind: 'int',
    default: BATCHING_DEFAULTS.maxQueueSize,
    min: 1,
    description: 'records held in memory before the spool',
  },
  {
    key: 'schedule_delay_millis',
    kind: 'int',
    default: BATCHING_DEFAULTS.scheduleDelayMillis,
    min: 0,
    // Node's timers overflow past 2^31-1 ms; a day is far past any use.
    max: 86_400_000,
    description: 'longest wait before a batch is sent',
  },
  {
    key: 'export_timeout_millis',
    kind: 'int',
    default: BATCHING_DEFAULTS.exportTimeoutMillis,
    min: 1,
    max: 86_400_000,
    description: 'time one batch may take, retries included',
  },
];

export const SERVICE_KEYS: readonly KeySpec[] = [
  { key: 'service_name', kind: 'string', default: 'zenml', description: 'service shown on every record' },
  {
    key: 'service_version',
    kind: 'string',
    defaultText: 'the dd-logstore version',
    description: 'version shown on every record',
  },
];
