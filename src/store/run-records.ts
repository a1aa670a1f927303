/**
 * runs/<run-id>.json: what ran, where its logs went and how many records were read and delivered. Several `run`
 * calls with one run id (the steps of a CI pipeline) add steps to the same record, under a per-run lock. `read` and
 * `update`, which `run` calls (one read, two writes), make synchronous file calls: each write is ~20 calls, and
 * through the thread pool they cost more than the calls themselves (docs/performance.md, start-up).
 */
import { readFileSync, statSync } from 'node:fs';
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { makeDirs, makeDirsSync } from '../core/fs/make-dirs.js';
import { join } from 'node:path';
import { CliError, StoreError, UsageError } from '../core/errors.js';
import { writeFileAtomicInBackground, writeFileAtomicSync } from '../core/fs/atomic-write.js';
import { withFileLock } from '../core/fs/file-lock.js';
import type { ProcessOwner } from './process-owner.js';
import { unsafeMode } from '../core/fs/file-modes.js';

export interface RecordCounts {
  read: number;
  delivered: number;
  spooled: number;
  dropped: number;
  failed: number;
}

export interface StepRecord {
  /** The step name, or null for a run without --step. */
  name: string | null;
  logId: string;
  argv: string[];
  cwd: string;
  /** The step's `--tag k:v` (masked), when it had any: the attributes and ddtags its records carry. */
  tags?: string[];
  pid?: number;
  startedAt: string;
  endedAt?: string;
  exitCode?: number;
  signal?: string;
  /**
   * The stop signal `run` relayed before it had to kill the command (`--kill-after`, a third Ctrl-C): a step ended by
   * SIGKILL after a Ctrl-C was stopped by its user, not failed (as `docker stop` ends a container).
   */
  killedAfter?: string;
  counts: RecordCounts;
  /**
   * While the step runs, when its `run` last wrote its counts (every few seconds, app/run-progress.ts): a step whose
   * dd-logstore was killed keeps its last counts, and its duration ends here.
   */
  seenAt?: string;
  /** `dd_logstore.writer` of the process that ran it: with the log id, its records' key. */
  writer?: string;
  /** That process (pid, start time, boot, pid namespace): a step without an end whose owner is gone was interrupted. */
  owner?: ProcessOwner;
  /** Set by `flush` on a step that never ended: what its journal held, and how much of it was delivered in all. */
  recovered?: { read: number; delivered: number };
  /** The sequence number the next run of this step continues from. */
  nextSeq?: number;
  /** Where the local flavor wrote this step's records. */
  logUri?: string;
  /** The first delivery error, redacted. */
  error?: string;
  /**
   * Earliest and latest timestamp among the step's records (ISO), when they fall outside [startedAt, endedAt]: a
   * JSON line that carries its own time, or a record `flush` resent with the current time. Readers widen their
   * search window to cover them.
   */
  recordsFrom?: string;
  recordsTo?: string;
}

export interface RunRecord {
  runId: string;
  pipeline?: string;
  /**
   * `service`: the Datadog service its records were shipped under (the log store's `service_name` then): read back
   * with it, so that changing `service_name` later does not hide the run's records.
   */
  logStore: { id: string; name: string; flavor: string; service?: string };
  createdAt: string;
  updatedAt: string;
  steps: StepRecord[];
}

export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const RUN_ID_HINT = 'use ASCII letters, digits and . _ : -, at most 128 characters';

/**
 * A run id given on the command line (`run --run-id`, `logs --run-id`, `runs describe|delete`), checked before it
 * names a file: one usage error (exit 2), the same everywhere, never "cannot read the run record <path>".
 */
export function checkRunId(runId: string): string {
  if (!RUN_ID_PATTERN.test(runId)) throw new UsageError(`invalid run id '${runId}'`, { hint: RUN_ID_HINT });
  return runId;
}

/** The five counts of a run record, copied out of an object that may hold more (the sink's counts). */
export function recordCountsOf(c: RecordCounts): RecordCounts {
  return { read: c.read, delivered: c.delivered, spooled: c.spooled, dropped: c.dropped, failed: c.failed };
}

