/**
 * Sending the spool again (`dd-logstore flush`, and `run` in the background): the same rules as a run (retrying
 * transport, 413 split, 400 isolation, 401/403 stop), one claimed file at a time. What is delivered is removed; what
 * is not is written back to a new spool file with its latest reason. Records older than Datadog's 18 h window are sent
 * with the current time and their own in `dd_logstore.original_timestamp`.
 */
import { DEFAULT_BATCHING, isAuthStatus } from './batching-processor.js';

import type { BatchPart, Exporter } from './exporter.js';
import type { ExportOutcome } from '../core/http/http-outcome.js';
import { exportWithSplitting } from './splitting.js';
import { MAX_FAILED_BATCHES_IN_A_ROW } from './journal-resend.js';
import { renameSync, utimesSync } from 'node:fs';
import { currentOwner } from '../store/process-owner.js';
import { join } from 'node:path';
import {
  claimableFiles,
  claimFile,
  countSpoolLines,
  createSpoolFileWriter,
  moveAside,
  processIsAlive,
  readSpoolProgress,
  spoolBase,
  spoolLines,
  spoolProgressPath,
  writeSpoolProgress,
  type IsAlive,
  type SpoolEntry,
  type SpoolFileWriter,
  type SpoolProgress,
} from './spool.js';

import { ORIGINAL_TIMESTAMP } from '../core/log-record.js';
import { removeFile } from '../core/fs/quiet-cleanup.js';

/** Sends spooled intake items to a log store: each destination has one (destinations/<flavor>/spool-exporter.ts). */
export type SpoolExporter = Pick<Exporter<SpoolEntry[]>, 'export' | 'split' | 'shutdown'>;

export interface FlushReport {
  files: number;
  /** Spool lines read. */
  read: number;
  delivered: number;
  /** Still in the spool afterwards (rejected ones included). */
  kept: number;
  /** Refused by the intake as malformed (400/413 on a single record): kept, with the intake's text. */
  rejected: number;
  restamped: number;
  /** Files moved aside to corrupt/: a spool file with its unreadable lines, a journal with where it is damaged. */
  corrupt: ({ file: string; badLines: number } | { file: string; damaged: string })[];
  /** Why the flush stopped before the end (repeated timeouts), when it did. */
  stopped?: string;
  /** Set when a 401/403 stopped the flush. */
  authError?: { status: number; message: string };
  /** Sending stopped (a 401/403, or batches in a row without an answer): what follows would get the same. */
  stoppedSending?: boolean;
  /** Spool files (and journals) left untried and uncounted: the flush stopped first (not with countUntried). */
  untried: number;
  /** Why the first batch that failed in this flush failed (the intake's answer), for the summary. */
  firstError?: string;
  /** Delivered per (run id, log id), to update the run records. */
  deliveredByStream: Map<string, { runId: string; logId?: string; count: number; latestMs?: number }>;
}

export interface FlushSpoolOptions {
  /** `spool/<log-store-id>`. */
  dir: string;
  exporter: SpoolExporter;
  /** Re-stamp records older than 18 h (the Datadog flavor). */
  /** Records older than this are sent with the current time (the destination's time window); undefined: never. */
  restampOlderThanMs?: number;
  maxBatchItems?: number;
  maxBatchBytes?: number;
  now?: () => number;
  pid?: number;
  isAlive?: IsAlive;
  /**
   * Stops between batches (what is left stays in the spool). The batch in flight is its transport's to end
   * (app/flush-spool.ts: a moment of grace, then cut).
   */
  signal?: AbortSignal;
  warn?: (message: string) => void;
  /** After a stop, count the files not tried as kept (`flush`'s summary); `run`'s flush in the background does not. */
  countUntried?: boolean;
}

