/**
 * Our records in the ReadableLogRecord shape that otlp-transformer's serializers read. Only types come from the
 * OTel packages here; the resource and scope are built once per stream (the serializers group by their identity).
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { AnyValue, LogAttributes } from '@opentelemetry/api-logs';
import { contextAttributes, type Level, type LogRecordData, type StreamContext } from '../../core/log-record.js';

type Resource = ReadableLogRecord['resource'];
type Attributes = Resource['attributes'];

/** OTel severity numbers (the first of each range); the text keeps our level so Datadog's status matches. */
export const SEVERITY_NUMBER: Record<Level, number> = { debug: 5, info: 9, warn: 13, error: 17, critical: 21 };

export const INSTRUMENTATION_SCOPE = Object.freeze({ name: 'dd-logstore' });

export interface OtlpRecordBuilder {
  readonly resource: Resource;
  toReadable(record: LogRecordData): ReadableLogRecord;
}

export function createOtlpRecordBuilder(ctx: StreamContext): OtlpRecordBuilder {
  const resource = createStaticResource({
    'service.name': ctx.service,
    'service.version': ctx.serviceVersion,
    'host.name': ctx.hostname,
  });
  const constant = contextAttributes(ctx);

  function toReadable(record: LogRecordData): ReadableLogRecord {
    const attributes: LogAttributes = { ...constant };
    if (record.attributes !== undefined) {
      for (const [key, value] of Object.entries(record.attributes)) {
        const v = toAnyValue(value);
        if (v !== undefined) attributes[key] = v;
      }
    }
    attributes['dd_logstore.seq'] = record.seq;
    attributes['dd_logstore.stream'] = record.stream;
    const hrTime = toHrTime(record.timestamp);
    return {
      hrTime,
      hrTimeObserved: hrTime,
      severityText: record.level,
      severityNumber: SEVERITY_NUMBER[record.level],
      body: record.message,
      resource,
      instrumentationScope: INSTRUMENTATION_SCOPE,
      attributes,
      droppedAttributesCount: 0,
    };
  }

  return { resource, toReadable };
}

/** Epoch milliseconds as OTel's [seconds, nanoseconds]. */
export function toHrTime(ms: number): [number, number] {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** A fixed Resource: what the serializers read (`attributes`), without the SDK's async-attribute machinery. */
function createStaticResource(attributes: Attributes): Resource {
  return {
    attributes,
    merge: (other) => createStaticResource({ ...attributes, ...(other?.attributes ?? {}) }),
    getRawAttributes: () => Object.entries(attributes),
  };
}

function toAnyValue(value: unknown): AnyValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return null;
      try {
        // Nested JSON-line fields keep their content as text: a flat attribute, as on the intake path.
        return JSON.stringify(value);
      } catch {
        return String(value);
      }
    default:
      return undefined;
  }
}
