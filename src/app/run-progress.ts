/**
 * A running step's counts, written to its run record every few seconds: `runs list`, `runs describe` and the ui show
 * them moving (they read 0 until the step ended), and a step whose dd-logstore is killed keeps its last counts and
 * when they were written (`seenAt`: its duration ends there).
 *
 * Kept off the run's way: the write's calls (and its data fsync, which could wait behind the journal's writeback)
 * on the thread pool, none while one is in flight, none when nothing moved (but one every QUIET_REWRITE_MS all the
 * same, so that a quiet step killed later has a recent `seenAt`), timers unref'd, and a failure is silent (the
 * final write, which `run` waits for, reports a record it cannot update).
 */
import { recordCountsOf, type RecordCounts, type RunRecordStore } from '../store/run-records.js';

export const PROGRESS_INTERVAL_MS = 2000;
const QUIET_REWRITE_MS = 30_000;

export interface RunProgressOptions {
  runs: RunRecordStore;
  runId: string;
  logId: string;
  writer: string;
  counts: () => RecordCounts;
  now: () => Date;
  intervalMs?: number;
}

export interface RunProgress {
  /** No more writes; resolves once a write in flight is done (before the step's final write, which must win). */
  stop(): Promise<void>;
}

export function startRunProgress(o: RunProgressOptions): RunProgress {
  let last = '';
  let lastAt = 0;
  let inFlight: Promise<void> | undefined;
  const write = (): void => {
    if (inFlight !== undefined) return;
    const counts = recordCountsOf(o.counts());
    const key = JSON.stringify(counts);
    const now = o.now();
    if (key === last && now.getTime() - lastAt < QUIET_REWRITE_MS) return;
    inFlight = o.runs
      .update(
        o.runId,
        (current) => {
          const step = current?.steps.find((s) => s.writer === o.writer && s.logId === o.logId);
          // Gone (deleted meanwhile) or already ended: nothing to write (the throw leaves the file alone).
          if (current === undefined || step === undefined || step.endedAt !== undefined) throw new Error('no step');
          step.counts = counts;
          step.seenAt = now.toISOString();
          return current;
        },
        { background: true },
      )
      .then(
        () => {
          last = key;
          lastAt = now.getTime();
        },
        () => undefined,
      )
      .finally(() => {
        inFlight = undefined;
      });
  };
  const timer = setInterval(write, o.intervalMs ?? PROGRESS_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
