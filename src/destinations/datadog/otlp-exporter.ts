/**
 * The datadog flavor's `protocol=otlp`: OTLP/HTTP protobuf to the site's `/v1/logs`, the API key in `dd-api-key`,
 * and the stream's tags as a `ddtags` attribute, which Datadog's OTLP logs mapping reads as the log's tags (as the
 * intake reads an item's `ddtags`): without it, `--tag` and the store's `tags` reached no tag at all.
 */
import type { Compression } from '../../pipeline/compression.js';
import type { Transport } from '../../core/http/transport.js';
import type { LogRecordData, StreamContext } from '../../core/log-record.js';
import type { Exporter } from '../../pipeline/exporter.js';
import { createOtlpExporter } from '../otel/exporter.js';

export function createDatadogOtlpExporter(o: {
  url: string;
  apiKey: string;
  compression: Compression;
  context: StreamContext;
  transport: Transport;
}): Exporter<LogRecordData[]> {
  const tags = o.context.tags.join(',');
  return createOtlpExporter({
    url: o.url,
    headers: { 'dd-api-key': o.apiKey },
    protocol: 'http/protobuf',
    compression: o.compression,
    context: tags === '' ? o.context : { ...o.context, attributes: { ...o.context.attributes, ddtags: tags } },
    transport: o.transport,
  });
}
