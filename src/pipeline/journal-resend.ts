/**
 * Resending journals (`dd-logstore flush`, and `run` in the background): every journal whose writer is gone (a run
 * that ended with records undelivered, or one killed mid-run) is claimed, streamed a megabyte at a time, and what its
 * acks (its ack frames, and its `acks` file) do not cover is sent again with the stream's own exporter (the same
 * serializer, 413 split, 400 isolation, retries as `run`), with the original seq so readers de-duplicate. Each
 * acknowledged batch is checkpointed at once (the `acks` file), so a `flush` killed midway loses nothing and resends
 * little. Stops at a 401/403, at the caller's signal, and after repeated timeouts (what is left stays in the journal).
 */
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import { isAuthStatus } from './batching-processor.js';
import type { BatchWriter, Exporter } from './exporter.js';
import type { ExportOutcome } from '../core/http/http-outcome.js';
import { ORIGINAL_TIMESTAMP, type LogRecordData, type StreamContext } from '../core/log-record.js';
import { exportWithSplitting } from './splitting.js';
import {
  claimJournal,
  JOURNAL_SUFFIX,
  countEndedJournals,
  listJournals,
  readJournal,
  removeGoneJournals,
  seqCount,
  withAcks,
} from './journal.js';
import { openSegmentCursor } from './segment-reader.js';
import type { LineParser } from './segment-format.js';

/** Batches in a row that ran out of retries before a flush gives up on an intake that does not answer. */
export const MAX_FAILED_BATCHES_IN_A_ROW = 3;

export interface JournalStream {
  runId: string;
  logId: string;
  writer: string;
  /** Records the journal holds. */
  total: number;
  /** Of those, delivered (before this flush, and by it). */
  delivered: number;
  /** Still undelivered after this flush. */
  kept: number;
  /** The writer died before the end of its run (no clean finish): an interrupted step. */
  interrupted: boolean;
  /** Where the journal is damaged, when it is (moved to `corrupt/`: what follows cannot be resent). */
  damaged?: string;
}

export interface JournalFlushReport {
  journals: number;
  /** Undelivered records found. */
  read: number;
  delivered: number;
  kept: number;
  rejected: number;
  restamped: number;
  authError?: { status: number; message: string };
  /** Why the flush stopped before the end, when it did. */
  stopped?: string;
  /** The first answer that kept records undelivered. */
  firstError?: string;
  streams: JournalStream[];
  /** Journals left untried: the flush stopped first (not with countUntried). */
  untried: number;
  /** Damaged journals moved to `corrupt/`: their new path and where the damage is. */
  corrupt: { file: string; damaged: string }[];
}

export interface JournalFlushOptions {
  /** `spool/<log-store-id>`. */
  spoolDir: string;
  /** The stream's exporter (the flavor's own). */
  exporterFor(context: StreamContext): Exporter;
  /** Records older than this go out with the current time, theirs kept in `dd_logstore.original_timestamp`. */
  restampOlderThanMs?: number;
  maxBatchItems: number;
  maxBatchBytes: number;
  signal?: AbortSignal;
  warn?: (message: string) => void;
  /** Masks what the intake's answer quotes (it can quote what we sent) before it is kept as the reason. */
  mask?: (text: string) => string;
  /** The record builder's plain-line parser (runner/plain-line.ts): the journal's parsed lines frames need it. */
  lineParser: LineParser;
  /**
   * Set when the flush stopped before the journals (a 401/403 on the older spool files): nothing is sent, every
   * journal's undelivered records are counted as kept.
   */
  stoppedBefore?: string;
  /** After a stop, read the journals left and count their records as kept (`flush`), rather than leave them. */
  countUntried?: boolean;
  /** After each acknowledged batch: `delivered` more records of the stream reached the intake. */
  onBatch?: (stream: Omit<JournalStream, 'total' | 'kept' | 'delivered'>, delivered: number) => Promise<void>;
  /** After each journal, with its totals. */
  onJournal?: (stream: JournalStream) => Promise<void>;
  /**
   * A damaged journal moved aside before a record of it could be read (its header, or its first frame): whose run
   * it was is not known, only its writer (from its name), so that the step's counts can say what was lost.
   */
  onUnreadJournal?: (writer: string, damaged: string) => Promise<void>;
  now?: () => number;
}

