/**
 * OTLP/HTTP logs, protobuf or JSON, via otlp-transformer's serializers. Used by the `otel` flavor and by the
 * `datadog` flavor with protocol `otlp` (header `dd-api-key`). otlp-transformer is heavy: it is imported when this
 * exporter is created, not when the CLI starts.
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { compressBody, encodingHeader, type Compression } from '../../pipeline/compression.js';
import { createIntakeSerializer } from '../datadog/serializer.js';
import { createRecordArrayWriter, splitArrayBatch, type Exporter } from '../../pipeline/exporter.js';
import type { ExportOutcome } from '../../core/http/http-outcome.js';
import { toExportOutcome } from '../../core/http/http-outcome.js';
import { contextAttributes, type LogRecordData, type StreamContext } from '../../core/log-record.js';
import type { Transport } from '../../core/http/transport.js';
import { createOtlpRecordBuilder } from './records.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface OtlpExporterOptions {
  /** The full URL, `/v1/logs` included. */
  url: string;
  headers?: Record<string, string>;
  protocol?: OtlpProtocol;
  compression?: Compression;
  context: StreamContext;
  transport: Transport;
  now?: () => number;
}

/** Protobuf field overhead per record beyond the message, on top of the constant attributes' own bytes. */
const PER_RECORD_OVERHEAD_BYTES = 96;

type Serialize = (records: ReadableLogRecord[]) => Uint8Array | undefined;

export function createOtlpExporter(options: OtlpExporterOptions): Exporter<LogRecordData[]> {
  const { url, transport } = options;
  const protocol = options.protocol ?? 'http/protobuf';
  const compression = options.compression ?? 'gzip';
  const builder = createOtlpRecordBuilder(options.context);
  const spoolSerializer = createIntakeSerializer(options.context);
  const serializer: Promise<Serialize> = import('@opentelemetry/otlp-transformer').then((m) => {
    const s = protocol === 'http/json' ? m.JsonLogsSerializer : m.ProtobufLogsSerializer;
    return (records) => s.serializeRequest(records);
  });
  // Keep an unhandled rejection from surfacing before the first export reports it.
  serializer.catch(() => undefined);
  const headers: Record<string, string> = {
    ...options.headers,
    'Content-Type': protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
    ...encodingHeader(compression),
  };
  const constantBytes = Object.entries(contextAttributes(options.context)).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v) + 8,
    0,
  );

  async function exportBatch(batch: LogRecordData[]): Promise<ExportOutcome> {
    let body: string | Uint8Array;
    try {
      const serialize = await serializer;
      const bytes = serialize(batch.map(builder.toReadable));
      if (bytes === undefined) return { kind: 'failure', message: 'OTLP serialization failed' };
      body = await compressBody(bytes, compression);
    } catch (err) {
      return { kind: 'failure', message: `OTLP encoding failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    return toExportOutcome(await transport.send({ url, headers, body }), options.now);
  }

  return {
    createBatch: () =>
      createRecordArrayWriter(
        (record) => Buffer.byteLength(record.message) + constantBytes + PER_RECORD_OVERHEAD_BYTES,
      ),
    export: exportBatch,
    split: splitArrayBatch,
    // The spool keeps intake-style items for every flavor; `flush` turns them back into OTLP records.
    items: (batch) => batch.map((record) => spoolSerializer.serialize(record)),
    item: (record) => spoolSerializer.serialize(record),
    shutdown: () => transport.close(),
  };
}
