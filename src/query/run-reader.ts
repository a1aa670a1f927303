/**
 * One interface over the stores `logs` reads: a whole-run read (de-duplicated, filtered, in order) and a follow
 * source. The Datadog reader searches `service + run id (+ step, level, text)` over the run's time window; the local
 * reader reads (and tails) the run's JSONL files.
 */
import type { RunRecord } from '../store/run-records.js';
import { readAllPages } from '../destinations/datadog/reader.js';
import type { ReaderDeps } from '../destinations/datadog/reader.js';
import { buildRunQuery } from '../destinations/datadog/query.js';
import type { FollowSource } from './follow.js';
import { compareEntries, createEntrySet, matchesFilter } from './log-entry.js';
import type { LogEntry, LogFilter } from './log-entry.js';
import { createLocalTail } from '../destinations/local/reader.js';
import type { LocalPoll } from '../destinations/local/reader.js';
import { WINDOW_MARGIN_MS, runWindow } from './run-scope.js';

/** Follow re-reads this far behind the newest record seen: records are indexed late and out of order. */
export const FOLLOW_LAG_MS = 30_000;

export interface RunRead {
  /** De-duplicated, filtered, ordered by (timestamp, seq). */
  entries: LogEntry[];
  /** Results may be incomplete (Datadog's meta.status timeout). */
  partial: boolean;
  /** Reading stopped once `enough` held (--limit): more may exist. */
  stoppedEarly: boolean;
  /** Server time spent answering (Datadog meta.elapsed), ms. */
  serverElapsedMs: number;
  pages: number;
}

export interface RunReader {
  /** 'indexed' (Datadog, which indexes with a delay) or 'found' (local files). */
  readonly arrivalWord: string;
  /** With `limit`, reading may stop once the first `limit` records (in order) are settled and more exist. */
  read(filter: LogFilter, limit?: number): Promise<RunRead>;
  followSource(filter: LogFilter): FollowSource;
}

function finish(raw: LogEntry[], filter: LogFilter): LogEntry[] {
  const kept = createEntrySet().addNew(raw.filter((e) => matchesFilter(e, filter)));
  return kept.sort(compareEntries);
}

/**
 * Pages come in timestamp order, so once more than `limit` records are kept and the limit-th is older than the
 * newest record read, no later page can change the first `limit`.
 */
function settled(raw: readonly LogEntry[], filter: LogFilter, limit: number): boolean {
  if (raw.length <= limit) return false;
  const kept = finish([...raw], filter);
  const last = raw[raw.length - 1];
  const nth = kept[limit - 1];
  return kept.length > limit && last !== undefined && nth !== undefined && nth.timestamp < last.timestamp;
}

export interface DatadogRunReaderOptions {
  service: string;
  runId: string;
  deps: ReaderDeps;
  now(): number;
  /** The run record as it is now (re-read by follow), or undefined. */
  run(): RunRecord | undefined;
}

export function createDatadogRunReader(o: DatadogRunReaderOptions): RunReader {
  const query = (filter: LogFilter) =>
    buildRunQuery({
      service: o.service,
      runId: o.runId,
      ...(filter.step !== undefined ? { step: filter.step } : {}),
      ...(filter.level !== undefined ? { level: filter.level } : {}),
      ...(filter.grep !== undefined ? { grep: filter.grep } : {}),
    });
  return {
    arrivalWord: 'indexed',
    async read(filter, limit) {
      const window = runWindow(o.run(), o.now(), filter.since, filter.until);
      const r = await readAllPages(
        { query: query(filter), ...window },
        o.deps,
        limit !== undefined ? { enough: (raw) => settled(raw, filter, limit) } : {},
      );
      return {
        entries: finish(r.entries, filter),
        partial: r.partial,
        stoppedEarly: r.stoppedEarly,
        serverElapsedMs: r.serverElapsedMs,
        pages: r.pages,
      };
    },
    followSource(filter) {
      let newest = Number.NEGATIVE_INFINITY;
      const q = query(filter);
      return {
        async poll(full) {
          const now = o.now();
          const base = runWindow(o.run(), now, filter.since, filter.until);
          const from =
            full || newest === Number.NEGATIVE_INFINITY ? base.from : Math.max(base.from, newest - FOLLOW_LAG_MS);
          // Records stamped ahead of now (a JSON line's own time, within Datadog's 2 h) are in the run's window too.
          const to = filter.until !== undefined ? base.to : Math.max(now + WINDOW_MARGIN_MS, base.to);
          // One try per poll: the next poll is the retry, and a notice says what happened.
          const r = await readAllPages({ query: q, from, to }, o.deps, { transientRetries: 0 });
          for (const e of r.entries) if (e.timestamp > newest) newest = e.timestamp;
          return r.entries;
        },
      };
    },
  };
}

function skippedLines(r: LocalPoll): string {
  const lines = `${r.skipped} unreadable line${r.skipped === 1 ? '' : 's'}`;
  return `${lines} skipped in ${(r.damaged ?? []).join(', ')}: a damaged file; those records cannot be read back`;
}

export function createLocalRunReader(dir: string, runId: string, warn: (line: string) => void): RunReader {
  return {
    arrivalWord: 'found',
    async read(filter) {
      const r = await createLocalTail(dir, runId).poll(true);
      if (r.skipped > 0) warn(skippedLines(r));
      return { entries: finish(r.entries, filter), partial: false, stoppedEarly: false, serverElapsedMs: 0, pages: 0 };
    },
    followSource() {
      const tail = createLocalTail(dir, runId);
      return {
        async poll() {
          const r = await tail.poll(false);
          if (r.skipped > 0) warn(skippedLines(r));
          return r.entries;
        },
      };
    },
  };
}
