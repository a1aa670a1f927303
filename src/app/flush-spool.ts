/**
 * The `flush` use case: resend what the spool holds, with the same rules as `run` (retries, 413
 * split, 400 isolation, 401/403 stop), remove what was delivered and report the counts. Without --log-store, every
 * log store that has a spool. `run` uses the same flusher in the background.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../core/errors.js';
import type { DrainSummary } from './run-report.js';
import type { Factory } from './factory.js';
import { destinationOf } from '../destinations/index.js';
import { resolveLogStoreSettings } from './resolve-log-store.js';
import type { ResolvedLogStore } from './resolve-log-store.js';
import type { FlushReport, SpoolExporter } from '../pipeline/resend.js';
import type { RetryingTransport } from '../core/http/retrying-transport.js';
import {
  applyJournal,
  applyJournalBatch,
  applyResent,
  applyUnreadJournal,
  createRunRecordStore,
} from '../store/run-records.js';
import type { RunRecord, RunRecordStore } from '../store/run-records.js';
import type { Component } from '../store/model.js';
import { findComponent } from '../store/find-component.js';
import { plainLineParser } from '../runner/plain-line.js';

export interface FlushOptions {
  logStore?: string;
}

export type FlushRow = Pick<
  FlushReport,
  'files' | 'read' | 'delivered' | 'kept' | 'rejected' | 'restamped' | 'corrupt' | 'stopped'
> & {
  logStore: string;
  error?: string;
  /** Why records are still failing: the first error of this flush. */
  firstError?: string;
  /** Spool files and journals another dd-logstore (a flush, a run) was resending as this one ended: not counted. */
  inUse: number;
};

/** Resends the spool of one log store (or of every log store that has one); one row per log store. */
export async function flushSpools(f: Factory, opts: FlushOptions): Promise<FlushRow[]> {
  const config = await f.configStore().read();
  const stores = config.components['log-store'];
  const spoolRoot = f.paths().spool;
  let targets: Component[];
  if (opts.logStore !== undefined) {
    const c = findComponent(config, 'log-store', opts.logStore);
    // Nothing spooled: nothing to resolve either (a secret that is missing here only matters to records to send).
    targets = hasEntries(join(spoolRoot, c.id)) ? [c] : [];
  } else {
    // A spool directory emptied by an earlier flush or run stays: it is no log store to report (or resolve) again.
    const ids = listDirs(spoolRoot).filter((id) => hasEntries(join(spoolRoot, id)));
    targets = Object.values(stores).filter((c) => ids.includes(c.id));
    const known = new Set(Object.values(stores).map((c) => c.id));
    for (const id of ids)
      if (!known.has(id)) f.warn(`spool ${join(spoolRoot, id)} belongs to a log store that no longer exists; skipped`);
  }

  const rows: FlushRow[] = [];
  const runs = createRunRecordStore(f.paths().runs);
  for (const component of targets) {
    const settings = await resolveLogStoreSettings(f, component);
    const dir = join(spoolRoot, component.id);
    const report = await createSpoolFlusher(settings, dir, {
      warn: (m) => f.warn(m),
      mask: (t) => f.io.redactor.redact(t),
      runs,
      countUntried: true,
    })();
    await recordResent(runs, report);
    const { filesBeingResent } = await import('../pipeline/spool.js');
    const { journalsBeingResent } = await import('../pipeline/journal.js');
    rows.push({
      logStore: component.name,
      files: report.files,
      read: report.read,
      delivered: report.delivered,
      kept: report.kept,
      rejected: report.rejected,
      restamped: report.restamped,
      corrupt: report.corrupt,
      ...(report.stopped !== undefined ? { stopped: report.stopped } : {}),
      ...(report.authError ? { error: describeFlushAuth(settings, report.authError.status) } : {}),
      ...(report.firstError !== undefined ? { firstError: report.firstError } : {}),
      // Their records are neither read nor counted here: "0 still spooled" must not pass for an empty spool.
      inUse: filesBeingResent(dir) + journalsBeingResent(dir),
    });
  }
  return rows;
}

/** How long a stopped resend's attempts in flight may go on before they are cut (see createSpoolFlusher). */
const DRAIN_STOP_GRACE_MS = 1000;

