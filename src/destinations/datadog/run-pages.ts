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
      /** Follow: the newest record the reader has seen. */
      let seenTo: number | undefined;
      if (cursor === 'end') {
        // The last page: the newest records first, then put back in order; follow goes on from its newest.
        w = { ...w, to: Math.max(w.to, o.now() + WINDOW_MARGIN_MS), newestFirst: true };
      } else if (cursor?.startsWith('c:')) ddCursor = cursor.slice(2);
      else if (cursor?.startsWith('t:')) {
        // Follow: from a little before the newest record seen (records are indexed late), up to now.
        seenTo = Number(cursor.slice(2));
        w = { ...w, from: Math.max(w.from, seenTo - FOLLOW_LAG_MS), to: Math.max(w.to, o.now() + WINDOW_MARGIN_MS) };
      }
      let r = await fetchPage(w, ddCursor, source.deps, 1, n);
      if (!r.ok) throw r.error;
      let raw = r.res.data.map((ev) => entryFromEvent(ev));
      // A page that is full and all seen already (more records than a page came in the lag): from just after the
      // newest seen, or every poll would read that same page and follow would never reach the new records. (A chunk
      // of output is stamped with one time: a page can hold that one millisecond alone.) Safe because a follow page
      // never ends inside a millisecond (below): what was seen up to its newest is all of it. Records indexed late
      // into a millisecond already passed are then not shown; `logs --follow` reads every page and shows them.
      const seenAll = seenTo;
      if (seenAll !== undefined && raw.length >= n && raw.every((e) => e.timestamp <= seenAll)) {
        w = { ...w, from: seenAll + 1 };
        r = await fetchPage(w, undefined, source.deps, 1, n);
        if (!r.ok) throw r.error;
        raw = r.res.data.map((ev) => entryFromEvent(ev));
      }
      const full = raw.length >= n;
      const lastMs = raw.reduce((m, e) => Math.max(m, e.timestamp), Number.NEGATIVE_INFINITY);
      // Datadog orders by timestamp only: records of one millisecond keep the run's order by their seq.
      const ordered = (list: LogEntry[]) => createEntrySet().addNew(list).filter(keep(q)).sort(compareEntries);
      /** One millisecond's records, all of them (Datadog breaks ties its own way: a page can cut one in two). */
      const wholeMs = async (ms: number) =>
        (
          await readAllPages({ query: w.query, from: ms, to: ms + 1 }, source.deps, {
            enough: (x) => x.length >= HISTOGRAM_CAP,
          })
        ).entries;
      let entries = ordered(raw);
      if (seenTo !== undefined && full) {
        // A follow page ends at a whole millisecond: the one the page cut is the next poll's, or (no progress without
        // it) is read whole now.
        const before = entries.filter((e) => e.timestamp < lastMs);
        const seen = seenTo;
        entries = before.some((e) => e.timestamp > seen) ? before : ordered([...before, ...(await wholeMs(lastMs))]);
      }
      if (cursor === 'end' && full && entries.length > 0) {
        // Newest first, Datadog breaks a tie in the oldest millisecond of the page its own way: that millisecond is
        // read whole, and the page is the last n by (timestamp, seq).
        const tie = entries[0]!.timestamp;
        entries = ordered([...(await wholeMs(tie)), ...entries.filter((e) => e.timestamp > tie)]).slice(-n);
      }
      let newest = entries.reduce((m, e) => Math.max(m, e.timestamp), seenTo ?? w.from);
      // A full page of the run (the first, or by cursor) may have cut its last millisecond: a follow from it reads
      // that millisecond again (the reader drops what it has).
      if (seenTo === undefined && cursor !== 'end' && full) newest = Math.min(newest, lastMs - 1);
      const after = r.res.meta?.page?.after;
      // A follow or last page has none: what comes after it is the next follow's (its window is not the run's).
      const more = seenTo === undefined && cursor !== 'end';
      return {
        records: entries.map(pageRecord),
        resume: `t:${newest}`,
        ...(more && after !== undefined && after !== '' && r.res.data.length > 0 ? { next: `c:${after}` } : {}),
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
