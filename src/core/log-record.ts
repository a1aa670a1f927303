/**
 * The record that flows from the runner to the exporters. It is deliberately small: what is the same for every
 * record of a stream (run id, step, log store, tags...) lives once in a StreamContext, so building a record per
 * line stays cheap and each serializer can pre-render the constant part.
 */
import { isReservedTagKey } from './tags.js';

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'critical';

/** Where a record sent with the current time (its own was outside what the store keeps) keeps its own timestamp. */
export const ORIGINAL_TIMESTAMP = 'dd_logstore.original_timestamp';

export const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error', 'critical'];

/** A level as a user types it (`--level`, `--stderr-level`, the ui's `levels`): any case, `warning` and `fatal` as Python names them. */
export function levelNamed(raw: string): Level | undefined {
  const v = raw.toLowerCase();
  const level = v === 'warning' ? 'warn' : v === 'fatal' ? 'critical' : v;
  return (LEVELS as readonly string[]).includes(level) ? (level as Level) : undefined;
}

/** `combined`: the child's stdout and stderr were one pipe (ours were one file or pipe: `run ... > out 2>&1`). */
export type StreamName = 'stdout' | 'stderr' | 'combined';

export interface LogRecordData {
  /** Epoch milliseconds: when the line was read (or the JSON line's own timestamp). */
  timestamp: number;
  /** Per log stream (run, step) sequence number, so order survives equal timestamps. */
  seq: number;
  stream: StreamName;
  level: Level;
  /** The message: UTF-8, ANSI stripped, final state of `\r` redraws. */
  message: string;
  /** Extra attributes: fields of a JSON line, `dd_logstore.part`, `dd_logstore.original_timestamp`. */
  attributes?: Record<string, unknown>;
  /**
   * A hint, never a field of its own: true when `message` is ASCII and holds nothing a JSON string escapes (no `"`,
   * `\` or control character), so a serializer may copy it as its bytes, without its check. Only `JsonSafeRecord` has
   * it (on its prototype); any other record, or a copy of one, reads undefined and is checked as before.
   */
  readonly jsonSafeMessage?: boolean;
}

/**
 * A record whose message the record builder found ASCII and free of anything JSON escapes (a line wholly inside an
 * ASCII chunk with no such byte in it). The hint lives on the prototype, so the record's own fields are exactly a
 * LogRecordData's (what the journal writes, what tests compare) and a spread or a clone drops it. Its message must
 * not be replaced: nothing after the record builder does.
 */
export class JsonSafeRecord implements LogRecordData {
  // Declared, not defined: the constructor's assignments alone make the fields, in LogRecordData's literal order.
  declare timestamp: number;
  declare seq: number;
  declare stream: StreamName;
  declare level: Level;
  declare message: string;
  declare attributes: Record<string, unknown> | undefined;
  declare readonly jsonSafeMessage: true;
  constructor(
    timestamp: number,
    seq: number,
    stream: StreamName,
    level: Level,
    message: string,
    attributes: Record<string, unknown> | undefined,
  ) {
    this.timestamp = timestamp;
    this.seq = seq;
    this.stream = stream;
    this.level = level;
    this.message = message;
    this.attributes = attributes;
  }
}
Object.defineProperty(JsonSafeRecord.prototype, 'jsonSafeMessage', { value: true });

/** What is constant for every record of one log stream: one (run, step). */
export interface StreamContext {
  runId: string;
  /** `zenml.log.id`: one UUID per (run, step). */
  logId: string;
  /** `step` with a step name, else `run`. */
  logSource: 'step' | 'run';
  /** `zenml.log.uri`: the local flavor's file URI only. */
  logUri?: string;
  logStoreId: string;
  logStoreName: string;
  stepName?: string;
  pipeline?: string;
  /** `--tag k:v` and the log store's `tags`, as `k:v` strings. */
  tags: string[];
  service: string;
  serviceVersion: string;
  hostname: string;
  source: string;
  /**
   * `dd_logstore.writer`: unique per writing process. Parallel runs of one step under one run id share the log id
   * and number their records from the same seq; with the writer, (log id, writer, seq) still names one record.
   */
  writer?: string;
  /** Further attributes constant for the stream: the CI job's `git.*` / `ci.*` (runner/ci-metadata.ts). */
  attributes?: Record<string, string>;
}

export const WRITER_ATTRIBUTE = 'dd_logstore.writer';

/** The record's attributes as flat dotted keys, the way the intake item and the local JSONL carry them. */
export function contextAttributes(ctx: StreamContext): Record<string, string> {
  const attrs: Record<string, string> = {
    'zenml.log.id': ctx.logId,
    'zenml.log.source': ctx.logSource,
    'zenml.log_store.id': ctx.logStoreId,
    'zenml.log_store.name': ctx.logStoreName,
    'zenml.run.id': ctx.runId,
  };
  if (ctx.logUri !== undefined) attrs['zenml.log.uri'] = ctx.logUri;
  if (ctx.stepName !== undefined) attrs['zenml.step.name'] = ctx.stepName;
  if (ctx.pipeline !== undefined) attrs['dd_logstore.pipeline'] = ctx.pipeline;
  if (ctx.writer !== undefined) attrs[WRITER_ATTRIBUTE] = ctx.writer;
  // The names ZenML's own code ships (logging_utils.get_run_log_metadata / get_step_log_metadata), beside the ones
  // its docs list above: ZenML's queries and dashboards then find these records too.
  attrs['zenml.pipeline.run.id'] = ctx.runId;
  if (ctx.stepName !== undefined) attrs['zenml.step.run.name'] = ctx.stepName;
  if (ctx.pipeline !== undefined) attrs['zenml.pipeline.name'] = ctx.pipeline;
  if (ctx.attributes !== undefined) Object.assign(attrs, ctx.attributes);
  for (const tag of ctx.tags) {
    const i = tag.indexOf(':');
    // What says whose record it is (zenml.*, dd_logstore.*) is never a tag's to replace (`--tag zenml.run.id:x` made
    // the run unreadable by its id), present or not on this stream; nor is the tags' own attribute (OTLP's ddtags).
    if (i > 0 && !isReservedTagKey(tag) && tag.slice(0, i) !== 'ddtags') attrs[tag.slice(0, i)] = tag.slice(i + 1);
  }
  return attrs;
}
