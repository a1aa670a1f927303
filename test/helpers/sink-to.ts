/**
 * A log sink to a destination described the short way tests need (a URL, a key, a directory), built through the
 * destination's own exporter and batching rules, as `run` builds it.
 */
import { destinationOf } from '../../src/destinations/index.js';
import type { ResolvedLogStore } from '../../src/destinations/index.js';
import type { CommonSettings } from '../../src/destinations/destination.js';
import { resolveDatadogRoutes } from '../../src/destinations/datadog/sites.js';
import { DEFAULT_BATCHING } from '../../src/pipeline/batching-processor.js';
import { createLogSink } from '../../src/pipeline/log-sink.js';
import type { LogSink, LogSinkOptions } from '../../src/pipeline/log-sink.js';
import type { ResendTarget } from '../../src/pipeline/resend.js';
import type { StreamContext } from '../../src/core/log-record.js';

function settingsOf(target: ResendTarget): ResolvedLogStore {
  const common: CommonSettings = {
    component: {
      id: 'test-store',
      name: 'test_store',
      type: 'log-store',
      flavor: target.flavor,
      config: {},
      createdAt: '',
      updatedAt: '',
    },
    serviceName: 'zenml',
    serviceVersion: '0.0.0',
    source: 'dd-logstore',
    tags: [],
    batching: {
      maxExportBatchSize: 500,
      maxQueueSize: 100_000,
      scheduleDelayMillis: 5000,
      exportTimeoutMillis: 15_000,
    },
  };
  switch (target.flavor) {
    case 'local':
      return { ...common, flavor: 'local', dir: target.dir };
    case 'datadog':
      return {
        ...common,
        flavor: 'datadog',
        apiKey: target.apiKey,
        applicationKey: '',
        site: 'datadoghq.com',
        routes: {
          ...resolveDatadogRoutes({ site: 'datadoghq.com' }),
          intakeLogsUrl: target.url,
          otlpLogsUrl: target.url,
        },
        protocol: target.protocol,
        compression: target.compression ?? 'gzip',
      };
    case 'otel':
      return {
        ...common,
        flavor: 'otel',
        endpoint: target.url,
        headers: target.headers ?? {},
        protocol: target.protocol ?? 'http/protobuf',
        compression: target.compression ?? 'none',
      };
  }
}

export function sinkTo(
  target: ResendTarget,
  context: StreamContext,
  options: Omit<LogSinkOptions, 'createExporter'> = {},
): LogSink {
  const settings = settingsOf(target);
  const destination = destinationOf(settings);
  return createLogSink({
    ...options,
    createExporter: (transport) => destination.createExporter(settings, context, transport),
    batching: destination.batching({ ...DEFAULT_BATCHING, ...options.batching }),
  });
}
