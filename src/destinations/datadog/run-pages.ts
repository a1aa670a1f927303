/**
 * A Datadog run's pages: Logs Search a page at a time (cursor `meta.page.after`), rate-limit aware with the CLI's
 * notice (./reader.ts), the run's time window from its run record; follow re-reads from a little before the newest
 * record seen. The histogram counts the first HISTOGRAM_CAP records.
 */
import { LEVELS } from '../../core/log-record.js';
import type { Level } from '../../core/log-record.js';
import { compareEntries, createEntrySet, levelRank } from '../../query/log-entry.js';
import type { LogEntry } from '../../query/log-entry.js';
import { addToHistogram, clampLimit, emptyHistogram, pageRecord } from '../../query/run-pages.js';
import type { PagesEnv, RecordQuery, RunPages } from '../../query/run-pages.js';
import { WINDOW_MARGIN_MS, runWindow } from '../../query/run-scope.js';
import { entryFromEvent } from './log-entry.js';
import { RUN_ID_ATTRIBUTES, STEP_ATTRIBUTES, anyOf, quoteValue } from './query.js';
import { fetchPage, readAllPages } from './reader.js';
import type { ReaderDeps, SearchWindow } from './reader.js';
import { FOLLOW_LAG_MS } from './run-reader.js';
import { logsExplorerUrl } from './sites.js';

/** The histogram counts at most this many records (ten search pages); it says so when there are more. */
export const HISTOGRAM_CAP = 10_000;

/** The Datadog statuses of each of our levels (Datadog has more words than we do). */
const DATADOG_STATUSES: Record<Level, string[]> = {
  debug: ['debug', 'trace'],
  info: ['info', 'notice', 'ok'],
  warn: ['warn', 'warning'],
  error: ['error'],
  critical: ['critical', 'alert', 'emergency'],
};

/** The Logs Search query of a page: the run, the step, the levels and the text. */
export function pageQuery(service: string, runId: string, q: RecordQuery): string {
  // The run and the step under both names they go by, as `logs` and the summary line's link match them (query.ts).
  const parts = [`service:${quoteValue(service)}`, anyOf(RUN_ID_ATTRIBUTES, runId)];
  if (q.step !== undefined) parts.push(anyOf(STEP_ATTRIBUTES, q.step));
  if (q.levels !== undefined && q.levels.length > 0 && q.levels.length < LEVELS.length)
    parts.push(`(${q.levels.flatMap((l) => DATADOG_STATUSES[l].map((s) => `status:${s}`)).join(' OR ')})`);
  if (q.text !== undefined && q.text.trim() !== '') parts.push(quoteValue(q.text));
  return parts.join(' ');
}

export interface DatadogPagesOptions {
  service: string;
  site: string;
  deps: Omit<ReaderDeps, 'signal'>;
  explainFailure(err: unknown): Error | undefined;
}

export function createDatadogRunPages(source: DatadogPagesOptions, o: PagesEnv): RunPages {
  const window = (q: RecordQuery, from?: number): SearchWindow => {
    const w = runWindow(o.run(), o.now(), undefined, undefined);
    return { query: pageQuery(source.service, o.runId, q), from: from ?? w.from, to: w.to };
  };
  // The text is also matched here as a substring, as `logs --grep` does: Datadog matches whole words.
  const keep = (q: RecordQuery) => (e: LogEntry) =>
    q.text === undefined || q.text === '' || e.message.toLowerCase().includes(q.text.toLowerCase());
  return {
    async page(q, cursor, limit) {
      const n = clampLimit(limit);
      let w = window(q);
      let ddCursor: string | undefined;
      if (cursor?.startsWith('c:')) ddCursor = cursor.slice(2);
      else if (cursor?.startsWith('t:')) {
        // Follow: from a little before the newest record seen (records are indexed late), up to now.
        const newest = Number(cursor.slice(2));
        w = { ...w, from: Math.max(w.from, newest - FOLLOW_LAG_MS), to: Math.max(w.to, o.now() + WINDOW_MARGIN_MS) };
      }
      const r = await fetchPage(w, ddCursor, source.deps, 1, n);
      if (!r.ok) throw r.error;
      const entries = createEntrySet()
        .addNew(r.res.data.map((ev) => entryFromEvent(ev)))
        .filter(keep(q))
        // Datadog orders by timestamp only: records of one millisecond keep the run's order by their seq.
        .sort(compareEntries);
      const newest = entries.reduce((m, e) => Math.max(m, e.timestamp), Number(cursor?.slice(2)) || w.from);
      const after = r.res.meta?.page?.after;
      return {
        records: entries.map(pageRecord),
        resume: `t:${newest}`,
        ...(after !== undefined && after !== '' && r.res.data.length > 0 ? { next: `c:${after}` } : {}),
        ...(r.res.meta?.status === 'timeout' ? { partial: true } : {}),
      };
    },
    async histogram(q, buckets) {
      const w = window(q);
      const r = await readAllPages(w, source.deps, { enough: (raw) => raw.length >= HISTOGRAM_CAP });
      const entries = createEntrySet().addNew(r.entries).filter(keep(q));
      if (entries.length === 0) return emptyHistogram(0, 0, buckets);
      let from = Number.POSITIVE_INFINITY;
      let to = Number.NEGATIVE_INFINITY;
      for (const e of entries) {
        from = Math.min(from, e.timestamp);
        to = Math.max(to, e.timestamp);
      }
      const h = emptyHistogram(from, to, buckets);
      for (const e of entries) addToHistogram(h, e.timestamp, levelRank(e.status));
      return r.stoppedEarly ? { ...h, capped: { counted: entries.length } } : h;
    },
    damaged: () => ({ skipped: 0, files: [] }),
    webUrl() {
      const w = runWindow(o.run(), o.now(), undefined, undefined);
      return logsExplorerUrl(source.site, pageQuery(source.service, o.runId, {}), w.from, w.to);
    },
    explainFailure: source.explainFailure,
  };
}