export async function flushJournals(options: JournalFlushOptions): Promise<JournalFlushReport> {
  const now = options.now ?? Date.now;
  const report: JournalFlushReport = {
    journals: 0,
    read: 0,
    delivered: 0,
    kept: 0,
    rejected: 0,
    restamped: 0,
    streams: [],
    corrupt: [],
    untried: 0,
    ...(options.stoppedBefore !== undefined ? { stopped: options.stoppedBefore } : {}),
  };
  // Delivered journals a run left while removing them (it exited first): never resent, removed here.
  await removeGoneJournals(options.spoolDir);
  const names = listJournals(options.spoolDir);
  for (const [index, name] of names.entries()) {
    // Once stopped (a 401/403, or an intake that does not answer), `flush` reads the journals left without sending:
    // their records count as kept, so that its summary's "still spooled" is all the spool holds.
    if (options.signal?.aborted || (report.stopped !== undefined && options.countUntried !== true)) {
      report.untried += countEndedJournals(options.spoolDir, names.slice(index));
      break;
    }
    const dir = join(options.spoolDir, name);
    const claim = claimJournal(dir);
    if (claim === undefined) continue;
    report.journals++;
    const heartbeat = setInterval(() => claim.heartbeat(), 1000);
    heartbeat.unref();
    // Every part's acks first (a part's records can be acknowledged in a later part): a pass over the frames' lengths.
    const journal = await readJournal(dir);
    let context: StreamContext | undefined;
    let writer = '';
    let total = 0;
    let ackedBefore = 0;
    let deliveredNow = 0;
    let kept = 0;
    /** The first damaged frame: what follows it in that part cannot be read, so the journal is never removed. */
    let damaged: string | undefined;
    let exporter: Exporter | undefined;
    let open: BatchWriter<unknown> | undefined;
    let failedInARow = 0;
    const stopped = (): ExportOutcome | undefined =>
      options.signal?.aborted || report.stopped !== undefined
        ? { kind: 'retryable', message: 'not resent: stopped' }
        : undefined;

    const send = async (): Promise<void> => {
      if (open === undefined || exporter === undefined || open.count === 0 || context === undefined) return;
      const count = open.count;
      const batch = open.finish();
      open = undefined;
      if (stopped()) {
        kept += count;
        exporter.release?.(batch);
        return;
      }
      const parts = await exportWithSplitting(
        exporter,
        { batch, count },
        {
          stopped,
          observe: (o) => {
            if (o.kind === 'failure' && isAuthStatus(o.status) && report.authError === undefined) {
              report.authError = { status: o.status as number, message: o.message };
              report.stopped = `the intake refused the credentials (HTTP ${o.status})`;
            }
          },
        },
      );
      exporter.release?.(batch);
      let delivered = 0;
      let timedOut = false;
      for (const p of parts) {
        if (p.outcome.kind === 'success') delivered += p.count;
        else {
          kept += p.count;
          if (p.outcome.kind === 'failure' && (p.outcome.status === 400 || p.outcome.status === 413) && p.count === 1)
            report.rejected++;
          if (p.outcome.kind === 'retryable' && !isOurStop(p.outcome)) timedOut = true;
        }
      }
      report.delivered += delivered;
      const failed = parts.find((p) => p.outcome.kind !== 'success' && !isOurStop(p.outcome));
      if (failed !== undefined && failed.outcome.kind !== 'success') {
        const reason = (options.mask ?? ((t: string) => t))(failed.outcome.message);
        claim.noteReason(reason);
        report.firstError ??= reason;
      }
      failedInARow = timedOut && delivered === 0 ? failedInARow + 1 : 0;
      if (failedInARow >= MAX_FAILED_BATCHES_IN_A_ROW && report.stopped === undefined)
        report.stopped = `${MAX_FAILED_BATCHES_IN_A_ROW} batches in a row got no answer in time (last: ${firstFailure(parts)})`;
      if (delivered > 0)
        await options.onBatch?.({ runId: context.runId, logId: context.logId, writer, interrupted: false }, delivered);
    };

    try {
      for (const file of journal.segments) {
        // The journal's parsed lines frames: each record is what the record builder's parser makes of its line.
        const cursor = openSegmentCursor(file, { lineParser: options.lineParser });
        try {
          for (;;) {
            const records = await cursor.next({ final: true });
            if (records === undefined) break;
            const header = cursor.header;
            if (header === undefined) break;
            if (context === undefined) {
              context = header.context;
              writer = header.writer;
              exporter = withAcks(options.exporterFor(context), (seqs) => {
                claim.ack(seqs);
                deliveredNow += seqCount(seqs);
              });
            }
            for (const r of records) {
              total++;
              if (journal.acked.has(r.seq)) {
                ackedBefore++;
                continue;
              }
              report.read++;
              if (stopped()) {
                kept++;
                continue;
              }
              const record =
                options.restampOlderThanMs !== undefined ? restamp(r, now(), options.restampOlderThanMs, report) : r;
              open ??= (exporter as Exporter).createBatch();
              if (!open.add(record, options.maxBatchBytes)) {
                await send();
                open = (exporter as Exporter).createBatch();
                open.add(record, options.maxBatchBytes);
              }
              if (open.count >= options.maxBatchItems) await send();
            }
          }
          await send();
          const s = cursor.status;
          if (s.kind === 'torn') {
            options.warn?.(
              `journal ${file}: the last ${s.bytes} bytes are not a whole record (dd-logstore died mid-write): cut there; the records before it are kept`,
            );
            // A block cut short gave its whole records: the bytes stay (they are read again if not all delivered).
            if (s.salvaged === undefined) truncateSync(file, s.offset);
          } else if (s.kind === 'damaged') {
            damaged ??= `${file} at byte ${s.offset} (${s.reason})`;
            options.warn?.(
              `journal ${file} is damaged at byte ${s.offset} (${s.reason}): the records after it cannot be resent`,
            );
          }
        } finally {
          await cursor.close();
        }
      }
      await send();
    } finally {
      clearInterval(heartbeat);
      await exporter?.shutdown().catch(() => undefined);
    }
    report.kept += kept;
    if (context !== undefined) {
      const stream: JournalStream = {
        runId: context.runId,
        logId: context.logId,
        writer,
        total,
        delivered: ackedBefore + deliveredNow,
        kept,
        interrupted: !journal.ended,
        ...(damaged !== undefined && kept === 0 ? { damaged } : {}),
      };
      report.streams.push(stream);
      await options.onJournal?.(stream);
    }
    if (damaged !== undefined && kept === 0) {
      // Everything it could read was delivered, but it is not removed: what follows the damage is still in it. (With
      // records not delivered yet it stays in the spool: the next flush resends them and warns again.)
      const dest = claim.moveAside();
      report.corrupt.push({ file: dest, damaged });
      options.warn?.(`journal ${name} is damaged: moved to ${dest}; the records it could read were resent`);
      if (context === undefined)
        await options.onUnreadJournal?.(name.replace(/^\./, '').slice(0, -JOURNAL_SUFFIX.length), damaged);
    } else if (kept === 0) claim.remove();
    else claim.release();
  }
  return report;
}

function firstFailure(parts: { outcome: ExportOutcome }[]): string {
  for (const p of parts) if (p.outcome.kind !== 'success') return p.outcome.message;
  return 'unknown';
}

/** A record past Datadog's 18 h window goes out with the current time, its own kept in the original timestamp. */
function restamp(r: LogRecordData, now: number, maxAgeMs: number, report: JournalFlushReport): LogRecordData {
  if (r.timestamp >= now - maxAgeMs) return r;
  report.restamped++;
  return { ...r, timestamp: now, attributes: { ...r.attributes, [ORIGINAL_TIMESTAMP]: r.timestamp } };
}

/** Not the far end's answer but our own stop (a batch not sent, or cut by `run`'s end): no reason to keep. */
function isOurStop(outcome: Exclude<ExportOutcome, { kind: 'success' }>): boolean {
  return outcome.unsent === true || /^not resent/.test(outcome.message);
}
