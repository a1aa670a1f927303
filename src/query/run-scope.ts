/** What the run record tells a reader: the time window to search, and how many records to expect. */
import type { RunRecord } from '../store/run-records.js';
import { stepEndMs, stepStatus } from '../store/run-status.js';
import type { RunProgress } from './follow.js';

/** Slack around the run's start and end: clocks differ, and a record's timestamp can be its own (JSON lines). */
export const WINDOW_MARGIN_MS = 5 * 60_000;
/** Without a run record (a run shipped from another machine) and without --since: look this far back. */
export const DEFAULT_LOOKBACK_MS = 15 * 24 * 3_600_000;

export interface Window {
  from: number;
  /** Exclusive. */
  to: number;
}

/**
 * [first start - margin, last end + margin), stretched over records timed outside the steps (recordsFrom/To), or up
 * to now + margin while a step runs; --since/--until narrow it.
 */
export function runWindow(
  run: RunRecord | undefined,
  nowMs: number,
  since: number | undefined,
  until: number | undefined,
): Window {
  let from = nowMs - DEFAULT_LOOKBACK_MS;
  let to = nowMs + WINDOW_MARGIN_MS;
  if (run !== undefined && run.steps.length > 0) {
    // A step's records can lie outside its run time: JSON lines with their own time, records resent by flush.
    from = Math.min(...run.steps.map((s) => Date.parse(s.recordsFrom ?? s.startedAt))) - WINDOW_MARGIN_MS;
    if (run.steps.every((s) => s.endedAt !== undefined))
      to =
        Math.max(...run.steps.map((s) => Math.max(Date.parse(s.endedAt!), Date.parse(s.recordsTo ?? s.endedAt!)))) +
        WINDOW_MARGIN_MS;
  }
  if (since !== undefined) from = run === undefined ? since : Math.max(from, since);
  if (until !== undefined) to = Math.min(to, until + 1);
  return { from, to };
}

/** The steps in view: those named `step` and of stream `logId` (undefined: any). */
export function stepsInView(run: RunRecord, step: string | undefined, logId?: string): RunRecord['steps'] {
  return run.steps.filter((s) => (step === undefined || s.name === step) && (logId === undefined || s.logId === logId));
}

/** Progress of the steps in view (`step` and `logId` undefined: all of them). */
export function runProgress(
  run: RunRecord | undefined,
  step: string | undefined,
  logId?: string,
): RunProgress | undefined {
  if (run === undefined) return undefined;
  const steps = stepsInView(run, step, logId);
  const all = run.steps;
  // A step whose dd-logstore was killed never records an end: it is over too (interrupted), at its last sign of
  // life (its last counts written, or its last record): a follow gives up waiting for records from there, not from
  // its start (it gave up at once on a step that ran longer than the wait).
  const ends = all.map((s) => {
    const status = stepStatus(s);
    return status === 'running' ? undefined : stepEndMs(s, status, 0);
  });
  const ended = all.length > 0 && ends.every((t) => t !== undefined);
  return {
    ended,
    endedAt: ended ? Math.max(...(ends as number[])) : undefined,
    delivered: steps.reduce((n, s) => n + s.counts.delivered, 0),
  };
}
