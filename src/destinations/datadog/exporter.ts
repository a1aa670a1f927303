/**
 * Datadog logs intake v2: `POST .../api/v2/logs`, a JSON array of pre-rendered items, zstd or gzip unless disabled.
 * Items are serialized into the batch's buffer as they are emitted, so batches are bounded by their real size and
 * the body goes to the compressor (on the thread pool) and the socket without another copy on the main thread.
 */
import { compressBody, encodingHeader, type Compression } from '../../pipeline/compression.js';
import type { Exporter } from '../../pipeline/exporter.js';
import type { ExportOutcome } from '../../core/http/http-outcome.js';
import { toExportOutcome } from '../../core/http/http-outcome.js';
import { createJsonBatchFactory, jsonBatchItems, splitJsonBatch, type JsonBatch } from '../../pipeline/json-batch.js';
import type { StreamContext } from '../../core/log-record.js';
import type { Transport } from '../../core/http/transport.js';
import { createIntakeSerializer, ITEM_OPENING } from './serializer.js';

export interface DatadogIntakeExporterOptions {
  /** The full intake URL, route included (resolved from the site by src/datadog). */
  url: string;
  apiKey: string;
  context: StreamContext;
  compression?: Compression;
  transport: Transport;
  now?: () => number;
}

export function createDatadogIntakeExporter(options: DatadogIntakeExporterOptions): Exporter<JsonBatch> {
  const { url, transport } = options;
  const compression = options.compression ?? 'gzip';
  const serializer = createIntakeSerializer(options.context);
  const batches = createJsonBatchFactory((out, record) => serializer.write(out, record), 'array', {
    opening: ITEM_OPENING,
    write: (out, record) => serializer.writeChained(out, record),
  });
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'DD-API-KEY': options.apiKey,
    ...encodingHeader(compression),
  };

  async function exportBatch(batch: JsonBatch): Promise<ExportOutcome> {
    let body: string | Uint8Array;
    try {
      body = await compressBody(batch.body, compression);
    } catch (err) {
      return {
        kind: 'failure',
        message: `${compression} failed: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    return toExportOutcome(await transport.send({ url, headers, body }), options.now);
  }

  return {
    createBatch: batches.createBatch,
    release: batches.release,
    export: exportBatch,
    split: (batch) => splitJsonBatch(batch, 'array'),
    items: (batch) => jsonBatchItems(batch, 'array'),
    item: (record) => serializer.serialize(record),
    shutdown: () => transport.close(),
  };
}
