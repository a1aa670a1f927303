/**
 * What `run` says on stderr when the child is done: its start error, the one summary line (unless --quiet), why
 * records were spooled and how to resend them, and errors that must never be silent (records lost).
 */
import type { IOStreams } from '../io/iostreams.js';
import type { ResolvedLogStore } from './resolve-log-store.js';
import { destinationOf } from '../destinations/index.js';
import type { RecordCounts } from '../store/run-records.js';
import { plural } from '../io/plural.js';
import { escapeControlChars } from '../core/control-chars.js';

export interface DrainSummary {
  delivered: number;
  kept: number;
  restamped: number;
  /** It stopped before it had tried all the spool (the intake refused or did not answer, or the run ended first). */
  stoppedEarly?: boolean;
}

export interface RunReport {
  runId: string;
  step: string | undefined;
  quiet: boolean;
  counts: RecordCounts;
  /** Records spooled, by reason. */
  reasons: Partial<Record<string, number>>;
  flushMs: number;
  /** The one auth error line, when the intake refused the credentials. */
  errorText: string | undefined;
  /** The first delivery problem, for the spooled note. */
  firstProblem: string | undefined;
  spoolDir: string;
  spoolError: string | undefined;
  drained: DrainSummary;
  logStore: string;
  flavor: string;
  /** The run in Datadog's Logs Explorer (datadog flavor). */
  logsUrl?: string | undefined;
}

export function printRunReport(io: IOStreams, r: RunReport): void {
  const { counts } = r;
  if (r.errorText) io.err(`error: ${r.errorText}\n`);
  if (counts.failed > 0) {
    io.err(
      `error: ${plural(counts.failed, 'record')} could not be delivered nor written to the spool ${r.spoolDir}${r.spoolError ? `: ${r.spoolError}` : ''} (free disk space or check permissions)\n`,
    );
  }
  if (r.quiet) {
    // Records that did not reach the log store are never silent, --quiet or not: on a CI runner the spool goes with
    // the job. (A refused key said so above already.)
    if (counts.spooled > 0 && !r.errorText)
      io.err(
        `warning: run ${r.runId}: ${plural(counts.spooled, 'record')} not delivered, in the spool${r.firstProblem ? ` (first error: ${r.firstProblem})` : ''}; resend with: dd-logstore flush --log-store ${r.logStore}\n`,
      );
    return;
  }
  const { drained } = r;
  if (drained.delivered > 0 || drained.kept > 0 || drained.stoppedEarly === true) {
    io.err(
      `dd-logstore: resent ${plural(drained.delivered, 'spooled record')} from earlier runs${drainedLeft(drained)}${drained.restamped > 0 ? ` (${drained.restamped} older than 18 h sent with the current time, original in dd_logstore.original_timestamp)` : ''}\n`,
    );
  }
  const parts = [`${plural(counts.read, 'record')} read`, `${counts.delivered} delivered`];
  parts.push(`${counts.spooled} spooled`, `${counts.dropped} dropped`);
  if (counts.failed) parts.push(`${counts.failed} lost`);
  const flushNote = r.reasons['flush timeout'] ? ` (flush timed out after ${r.flushMs} ms)` : '';
  const why = Object.entries(r.reasons)
    .map(([reason, n]) => `${reason} (${plural(n ?? 0, 'record')})`)
    .join(', ');
  const spooledNote =
    counts.spooled > 0
      ? `; spooled because: ${why}${r.firstProblem ? ` (first error: ${r.firstProblem})` : ''}; resend with: dd-logstore flush --log-store ${r.logStore}`
      : '';
  const droppedNote = counts.dropped > 0 ? '; dropped because --on-overflow=drop and the queue was full' : '';
  const urlNote = r.logsUrl ? `; logs: ${r.logsUrl}` : '';
  io.err(
    `dd-logstore: run ${r.runId}${r.step ? ` step ${escapeControlChars(r.step)}` : ''}: ${parts.join(', ')} → ${r.logStore} (${r.flavor})${flushNote}${spooledNote}${droppedNote}${urlNote}\n`,
  );
}

/** The one line for credentials the intake refused: which key, which site, what to run next. */
export function describeAuthError(
  err: { status?: number; message: string; records: number },
  spooled: number,
  settings: ResolvedLogStore,
): string {
  const { where, fix } = destinationOf(settings).describeAuthFailure(settings, err.status);
  return `${where}; sending stopped for this run, ${plural(spooled, 'record')} spooled (${fix}; then dd-logstore flush --log-store ${settings.component.name})`;
}

/** What the resend of earlier runs left in the spool, said as far as it knows: all of it, or what it tried. */
function drainedLeft(d: DrainSummary): string {
  if (d.stoppedEarly !== true) return d.kept > 0 ? `, ${d.kept} still spooled` : '';
  const tried = d.kept > 0 ? `, ${d.kept} of those it tried still spooled,` : ';';
  return `${tried} and what it did not try (dd-logstore flush says how many)`;
}
