/**
 * The runner's one entry point into export: a batching processor wired to the exporter of a flavor. Hosts and
 * routes are resolved before this (src/datadog); the sink takes full URLs and resolved secrets.
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
import type { Compression } from './compression.js';
import { createDatadogIntakeExporter } from '../destinations/datadog/exporter.js';
import { MAX_ENTRIES_PER_REQUEST, MAX_PAYLOAD_BYTES } from '../destinations/datadog/limits.js';
import type { Exporter } from './exporter.js';
import { createLocalExporter } from '../destinations/local/exporter.js';
import type { StreamContext } from '../core/log-record.js';
import { createOtlpExporter, type OtlpProtocol } from '../destinations/otel/exporter.js';
import type { Timers } from '../core/timers.js';
import { createRetryingTransport, type RetryPolicy } from '../core/http/retrying-transport.js';
import { createHttpTransport, DEFAULT_REQUEST_TIMEOUT_MS, type Transport } from '../core/http/transport.js';

export type ExportTarget =
  | { flavor: 'local'; dir: string }
  | { flavor: 'datadog'; protocol: 'intake' | 'otlp'; url: string; apiKey: string; compression?: Compression }
  | {
      flavor: 'otel';
      url: string;
      headers?: Record<string, string>;
      protocol?: OtlpProtocol;
      compression?: Compression;
    }
  /** Any exporter, e.g. the in-memory one in tests. */
  | { flavor: 'custom'; exporter: Exporter };

export interface LogSinkOptions {
  context: StreamContext;
  target: ExportTarget;
  /** The flavor's batching keys; the flavor's limits cap them. */
  batching?: Partial<BatchingOptions>;
  /** `export_timeout_millis`: one request with its retries. */
  exportTimeoutMs?: number;
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
}

export type LogSink = BatchingProcessor;

/** The local store is read back while a run goes on (`logs tail`), so it is written sooner than HTTP batches. */
const LOCAL_BATCHING: Partial<BatchingOptions> = {
  maxExportBatchSize: 1000,
  scheduleDelayMillis: 1000,
  maxConcurrentExports: 1,
};

export function createLogSink(options: LogSinkOptions): LogSink {
  const { context, target } = options;
  const batching: BatchingOptions = {
    ...DEFAULT_BATCHING,
    ...(target.flavor === 'local' ? LOCAL_BATCHING : {}),
    ...options.batching,
  };
  if (target.flavor !== 'local' && target.flavor !== 'custom') {
    batching.maxExportBatchSize = Math.min(batching.maxExportBatchSize, MAX_ENTRIES_PER_REQUEST);
    batching.maxBatchBytes = Math.min(batching.maxBatchBytes, MAX_PAYLOAD_BYTES);
  }
  const budgetMs = options.exportTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const transport = (): Transport =>
    createRetryingTransport(
      options.transport ??
        createHttpTransport({
          connections: batching.maxConcurrentExports,
          timeoutMs: budgetMs,
          ...(options.timers === undefined ? {} : { timers: options.timers }),
        }),
      {
        budgetMs,
        ...(options.retry === undefined ? {} : { policy: options.retry }),
        ...(options.timers === undefined ? {} : { timers: options.timers }),
        ...(options.random === undefined ? {} : { random: options.random }),
        ...(options.now === undefined ? {} : { now: options.now }),
      },
    );

  let exporter: Exporter;
  switch (target.flavor) {
    case 'local':
      exporter = createLocalExporter({ dir: target.dir, context });
      break;
    case 'datadog':
      exporter =
        target.protocol === 'intake'
          ? createDatadogIntakeExporter({
              url: target.url,
              apiKey: target.apiKey,
              context,
              compression: target.compression ?? 'gzip',
              transport: transport(),
            })
          : createOtlpExporter({
              url: target.url,
              headers: { 'dd-api-key': target.apiKey },
              protocol: 'http/protobuf',
              compression: target.compression ?? 'gzip',
              context,
              transport: transport(),
            });
      break;
    case 'otel':
      exporter = createOtlpExporter({
        url: target.url,
        headers: target.headers ?? {},
        protocol: target.protocol ?? 'http/protobuf',
        compression: target.compression ?? 'none',
        context,
        transport: transport(),
      });
      break;
    case 'custom':
      exporter = target.exporter;
      break;
  }

  return createBatchingProcessor({
    exporter,
    batching,
    ...(options.timers === undefined ? {} : { timers: options.timers }),
    ...(options.onFailed === undefined ? {} : { onFailed: options.onFailed }),
    ...(options.spool === undefined ? {} : { spool: options.spool }),
    ...(options.overflow === undefined ? {} : { overflow: options.overflow }),
  });
}
