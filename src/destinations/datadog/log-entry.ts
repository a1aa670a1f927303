/**
 * Logs Search v2 events to LogEntry. Datadog returns attributes nested by their dotted path
 * (`attributes.attributes.zenml.run.id`); pipelines or other shippers can leave them flat (`"zenml.run.id"`), so
 * both are read. No copy of the attributes is made here: flattening waits until an output format needs it.
 */
import type { LogsSearchEvent } from './api-client.js';
import type { LogEntry } from '../../query/log-entry.js';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** An attribute's three spellings: nested path, flat dotted key, and half-flat (`a["b.c"]`), made once. */
interface AttributeName {
  path: readonly string[];
  flat: string;
  head: string;
  rest: string;
}

function attributeName(flat: string): AttributeName {
  const path = flat.split('.');
  return { path, flat, head: path[0] as string, rest: path.slice(1).join('.') };
}

/** `attrs.a.b.c` nested, else the flat key `"a.b.c"`, else `attrs.a["b.c"]` (half-flat). */
export function attributeAt(attrs: Obj, name: AttributeName): unknown {
  const path = name.path;
  let cur: Obj | undefined = attrs;
  for (let i = 0; i < path.length && cur !== undefined; i++) {
    const v: unknown = cur[path[i] as string];
    if (i === path.length - 1) {
      if (v !== undefined) return v;
    } else cur = obj(v);
  }
  const flat = attrs[name.flat];
  if (flat !== undefined) return flat;
  return obj(attrs[name.head])?.[name.rest];
}

const SEQ = attributeName('dd_logstore.seq');
const LOG_ID = attributeName('zenml.log.id');
const STEP = attributeName('zenml.step.name');
const WRITER = attributeName('dd_logstore.writer');
/** ZenML itself ships the step under its code-level name. */
const STEP_RUN = attributeName('zenml.step.run.name');

let lastIso = '';
let lastMs = Number.NaN;

function parseTime(iso: string | undefined): number {
  if (iso === undefined) return Number.NaN;
  // Records of one burst share a millisecond: parse each distinct string once.
  if (iso !== lastIso) {
    lastIso = iso;
    lastMs = Date.parse(iso);
  }
  return lastMs;
}

export function entryFromEvent(ev: LogsSearchEvent): LogEntry {
  const a = ev.attributes;
  const attrs = obj(a.attributes) ?? {};
  const seq = attributeAt(attrs, SEQ);
  const logId = attributeAt(attrs, LOG_ID);
  const step = attributeAt(attrs, STEP) ?? attributeAt(attrs, STEP_RUN);
  const writer = attributeAt(attrs, WRITER);
  return {
    id: ev.id,
    timestamp: parseTime(a.timestamp),
    status: a.status ?? 'info',
    message: a.message ?? '',
    service: a.service,
    host: a.host,
    tags: a.tags,
    step: typeof step === 'string' ? step : undefined,
    logId: typeof logId === 'string' ? logId : undefined,
    seq: typeof seq === 'number' ? seq : typeof seq === 'string' && seq !== '' ? Number(seq) : 0,
    // Always present (undefined when absent): one object shape for every record.
    writer: typeof writer === 'string' ? writer : undefined,
    hasSeq: typeof seq === 'number' || (typeof seq === 'string' && seq !== ''),
    attributes: attrs,
    nested: true,
  };
}
