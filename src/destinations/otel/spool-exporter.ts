/** Spooled intake items (older spool files) sent again as OTLP: each item becomes an OTLP log record. */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { toExportOutcome } from '../../core/http/http-outcome.js';
import type { Transport } from '../../core/http/transport.js';
import type { Level } from '../../core/log-record.js';
import { compressBody, encodingHeader, type Compression } from '../../pipeline/compression.js';
import { splitArrayBatch } from '../../pipeline/exporter.js';
import type { SpoolEntry } from '../../pipeline/spool.js';
import type { SpoolExporter } from '../../pipeline/resend.js';
import { INTAKE_ITEM_FIELDS } from '../datadog/serializer.js';
import type { OtlpProtocol } from './exporter.js';
import { INSTRUMENTATION_SCOPE, SEVERITY_NUMBER, toHrTime } from './records.js';

export function createOtlpSpoolExporter(
  url: string,
  extraHeaders: Record<string, string>,
  protocol: OtlpProtocol,
  compression: Compression,
  transport: Transport,
  /** Datadog's OTLP intake: the item's `ddtags` goes as an attribute of that name, which it reads as the tags. */
  ddtags = false,
): SpoolExporter {
  const headers: Record<string, string> = {
    ...extraHeaders,
    'Content-Type': protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
    ...encodingHeader(compression),
  };
  const resources = new Map<string, ReadableLogRecord['resource']>();
  const resourceOf = (item: Record<string, unknown>): ReadableLogRecord['resource'] => {
    const attrs = {
      'service.name': String(item.service ?? 'zenml'),
      'service.version': String(item.version ?? ''),
      'host.name': String(item.hostname ?? ''),
    };
    const key = JSON.stringify(attrs);
    let r = resources.get(key);
    if (!r) {
      const make = (a: Record<string, string>): ReadableLogRecord['resource'] => ({
        attributes: a,
        merge: (other) => make({ ...a, ...((other?.attributes ?? {}) as Record<string, string>) }),
        getRawAttributes: () => Object.entries(a),
      });
      r = make(attrs);
      resources.set(key, r);
    }
    return r;
  };
  const toReadable = (e: SpoolEntry): ReadableLogRecord => {
    const item = e.item;
    const level = (typeof item.status === 'string' && item.status in SEVERITY_NUMBER ? item.status : 'info') as Level;
    const attributes: Record<string, string | number | boolean> = {};
    if (ddtags && typeof item.ddtags === 'string' && item.ddtags !== '') attributes.ddtags = item.ddtags;
    for (const [k, v] of Object.entries(item)) {
      if (INTAKE_ITEM_FIELDS.has(k) || v === undefined || v === null) continue;
      attributes[k] = typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean);
    }
    const hrTime = toHrTime(typeof item.timestamp === 'number' ? item.timestamp : Date.now());
    return {
      hrTime,
      hrTimeObserved: hrTime,
      severityText: level,
      severityNumber: SEVERITY_NUMBER[level],
      body: String(item.message),
      resource: resourceOf(item),
      instrumentationScope: INSTRUMENTATION_SCOPE,
      attributes,
      droppedAttributesCount: 0,
    };
  };
  return {
    async export(batch) {
      try {
        const m = await import('@opentelemetry/otlp-transformer');
        const s = protocol === 'http/json' ? m.JsonLogsSerializer : m.ProtobufLogsSerializer;
        const bytes = s.serializeRequest(batch.map(toReadable));
        if (bytes === undefined) return { kind: 'failure', message: 'OTLP serialization failed' };
        const body = await compressBody(bytes, compression);
        return toExportOutcome(await transport.send({ url, headers, body }));
      } catch (err) {
        return {
          kind: 'failure',
          message: `OTLP encoding failed: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    },
    split: splitArrayBatch,
    shutdown: () => transport.close(),
  };
}
