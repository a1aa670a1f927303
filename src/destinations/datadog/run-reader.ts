/**
 * Reads a run back from Datadog: searches `service + run id (or log id) (+ step, level, text)` over the run's time
 * window.
 */
import type { RunRecord } from '../../store/run-records.js';
import { createInOrder, finishEntries, settled } from '../../query/run-reader.js';
import type { RunReader } from '../../query/run-reader.js';
import type { LogFilter } from '../../query/log-entry.js';
import { WINDOW_MARGIN_MS, runWindow } from '../../query/run-scope.js';
import { forEachPage, readAllPages } from './reader.js';
import type { ReaderDeps } from './reader.js';
import { buildRunQuery } from './query.js';

/** Follow re-reads this far behind the newest record seen: records are indexed late and out of order. */
export const FOLLOW_LAG_MS = 30_000;

export interface DatadogRunReaderOptions {
  service: string;
  /** The run to read; without it, `filter.logId` names the stream (a ZenML stream with no run record here). */
  runId: string | undefined;
  deps: ReaderDeps;
  now(): number;
  /** The run record as it is now (re-read by follow), or undefined. */
  run(): RunRecord | undefined;
}

export function createDatadogRunReader(o: DatadogRunReaderOptions): RunReader {
  const query = (filter: LogFilter) =>
    buildRunQuery({
      service: o.service,
      ...(o.runId !== undefined ? { runId: o.runId } : {}),
      ...(filter.logId !== undefined ? { logId: filter.logId } : {}),
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
        entries: finishEntries(r.entries, filter),
        partial: r.partial,
        stoppedEarly: r.stoppedEarly,
        serverElapsedMs: r.serverElapsedMs,
        pages: r.pages,
      };
    },
    async readInOrder(filter, each, limit, want) {
      // Printed page by page: a 100k-record read no longer keeps every parsed record alive until the end.
      const window = runWindow(o.run(), o.now(), filter.since, filter.until);
      const order = createInOrder(filter, each);
      const r = await forEachPage({ query: query(filter), ...window }, o.deps, {
        onPage: (page, more) => order.add(page, limit) && more,
        ...(want?.jsonlLines === true ? { jsonlLines: true } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      return { count: order.end(), partial: r.partial, stoppedEarly: r.stoppedEarly };
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