export async function flushSpool(options: FlushSpoolOptions): Promise<FlushReport> {
  const now = options.now ?? Date.now;
  const pid = options.pid ?? process.pid;
  // The destination's limits (Datadog's 1000 items and 5 MB a request) are applied by the caller.
  const maxItems = options.maxBatchItems ?? DEFAULT_BATCHING.maxExportBatchSize;
  const maxBytes = options.maxBatchBytes ?? DEFAULT_BATCHING.maxBatchBytes;
  const { exporter, signal } = options;
  const report: FlushReport = {
    files: 0,
    read: 0,
    delivered: 0,
    kept: 0,
    rejected: 0,
    restamped: 0,
    corrupt: [],
    deliveredByStream: new Map(),
    untried: 0,
  };
  let stoppedBy: ExportOutcome | undefined;
  let gaveUp: ExportOutcome | undefined;
  let failedInARow = 0;
  const aborted = (): ExportOutcome | undefined =>
    signal?.aborted ? { kind: 'retryable', message: 'not resent: stopped', unsent: true } : (stoppedBy ?? gaveUp);

  /**
   * Streams one claimed file from its progress, a batch at a time; after each batch what it did not deliver is on disk
   * in `keep` and the progress is past it. Answers whether the whole file was settled (false: stopped midway).
   */
  const resendFile = async (
    claimed: string,
    base: string,
    progress: SpoolProgress,
    keep: SpoolFileWriter,
  ): Promise<boolean> => {
    let batch: SpoolEntry[] = [];
    let bytes = 2;
    let bad = progress.bad;
    /** The offset just past the last line taken into `batch` (or skipped as unreadable). */
    let end = progress.offset;
    const send = async (): Promise<boolean> => {
      if (batch.length === 0) return true;
      if (aborted()) return false;
      report.read += batch.length;
      if (options.restampOlderThanMs !== undefined)
        report.restamped += restamp(batch, now(), options.restampOlderThanMs);
      const parts = await exportWithSplitting(
        exporter,
        { batch, count: batch.length },
        {
          stopped: aborted,
          observe: (o) => {
            if (o.kind === 'failure' && isAuthStatus(o.status) && !stoppedBy) {
              stoppedBy = { ...o, message: `not resent: HTTP ${o.status}`, unsent: true };
              report.authError = { status: o.status as number, message: o.message };
            }
          },
        },
      );
      const kept: SpoolEntry[] = [];
      for (const part of parts) settle(part, kept, report);
      // An intake that never answers: each batch would wait out its whole time budget, so a big file would take
      // hours. After a few batches in a row with nothing delivered and no answer in time, the flush stops.
      const delivered = parts.some((p) => p.outcome.kind === 'success');
      let timedOut: string | undefined;
      for (const { outcome: o } of parts)
        if (o.kind === 'retryable' && !/^not resent/.test(o.message)) timedOut ??= o.message;
      failedInARow = timedOut !== undefined && !delivered ? failedInARow + 1 : 0;
      if (failedInARow >= MAX_FAILED_BATCHES_IN_A_ROW && gaveUp === undefined) {
        gaveUp = { kind: 'retryable', message: 'not resent: stopped', unsent: true };
        report.stopped ??= `${MAX_FAILED_BATCHES_IN_A_ROW} batches in a row got no answer in time (last: ${timedOut})`;
      }
      keep.add(kept);
      keep.sync();
      report.kept += kept.length;
      progress.offset = end;
      progress.bad = bad;
      writeSpoolProgress(options.dir, base, progress);
      batch = [];
      bytes = 2;
      return true;
    };
    for (const line of spoolLines(claimed, progress.offset)) {
      if (line.entry === undefined) {
        bad++;
        end = line.end;
        continue;
      }
      // A rough size: the item's message dominates; the rest is a few hundred bytes.
      const size = Buffer.byteLength(String(line.entry.item.message)) + 600;
      if (batch.length > 0 && (batch.length >= maxItems || bytes + size > maxBytes) && !(await send())) break;
      if (aborted()) break;
      batch.push(line.entry);
      bytes += size;
      end = line.end;
    }
    if (!aborted() && (await send())) {
      progress.bad = bad;
      return true;
    }
    // What is left (the batch not sent, and the rest of the file) stays in the file, counted without decoding it.
    const left = countSpoolLines(claimed, progress.offset);
    report.read += left;
    report.kept += left;
    return false;
  };

  try {
    const names = claimableFiles(options.dir, options.isAlive ?? processIsAlive, pid);
    for (const [index, name] of names.entries()) {
      if (signal?.aborted || (aborted() && options.countUntried !== true)) {
        report.untried += names.length - index;
        break;
      }
      if (aborted()) {
        // Stopped by a 401/403 or by an intake that does not answer: not tried, but counted, so that "still spooled"
        // says all the spool holds (it said what the files tried held, as if that were all).
        const left = countUntried(options.dir, name);
        if (left === undefined) continue;
        report.files++;
        report.read += left;
        report.kept += left;
        continue;
      }
      const claimed = claimFile(options.dir, name, pid);
      if (claimed === undefined) continue;
      report.files++;
      const base = spoolBase(name);
      const progress: SpoolProgress = { ...readSpoolProgress(options.dir, base), owner: currentOwner() };
      const heartbeat = setInterval(() => touch(spoolProgressPath(options.dir, base)), 1000);
      heartbeat.unref();
      // What a tried batch did not deliver goes to a new spool file, claimable like a crashed run's if we die.
      const keep = createSpoolFileWriter(options.dir, now(), pid, { crashSafe: true });
      let done = false;
      try {
        // Who works on it, and a heartbeat (the progress file's mtime) for a flusher in another pid namespace.
        writeSpoolProgress(options.dir, base, progress);
        done = await resendFile(claimed, base, progress, keep);
      } catch (err) {
        // Reading it, or writing what is kept (a full disk): what its progress does not cover stays in it.
        const why = `cannot resend spool file ${claimed}: ${err instanceof Error ? err.message : String(err)}`;
        options.warn?.(why);
        // Its records are neither delivered nor counted: the flush must not end as if the spool were empty.
        report.stopped ??= why;
      }
      clearInterval(heartbeat);
      try {
        keep.close();
      } catch (err) {
        // Left as <base>.open under this pid: claimable, and resent, once this process is gone.
        options.warn?.(`cannot finish spool file ${claimed}: ${err instanceof Error ? err.message : String(err)}`);
        report.stopped ??= 'cannot write the spool';
        done = false;
      }
      if (!done) {
        // Stopped midway: the file goes back to the spool; the next flush starts at its progress.
        renameQuietly(claimed, join(options.dir, `${base}.jsonl`));
        continue;
      }
      if (progress.bad > 0) {
        const dest = moveAside(options.dir, claimed, name);
        report.corrupt.push({ file: dest, badLines: progress.bad });
        options.warn?.(
          `spool file ${name} has ${progress.bad} unreadable line${progress.bad === 1 ? '' : 's'}: moved to ${dest}; its readable records are resent`,
        );
      } else removeFile(claimed);
      removeFile(spoolProgressPath(options.dir, base));
    }
  } finally {
    await exporter.shutdown().catch(() => undefined);
  }
  if (stoppedBy !== undefined || gaveUp !== undefined) report.stoppedSending = true;
  return report;
}