export function emptyCounts(): RecordCounts {
  return { read: 0, delivered: 0, spooled: 0, dropped: 0, failed: 0 };
}

export interface RunRecordStore {
  read(runId: string): Promise<RunRecord | undefined>;
  /** Changes a run record under its lock; `change` gets undefined for a new run. */
  /** `background`: the write's calls on the thread pool (a running step's counts, rewritten every few seconds). */
  update(
    runId: string,
    change: (current: RunRecord | undefined) => RunRecord,
    options?: { background?: boolean },
  ): Promise<RunRecord>;
  /** Every readable record, newest first; `onUnreadable` hears of the files that are not. */
  list(onUnreadable?: (file: string) => void): Promise<RunRecord[]>;
  last(): Promise<RunRecord | undefined>;
  /** Deletes a run record under its lock; false when there was none. */
  remove(runId: string): Promise<boolean>;
}

/** The service a run's records went under, as its run record says (`service_name` may have changed since). */
export function shippedServiceOf(run: RunRecord | undefined): string | undefined {
  const service = run?.logStore.service;
  return typeof service === 'string' && service !== '' ? service : undefined;
}

/** A run record that is there but cannot be read as one (damaged, or not ours): `runs delete --force` removes it. */
export class UnreadableRunRecord extends StoreError {}