/** A flusher for one log store's spool directory, with its settings (URL, key, batching, timeouts). */
export function createSpoolFlusher(
  settings: ResolvedLogStore,
  dir: string,
  options: {
    signal?: AbortSignal;
    warn?: (message: string) => void;
    mask: (text: string) => string;
    runs?: RunRecordStore;
    /**
     * After a stop (401/403, an intake that does not answer), count what was not tried as kept: `flush` says all the
     * spool holds. `run`'s flush in the background leaves it unread (a large spool would be read during the run).
     */
    countUntried?: boolean;
  },
): () => Promise<FlushReport> {
  return async () => {
    const { flushSpool } = await import('../pipeline/resend.js');
    // Node's own client, as `run`'s shipping: undici's WebAssembly parser costs ~0.25 s of CPU on its first request.
    const { createNodeHttpTransport } = await import('../core/http/node-http-transport.js');
    const { createRetryingTransport } = await import('../core/http/retrying-transport.js');
    const budgetMs = settings.batching.exportTimeoutMillis;
    const destination = destinationOf(settings);
    const check = destination.checkAnswers;
    // Stopped (`run`'s own flush is done): no more retries, and the attempts in flight get DRAIN_STOP_GRACE_MS to end
    // (a delivery under way completes, not sent again by the next run as a copy) before they are cut; what was not
    // delivered stays spooled. The signal checked between batches alone kept `run` up to export_timeout_millis past
    // its --flush-timeout, retrying an intake that was down.
    const opened: RetryingTransport[] = [];
    let cut: NodeJS.Timeout | undefined;
    const stop = (): void => {
      for (const t of opened) t.stopRetrying();
      cut ??= setTimeout(() => {
        for (const t of opened.splice(0)) void t.close();
      }, DRAIN_STOP_GRACE_MS);
    };
    const transport = (): RetryingTransport => {
      const http = createNodeHttpTransport({ timeoutMs: budgetMs, connections: 2 });
      // Which answers count as delivery (Datadog: only the intake's own), under the retries. What the spool holds was
      // tried already, often against a slow intake: its first attempt gets the whole budget. Cut at half, as a run's
      // first attempts are, an intake answering in 10 s (budget 15 s) timed out on the batch in flight at every
      // flush, which stayed spooled and reached the intake once more each time, never delivered.
      const t = createRetryingTransport(check ? check(settings, http) : http, {
        budgetMs,
        policy: { attemptShare: 1 },
      });
      opened.push(t);
      if (options.signal?.aborted) stop();
      return t;
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      const unmasked = destination.createSpoolExporter(settings, transport);
      // The reason kept with a record still spooled quotes the intake's answer, which can quote what we sent: masked.
      const exporter: SpoolExporter = {
        ...unmasked,
        export: async (batch) => {
          const outcome = await unmasked.export(batch);
          return outcome.kind === 'success' ? outcome : { ...outcome, message: options.mask(outcome.message) };
        },
      };
      const { DEFAULT_BATCHING } = await import('../pipeline/batching-processor.js');
      // The batch limits a run of this destination uses: its defaults and its intake's caps.
      const limits = destination.batching({
        ...DEFAULT_BATCHING,
        maxExportBatchSize: settings.batching.maxExportBatchSize,
      });
      // The older spool files (JSONL items), then the journals (segments) with the destination's own exporter.
      const report = await flushSpool({
        dir,
        exporter,
        ...(destination.timeWindow ? { restampOlderThanMs: destination.timeWindow.maxAgeMs } : {}),
        maxBatchItems: limits.maxExportBatchSize,
        maxBatchBytes: limits.maxBatchBytes,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.warn ? { warn: options.warn } : {}),
        ...(options.countUntried === true ? { countUntried: true } : {}),
      });
      // Stopped on the older files (a 401/403, or an intake that does not answer): a run's resend in the background
      // leaves the journals untried, where they would get the same (and each wait out its time budget).
      if (options.signal?.aborted || (report.stoppedSending === true && options.countUntried !== true)) {
        const { countEndedJournals } = await import('../pipeline/journal.js');
        report.untried += countEndedJournals(dir);
        return report;
      }
      // `flush` stopped on the older files (a 401/403, or an intake that does not answer): the journals are counted,
      // not sent (each batch would get the same answer, or wait out its time budget).
      const stoppedBefore =
        options.countUntried === true && report.stoppedSending === true
          ? report.authError !== undefined
            ? 'the intake refused the credentials'
            : (report.stopped ?? 'stopped')
          : undefined;
      const { flushJournals } = await import('../pipeline/journal-resend.js');
      const runs = options.runs;
      const update = async (runId: string, change: (run: RunRecord) => void): Promise<void> => {
        try {
          if (runs === undefined || (await runs.read(runId)) === undefined) return;
          await runs.update(runId, (run) => {
            change(run!);
            return run!;
          });
        } catch {
          // A run record we cannot update must not undo the delivery; `runs describe` shows the older counts.
        }
      };
      const j = await flushJournals({
        spoolDir: dir,
        exporterFor: (context) => destination.createExporter(settings, context, transport),
        ...(destination.timeWindow ? { restampOlderThanMs: destination.timeWindow.maxAgeMs } : {}),
        maxBatchItems: limits.maxExportBatchSize,
        maxBatchBytes: limits.maxBatchBytes,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.warn ? { warn: options.warn } : {}),
        mask: options.mask,
        lineParser: plainLineParser,
        ...(options.countUntried === true ? { countUntried: true } : {}),
        ...(stoppedBefore !== undefined ? { stoppedBefore } : {}),
        onBatch: (s, n) => update(s.runId, (run) => applyJournalBatch(run, s.logId, s.writer, n)),
        onJournal: (s) => update(s.runId, (run) => applyJournal(run, s)),
        // Its step still counted those records as spooled, for ever (and runs delete refused the run): they are lost.
        onUnreadJournal: async (writer, damaged) => {
          const owners = (await runs?.list().catch(() => [])) ?? [];
          for (const run of owners) {
            if (run.logStore.id !== settings.component.id || !run.steps.some((st) => st.writer === writer)) continue;
            await update(run.runId, (r) => applyUnreadJournal(r, writer, damaged));
          }
        },
      });
      report.files += j.journals;
      report.read += j.read;
      report.delivered += j.delivered;
      report.kept += j.kept;
      report.rejected += j.rejected;
      report.restamped += j.restamped;
      report.corrupt.push(...j.corrupt);
      report.untried += j.untried;
      if (j.authError) report.authError = j.authError;
      if (j.stopped !== undefined && report.authError === undefined) report.stopped = j.stopped;
      if (j.firstError !== undefined) report.firstError ??= j.firstError;
      return report;
    } finally {
      options.signal?.removeEventListener('abort', stop);
      clearTimeout(cut);
    }
  };
}