function settle(
  part: BatchPart<SpoolEntry[]> & { outcome: ExportOutcome },
  keep: SpoolEntry[],
  report: FlushReport,
): void {
  const { outcome, batch } = part;
  if (outcome.kind === 'success') {
    report.delivered += batch.length;
    for (const e of batch) {
      const key = `${e.runId}\u0000${e.logId ?? ''}`;
      const ts = typeof e.item.timestamp === 'number' ? e.item.timestamp : undefined;
      const s = report.deliveredByStream.get(key);
      if (s) {
        s.count++;
        if (ts !== undefined && (s.latestMs === undefined || ts > s.latestMs)) s.latestMs = ts;
      } else
        report.deliveredByStream.set(key, {
          runId: e.runId,
          ...(e.logId ? { logId: e.logId } : {}),
          count: 1,
          ...(ts === undefined ? {} : { latestMs: ts }),
        });
    }
    return;
  }
  if (outcome.kind === 'failure' && (outcome.status === 400 || outcome.status === 413) && batch.length === 1)
    report.rejected++;
  // Not tried (stopped, or after the key was refused): the record keeps the reason it was spooled for.
  const stopped = outcome.unsent === true;
  if (!stopped) report.firstError ??= outcome.message;
  for (const e of batch) keep.push(stopped ? e : { ...e, reason: outcome.message });
}

/** Gives records past the 18 h window the current time, keeping theirs; answers how many. */
function restamp(batch: SpoolEntry[], now: number, maxAgeMs: number): number {
  let n = 0;
  for (const e of batch) {
    const ts = e.item.timestamp;
    if (typeof ts === 'number' && ts < now - maxAgeMs) {
      if (e.item[ORIGINAL_TIMESTAMP] === undefined) e.item[ORIGINAL_TIMESTAMP] = ts;
      e.item.timestamp = now;
      n++;
    }
  }
  return n;
}

/** The records a spool file holds past its progress (what an earlier flush settled is not in it any more). */
function countUntried(dir: string, name: string): number | undefined {
  try {
    return countSpoolLines(join(dir, name), readSpoolProgress(dir, spoolBase(name)).offset);
  } catch {
    // Claimed or removed meanwhile by another flusher: its records are that flusher's to count (`inUse`).
    return undefined;
  }
}

function renameQuietly(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // Left as .sending-<pid>: claimable again once this process is gone.
  }
}

function touch(path: string): void {
  try {
    const t = new Date();
    utimesSync(path, t, t);
  } catch {
    // Removed meanwhile: the file is done.
  }
}
