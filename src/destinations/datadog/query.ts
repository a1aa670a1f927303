/**
 * The Logs Search query of a run or a log stream: `service:"zenml"` and the run id (or `zenml.log.id`), plus step,
 * level and free text. Each id is matched under both names it goes by: the seed's (`zenml.run.id`,
 * `zenml.step.name`, which dd-logstore ships) and ZenML's code-level ones (`zenml.pipeline.run.id`,
 * `zenml.step.run.name`, which ZenML itself ships), so logs of either reader's pipelines are found.
 */
import type { Level } from '../../core/log-record.js';
import { statusesAtOrAbove } from '../../query/log-entry.js';

/** A search value in double quotes: run ids are UUIDs, and `-` (like `:` or spaces) is special unquoted. */
export function quoteValue(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface RunQuery {
  service: string;
  /** At least one of runId and logId. */
  runId?: string;
  /** `zenml.log.id`: one stream (run, step), what ZenML's dashboard reads. */
  logId?: string;
  step?: string;
  level?: Level;
  grep?: string;
}

/** `@a:"v"`, or `(@a:"v" OR @b:"v")` for a value that goes by two attribute names. */
export function anyOf(attrs: readonly string[], value: string): string {
  const v = quoteValue(value);
  return attrs.length === 1 ? `@${attrs[0]}:${v}` : `(${attrs.map((a) => `@${a}:${v}`).join(' OR ')})`;
}

export const RUN_ID_ATTRIBUTES = ['zenml.run.id', 'zenml.pipeline.run.id'] as const;
export const STEP_ATTRIBUTES = ['zenml.step.name', 'zenml.step.run.name'] as const;

export function buildRunQuery(q: RunQuery): string {
  const parts = [`service:${quoteValue(q.service)}`];
  if (q.runId !== undefined) parts.push(anyOf(RUN_ID_ATTRIBUTES, q.runId));
  if (q.logId !== undefined) parts.push(anyOf(['zenml.log.id'], q.logId));
  if (q.step !== undefined) parts.push(anyOf(STEP_ATTRIBUTES, q.step));
  // Grouped values, as ZenML's own level filter writes them; `warning` (ZenML's status) is listed beside `warn`.
  if (q.level !== undefined && q.level !== 'debug') parts.push(`status:(${statusesAtOrAbove(q.level).join(' OR ')})`);
  // Free text narrows the search server-side (Datadog matches it as a phrase of whole words); the reader also
  // applies --grep locally as a case-insensitive substring, which is what the flag promises.
  if (q.grep !== undefined && q.grep.trim() !== '') parts.push(quoteValue(q.grep));
  return parts.join(' ');
}
