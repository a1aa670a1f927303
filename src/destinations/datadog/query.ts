/** The Logs Search query of a run: `service:"zenml" @zenml.run.id:"<id>"` plus step, level and free text. */
import type { Level } from '../../core/log-record.js';
import { statusesAtOrAbove } from '../../query/log-entry.js';

/** A search value in double quotes: run ids are UUIDs, and `-` (like `:` or spaces) is special unquoted. */
export function quoteValue(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface RunQuery {
  service: string;
  runId: string;
  step?: string;
  level?: Level;
  grep?: string;
}

export function buildRunQuery(q: RunQuery): string {
  const parts = [`service:${quoteValue(q.service)}`, `@zenml.run.id:${quoteValue(q.runId)}`];
  if (q.step !== undefined) parts.push(`@zenml.step.name:${quoteValue(q.step)}`);
  if (q.level !== undefined && q.level !== 'debug') {
    // `status:(a OR b)` is Datadog syntax too; the expanded form is understood by every parser of the subset.
    parts.push(
      `(${statusesAtOrAbove(q.level)
        .map((s) => `status:${s}`)
        .join(' OR ')})`,
    );
  }
  // Free text narrows the search server-side (Datadog matches it as a phrase of whole words); the reader also
  // applies --grep locally as a case-insensitive substring, which is what the flag promises.
  if (q.grep !== undefined && q.grep.trim() !== '') parts.push(quoteValue(q.grep));
  return parts.join(' ');
}
