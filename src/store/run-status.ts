/**
 * What state a run is in, from its record: `running` (a step has not ended and its dd-logstore is alive), `failed`
 * (a step exited non-zero or died of a crash signal), `interrupted` (a step was stopped: SIGINT/SIGTERM/SIGHUP, exit
 * 130/143, or its dd-logstore died before recording the end), else `ok`. The first of these that any step is in.
 */
import { processIsAlive as pidIsAlive } from '../core/process-alive.js';
import type { IsAlive } from '../core/process-alive.js';
import type { RunRecord, StepRecord } from './run-records.js';
import { ownerLiveness } from './process-owner.js';

export const RUN_STATUSES = ['ok', 'failed', 'interrupted', 'running'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const STOP_SIGNALS = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);
/** Shells' codes for a child that ended on SIGINT / SIGTERM. */
const STOP_CODES = new Set([130, 143]);

export function stepStatus(step: StepRecord, isAlive: IsAlive = pidIsAlive): RunStatus {
  if (step.endedAt === undefined && step.exitCode === undefined && step.signal === undefined)
    return unendedStatus(step, isAlive);
  if (step.signal !== undefined)
    return STOP_SIGNALS.has(step.signal) || (step.killedAfter !== undefined && STOP_SIGNALS.has(step.killedAfter))
      ? 'interrupted'
      : 'failed';
  if (step.exitCode === 0) return 'ok';
  return step.exitCode !== undefined && STOP_CODES.has(step.exitCode) ? 'interrupted' : 'failed';
}

/**
 * How a step ended, in a word (`runs describe`): `exit N`, the signal, `running`, or `interrupted` when it never
 * ended and the process that ran it is gone (killed with SIGKILL, out of memory, a crash or a reboot).
 */
export function stepState(
  step: StepRecord,
  isAlive: IsAlive = pidIsAlive,
): { kind: 'exit' | 'signal' | 'running' | 'interrupted'; text: string } {
  if (step.signal) return { kind: 'signal', text: step.signal };
  if (step.exitCode !== undefined) return { kind: 'exit', text: String(step.exitCode) };
  const kind = unendedStatus(step, isAlive);
  return { kind, text: kind };
}

/** A step without a recorded end: running while the dd-logstore that ran it is alive, else interrupted. */
function unendedStatus(step: StepRecord, isAlive: IsAlive): 'running' | 'interrupted' {
  // Its journal was recovered by flush, or its owner (pid with its start time, boot, namespace) is gone.
  if (step.recovered !== undefined) return 'interrupted';
  if (step.owner !== undefined) return ownerLiveness(step.owner) === 'gone' ? 'interrupted' : 'running';
  // A record written before owners were: its pid alone.
  return step.pid === undefined || isAlive(step.pid) ? 'running' : 'interrupted';
}

export function runStatus(run: RunRecord, isAlive: IsAlive = pidIsAlive): RunStatus {
  return statusOfSteps(run.steps.map((s) => stepStatus(s, isAlive)));
}

/** A run's status from its steps' statuses: the first of running, failed, interrupted that any step is in, else ok. */
export function statusOfSteps(stepStatuses: readonly RunStatus[]): RunStatus {
  const statuses = new Set(stepStatuses);
  for (const s of ['running', 'failed', 'interrupted'] as const) if (statuses.has(s)) return s;
  return 'ok';
}

/** Epoch ms of the run's first step start (its creation when it has none). */
export function runStartedMs(run: RunRecord): number {
  return Math.min(Date.parse(run.createdAt), ...run.steps.map((s) => Date.parse(s.startedAt)));
}

/**
 * Epoch ms of the step's end: its recorded end; `nowMs` while it runs; for one whose dd-logstore was killed, the last
 * sign of it: its last counts written (`seenAt`) or its latest record, else its start.
 */
export function stepEndMs(step: StepRecord, status: RunStatus, nowMs: number): number {
  if (step.endedAt === undefined && status === 'running') return nowMs;
  return stepLastSignMs(step);
}

/** Its recorded end; without one, its latest sign of life: its last counts written, its latest record, its start. */
function stepLastSignMs(step: StepRecord): number {
  if (step.endedAt !== undefined) return Date.parse(step.endedAt);
  return Math.max(
    Date.parse(step.startedAt),
    step.seenAt !== undefined ? Date.parse(step.seenAt) : 0,
    step.recordsTo !== undefined ? Date.parse(step.recordsTo) : 0,
  );
}

/** Epoch ms of the run's last activity: the latest step end, or sign of life of a step without one. */
export function runLastActivityMs(run: RunRecord): number {
  return Math.max(Date.parse(run.createdAt), ...run.steps.map(stepLastSignMs));
}

/** Wall time from the first step start to the last step end (to `nowMs` while running). */
export function runDurationMs(run: RunRecord, nowMs: number, isAlive: IsAlive = pidIsAlive): number {
  const ends = run.steps.map((s) => stepEndMs(s, stepStatus(s, isAlive), nowMs));
  return Math.max(0, Math.max(Date.parse(run.createdAt), ...ends) - runStartedMs(run));
}
