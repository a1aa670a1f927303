/** What the ui shows of a run record: its status (ok, failed with exit code, interrupted, running), steps, counts. */
import type { RecordCounts, RunRecord, StepRecord } from '../store/run-records.js';
import { totalCounts } from '../store/run-records.js';
import { statusOfSteps, stepEndMs, stepStatus, type RunStatus } from '../store/run-status.js';
import { shellJoin } from '../io/shell-quote.js';

export interface StepSummary {
  name: string | null;
  status: RunStatus;
  exitCode: number | null;
  signal: string | null;
  command: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number;
  counts: RecordCounts;
  error: string | null;
}

export interface RunSummary {
  runId: string;
  pipeline: string | null;
  status: RunStatus;
  /** The first failing step's exit code. */
  exitCode: number | null;
  signal: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number;
  counts: RecordCounts;
  logStore: { name: string; flavor: string };
  steps: StepSummary[];
}

export interface RunDetail extends RunSummary {
  /** The run in Datadog's Logs Explorer (datadog log stores). */
  explorerUrl: string | null;
  /** Where the records are read from: the run's own store, or the one --log-store named. */
  readFrom: { name: string; flavor: string };
}

/**
 * A run with no run record here, whose records the `--log-store` finds by run id (a ZenML pipeline run shipped to
 * Datadog): what is known of it is where it is read from.
 */
export interface UnrecordedRunDetail {
  runId: string;
  recorded: false;
  explorerUrl: string | null;
  readFrom: { name: string; flavor: string };
}

function stepSummary(s: StepRecord, status: RunStatus, nowMs: number): StepSummary {
  return {
    name: s.name,
    status,
    exitCode: s.exitCode ?? null,
    signal: s.signal ?? null,
    // Quoted as `runs describe` shows it: copied and pasted, it runs the same command.
    command: shellJoin(s.argv),
    startedAt: s.startedAt,
    endedAt: s.endedAt ?? null,
    durationMs: Math.max(0, stepEndMs(s, status, nowMs) - Date.parse(s.startedAt)),
    counts: s.counts,
    error: s.error ?? null,
  };
}

/** The statuses `runs list` and `runs describe` give (running wins, then failed, then interrupted). */
export function summarizeRun(run: RunRecord, nowMs: number): RunSummary {
  // A step whose dd-logstore was killed (its owner gone, or recovered by flush) is interrupted, not running.
  const statuses = run.steps.map((s) => stepStatus(s));
  const steps = run.steps.map((s, i) => stepSummary(s, statuses[i]!, nowMs));
  const status = statusOfSteps(statuses);
  const starts = run.steps.map((s) => Date.parse(s.startedAt));
  const ends = run.steps.map((s, i) => stepEndMs(s, statuses[i]!, nowMs));
  const startedMs = starts.length > 0 ? Math.min(...starts) : Date.parse(run.createdAt);
  const endedMs = ends.length > 0 ? Math.max(...ends) : startedMs;
  const failed = steps.find((s) => s.status === 'failed');
  const killed = steps.find((s) => s.status === 'interrupted');
  return {
    runId: run.runId,
    pipeline: run.pipeline ?? null,
    status,
    exitCode: failed?.exitCode ?? null,
    signal: killed?.signal ?? null,
    startedAt: new Date(startedMs).toISOString(),
    endedAt: status === 'running' ? null : new Date(endedMs).toISOString(),
    durationMs: Math.max(0, endedMs - startedMs),
    counts: totalCounts(run),
    logStore: { name: run.logStore.name, flavor: run.logStore.flavor },
    steps,
  };
}

/** Newest first: by the latest step start, as `logs --last` picks the last run. */
export function newestFirst(a: RunSummary, b: RunSummary): number {
  const latest = (r: RunSummary) => Math.max(Date.parse(r.startedAt), ...r.steps.map((s) => Date.parse(s.startedAt)));
  return latest(b) - latest(a);
}