export function createRunRecordStore(dir: string): RunRecordStore {
  const file = (runId: string) => join(dir, `${encodeURIComponent(runId)}.json`);
  const read = async (runId: string): Promise<RunRecord | undefined> => {
    let text: string;
    try {
      // A record others can write could point `logs` at another store: refused, as ssh refuses such a config.
      const unsafe = unsafeMode(file(runId), statSync(file(runId)), 0o022, 'run record');
      if (unsafe) throw new StoreError(unsafe.message, { hint: unsafe.hint });
      text = readFileSync(file(runId), 'utf8');
    } catch (err) {
      if (err instanceof StoreError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreError(`cannot read the run record ${file(runId)}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new UnreadableRunRecord(`the run record ${file(runId)} is not valid JSON`, {
        hint: `move it aside, or delete it with dd-logstore runs delete ${runId} --force`,
        cause: err,
      });
    }
    const problem = runRecordProblem(parsed);
    if (problem !== undefined) {
      throw new UnreadableRunRecord(`the run record ${file(runId)} is not a run record (${problem})`, {
        hint: `move it aside, or delete it with dd-logstore runs delete ${runId} --force; dd-logstore writes a new one for the next run with this id`,
      });
    }
    return parsed as RunRecord;
  };
  const list = async (onUnreadable?: (file: string) => void): Promise<RunRecord[]> => {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const records: RunRecord[] = [];
    for (const n of names) {
      try {
        if (unsafeMode(join(dir, n), await stat(join(dir, n))) !== undefined) throw new Error('writable by others');
        const parsed: unknown = JSON.parse(await readFile(join(dir, n), 'utf8'));
        if (runRecordProblem(parsed) !== undefined) throw new Error('not a run record');
        records.push(parsed as RunRecord);
      } catch {
        // A broken record must not hide the others; `runs describe` of that id reports it.
        onUnreadable?.(join(dir, n));
      }
    }
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  };
  return {
    read,
    list,
    /**
     * The run whose latest step started last: a step joining an earlier run id makes that run the last one, and a
     * flush rewriting an old record does not.
     */
    async last() {
      let best: { run: RunRecord; at: number } | undefined;
      for (const run of await list()) {
        const at = Math.max(Date.parse(run.createdAt), ...run.steps.map((s) => Date.parse(s.startedAt)));
        if (best === undefined || at > best.at) best = { run, at };
      }
      return best?.run;
    },
    async remove(runId) {
      await makeDirs(dir, 0o700);
      return withFileLock(`${file(runId)}.lock`, async () => {
        try {
          await unlink(file(runId));
          return true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
          throw new StoreError(`cannot delete the run record ${file(runId)}`, { cause: err });
        }
      });
    },
    async update(runId, change, options) {
      makeDirsSync(dir, 0o700);
      return withFileLock(`${file(runId)}.lock`, async () => {
        const next = change(await read(runId));
        const text = JSON.stringify(next, null, 2) + '\n';
        if (options?.background === true) await writeFileAtomicInBackground(file(runId), text, 0o600);
        else writeFileAtomicSync(file(runId), text, 0o600);
        return next;
      });
    },
  };
}

/** What makes a parsed file not a run record, or undefined when it is one (the fields readers rely on). */
function runRecordProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const r = v as Partial<Record<keyof RunRecord, unknown>>;
  if (typeof r.runId !== 'string') return 'no runId';
  if (typeof r.createdAt !== 'string') return 'no createdAt';
  if (!Array.isArray(r.steps)) return 'no steps list';
  if (typeof r.updatedAt !== 'string') return 'no updatedAt';
  if (r.pipeline !== undefined && typeof r.pipeline !== 'string') return 'pipeline is not a string';
  for (const [i, step] of (r.steps as unknown[]).entries()) {
    const problem = stepProblem(step);
    if (problem !== undefined) return `step ${i + 1}: ${problem}`;
  }
  const ls = r.logStore as Record<string, unknown> | null | undefined;
  if (typeof ls !== 'object' || ls === null) return 'no logStore';
  if (typeof ls.id !== 'string' || typeof ls.name !== 'string' || typeof ls.flavor !== 'string')
    return 'logStore without id, name or flavor';
  return undefined;
}

/** What readers rely on in a step (`runs describe` joins argv, sums counts), checked so odd JSON is one clear line. */
function stepProblem(step: unknown): string | undefined {
  const st = step as Partial<Record<keyof StepRecord, unknown>> | null;
  if (typeof st !== 'object' || st === null || Array.isArray(st)) return 'not an object';
  if (st.name !== null && typeof st.name !== 'string') return 'name is neither a string nor null';
  if (typeof st.logId !== 'string') return 'no logId';
  if (!Array.isArray(st.argv) || !st.argv.every((a) => typeof a === 'string')) return 'argv is not a list of strings';
  if (st.tags !== undefined && (!Array.isArray(st.tags) || !st.tags.every((t) => typeof t === 'string')))
    return 'tags is not a list of strings';
  if (typeof st.startedAt !== 'string' || Number.isNaN(Date.parse(st.startedAt))) return 'startedAt is not a time';
  for (const key of ['endedAt', 'recordsFrom', 'recordsTo'] as const) {
    const v = st[key];
    if (v !== undefined && (typeof v !== 'string' || Number.isNaN(Date.parse(v)))) return `${key} is not a time`;
  }
  for (const key of ['cwd', 'error', 'logUri', 'signal'] as const) {
    if (st[key] !== undefined && typeof st[key] !== 'string') return `${key} is not a string`;
  }
  for (const key of ['exitCode', 'nextSeq', 'pid'] as const) {
    if (st[key] !== undefined && !Number.isSafeInteger(st[key])) return `${key} is not a whole number`;
  }
  const counts = st.counts as Record<string, unknown> | null | undefined;
  if (typeof counts !== 'object' || counts === null) return 'no counts';
  for (const key of Object.keys(emptyCounts())) {
    const n = counts[key];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return `counts.${key} is not a count`;
  }
  return undefined;
}

/** `hint` says what else to try: `runs describe` and `runs delete` know only the runs recorded here. */
export function runNotFound(runId: string, hint = 'see dd-logstore runs list'): CliError {
  return new CliError(`no run with id '${runId}' in this store`, { hint });
}

export function totalCounts(run: RunRecord): RecordCounts {
  const total = emptyCounts();
  for (const s of run.steps) for (const k of Object.keys(total) as (keyof RecordCounts)[]) total[k] += s.counts[k];
  return total;
}

/**
 * `flush` delivered `count` spooled records of a stream (log id): move them from spooled to delivered in the steps
 * of that stream, oldest first, so `logs` can tell when what it reads back is complete.
 */
export function applyResent(run: RunRecord, logId: string | undefined, count: number, latestMs?: number): void {
  let left = count;
  for (const step of run.steps) {
    if (left <= 0) break;
    if (logId !== undefined && step.logId !== logId) continue;
    const n = Math.min(left, step.counts.spooled);
    step.counts.spooled -= n;
    step.counts.delivered += n;
    left -= n;
    if (n > 0 && latestMs !== undefined) widenRecordRange(step, latestMs, latestMs);
    // Everything the step spooled is delivered now: the error that spooled it is history, not the step's state.
    if (n > 0 && step.counts.spooled === 0 && step.counts.failed === 0 && step.error !== undefined) {
      step.error = `resolved: delivered later by flush (was: ${step.error})`;
    }
  }
}

/** Records `[fromMs, toMs]` in the step's recordsFrom/recordsTo, when outside what the step already spans. */
export function widenRecordRange(step: StepRecord, fromMs: number, toMs: number): void {
  // A time no Date can hold (a bogus timestamp) must not break the run record: the step just keeps its own span.
  const valid = (ms: number): boolean => !Number.isNaN(new Date(ms).getTime());
  if (!valid(fromMs) || !valid(toMs)) return;
  const from = Math.min(fromMs, Date.parse(step.recordsFrom ?? step.startedAt));
  if (from < Date.parse(step.startedAt)) step.recordsFrom = new Date(from).toISOString();
  const end = step.endedAt ?? step.startedAt;
  const to = Math.max(toMs, Date.parse(step.recordsTo ?? end));
  if (to > Date.parse(end)) step.recordsTo = new Date(to).toISOString();
}

/**
 * `flush` resent a journal of this step: its totals as the journal tells them (records it held, delivered in all,
 * still undelivered). For a step that never ended, that is all we know of it: it becomes `interrupted`, recovered.
 */
export function applyJournal(
  run: RunRecord,
  j: { logId: string; writer: string; total: number; delivered: number; kept: number; damaged?: string },
): void {
  const step = run.steps.find((s) => s.writer === j.writer && s.logId === j.logId);
  if (step === undefined) return;
  if (step.endedAt === undefined) {
    step.recovered = { read: j.total, delivered: j.delivered };
    step.counts.read = Math.max(step.counts.read, j.total);
  }
  step.counts.delivered = Math.max(0, Math.min(j.delivered, step.counts.read - step.counts.dropped));
  step.counts.spooled = j.kept;
  step.counts.failed = Math.max(
    0,
    step.counts.read - step.counts.delivered - step.counts.spooled - step.counts.dropped,
  );
  if (j.damaged !== undefined)
    step.error = `its spool journal is damaged (${j.damaged}): ${step.counts.failed} records could not be resent (the journal is kept in the spool's corrupt/)`;
  else if (j.kept === 0 && step.error !== undefined && !step.error.startsWith('resolved:'))
    step.error = `resolved: delivered later by flush (was: ${step.error})`;
}

/**
 * `flush` moved aside a journal of this step that it could not read at all (damaged in its header or first frame):
 * what its counts said was spooled is lost, with the reason. Nothing was recovered from it, so `recovered` stays
 * unset; for a step killed before it ended, its counts are those of its last progress write: "at least".
 */
export function applyUnreadJournal(run: RunRecord, writer: string, damaged: string): void {
  const step = run.steps.find((s) => s.writer === writer);
  if (step === undefined) return;
  const c = step.counts;
  c.spooled = 0;
  c.failed = Math.max(c.failed, c.read - c.delivered - c.dropped);
  if (c.failed > 0)
    step.error = `its spool journal is damaged (${damaged}): ${step.endedAt === undefined ? 'at least ' : ''}${c.failed} records could not be resent (the journal is kept in the spool's corrupt/)`;
}

/** One more acknowledged batch of a journal's step (so a `flush` killed midway has counted what it delivered). */
export function applyJournalBatch(run: RunRecord, logId: string, writer: string, delivered: number): void {
  const step = run.steps.find((s) => s.writer === writer && s.logId === logId);
  if (step === undefined) return;
  const moved = Math.min(delivered, step.counts.spooled);
  step.counts.spooled -= moved;
  step.counts.delivered += delivered;
  if (step.endedAt === undefined) step.counts.read = Math.max(step.counts.read, step.counts.delivered);
}