/** Moves what `flush` delivered from spooled to delivered in the run records it came from. */
export async function recordResent(runs: ReturnType<typeof createRunRecordStore>, report: FlushReport): Promise<void> {
  for (const { runId, logId, count, latestMs } of report.deliveredByStream.values()) {
    try {
      if ((await runs.read(runId)) === undefined) continue;
      await runs.update(runId, (run) => {
        applyResent(run!, logId, count, latestMs);
        return run!;
      });
    } catch {
      // A run record we cannot update must not undo the delivery; `runs describe` shows the older counts.
    }
  }
}

function describeFlushAuth(settings: ResolvedLogStore, status: number): string {
  const { where, fix } = destinationOf(settings).describeAuthFailure(settings, status);
  return `${where}; nothing more was sent and the spool is kept (${fix})`;
}

function hasEntries(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

/**
 * Resends earlier runs' spool while this run goes on. Silent but for corrupt files (moved aside with a warning) and
 * a closing note; never throws, and stops as soon as `signal` aborts, leaving what is unsent in the spool.
 */
export async function drainSpoolInBackground(
  dir: string,
  runsDir: string,
  settings: ResolvedLogStore,
  signal: AbortSignal,
  warn: (message: string) => void,
  mask: (text: string) => string,
  ownJournal?: string,
): Promise<DrainSummary> {
  const none: DrainSummary = { delivered: 0, kept: 0, restamped: 0 };
  try {
    const { claimableFiles } = await import('../pipeline/spool.js');
    const { listJournals, removeGoneJournals } = await import('../pipeline/journal.js');
    // What a run left while removing its delivered journal (it exited first): removed, never resent.
    await removeGoneJournals(dir);
    // The run's own journal (its writer alive: the flusher would pass it by) is no reason to make a flusher.
    const others = listJournals(dir).filter((name) => ownJournal === undefined || join(dir, name) !== ownJournal);
    if (claimableFiles(dir).length === 0 && others.length === 0) return none;
    const runs = createRunRecordStore(runsDir);
    const report = await createSpoolFlusher(settings, dir, { signal, warn, mask, runs })();
    await recordResent(runs, report);
    return {
      delivered: report.delivered,
      kept: report.kept,
      restamped: report.restamped,
      // Stopped before the end of the spool: its `kept` is what it tried, not all there is.
      ...(report.untried > 0 ? { stoppedEarly: true } : {}),
    };
  } catch (err) {
    warn(`could not resend the spool in ${dir}: ${errorMessage(err)}`);
    return none;
  }
}
