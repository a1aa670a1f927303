/**
 * Reads a run's records a page at a time, for the ui: the one place the ui reads records, so the local side can move
 * to the compact segments' streaming reader without the server noticing. Local runs page by offset over a compact
 * index of the run's files (destinations/local/run-index.ts); Datadog runs page by Logs Search cursor (destinations/datadog/reader,
 * rate-limit aware, its notices passed on). Never the whole run: a page is at most MAX_PAGE records.
 */
import { LEVELS } from '../core/log-record.js';
import type { Level } from '../core/log-record.js';
import type { RunRecord } from '../store/run-records.js';
import { fetchPage, readAllPages } from '../destinations/datadog/reader.js';
import type { ReaderDeps, SearchWindow } from '../destinations/datadog/reader.js';
import { quoteValue } from '../destinations/datadog/query.js';
import { entryFromEvent } from '../destinations/datadog/log-entry.js';
import { createEntrySet, flatAttributes, levelRank } from '../query/log-entry.js';
import type { LogEntry } from '../query/log-entry.js';
import { createRunIndex } from '../destinations/local/run-index.js';
import type { RunIndex } from '../destinations/local/run-index.js';
import { FOLLOW_LAG_MS } from '../query/run-reader.js';
import { WINDOW_MARGIN_MS, runWindow } from '../query/run-scope.js';

export const MAX_PAGE = 1000;
/** The Datadog histogram counts at most this many records (ten search pages); it says so when there are more. */
export const HISTOGRAM_CAP = 10_000;
/** A local run's files are re-scanned for appended records at most this often. */
const REFRESH_EVERY_MS = 250;

export interface RecordQuery {
  step?: string;
  /** Levels to keep; undefined or empty keeps all. */
  levels?: readonly Level[];
  text?: string;
}

export interface PageRecord {
  id: string;
  timestamp: number;
  level: Level;
  /** The store's own status word (`warning`, `notice`...). */
  status: string;
  step: string | null;
  message: string;
  /** Flat dotted keys, minus what the other fields say. */
  attributes: Record<string, unknown>;
}

export interface RecordPage {
  records: PageRecord[];
  /** Where the page starts among the matching records, and how many match (local store only). */
  offset?: number;
  total?: number;
  /** Cursor of the next page now, when there is one. */
  next?: string;
  /** Cursor to poll for records that arrive later (follow). Datadog's may repeat records: de-duplicate by id. */
  resume: string;
  /** Datadog said the search timed out: the page may lack records. */
  partial?: boolean;
  /** The run is still being indexed: `total` is not known yet (ask again). */
  indexing?: boolean;
}

export interface Histogram {
  from: number;
  to: number;
  bucketMs: number;
  levels: readonly Level[];
  /** counts[bucket][level index]. */
  counts: number[][];
  /** The counts cover only the first `counted` records (Datadog: HISTOGRAM_CAP). */
  capped?: { counted: number };
}

export interface RunPages {
  /** `cursor`: undefined (first page), `end` (last page, local), or a `next` / `resume` value from before. */
  page(q: RecordQuery, cursor: string | undefined, limit: number): Promise<RecordPage>;
  histogram(q: RecordQuery, buckets: number): Promise<Histogram>;
  /** Unreadable lines in the run's files (local), for a notice on the page. */
  damaged(): { skipped: number; files: string[] };
}

export type PageSource =
  { flavor: 'local'; dir: string } | { flavor: 'datadog'; service: string; deps: Omit<ReaderDeps, 'signal'> };

export interface RunPagesOptions {
  runId: string;
  /** The run record as it is now (re-read between calls by the caller), or undefined (a run shipped elsewhere). */
  run(): RunRecord | undefined;
  now(): number;
}

export function openRunPages(source: PageSource, o: RunPagesOptions): RunPages {
  return source.flavor === 'local' ? localPages(source.dir, o) : datadogPages(source, o);
}

const LEVEL_SET = new Set<string>(LEVELS);

function toLevel(status: string): Level {
  return LEVEL_SET.has(status) ? (status as Level) : LEVELS[levelRank(status)]!;
}

const ENTRY_FIELDS = ['zenml.step.name', 'dd_logstore.seq'];

export function pageRecord(e: LogEntry): PageRecord {
  const attributes = { ...flatAttributes(e) };
  for (const k of ENTRY_FIELDS) delete attributes[k];
  if (e.service !== undefined) attributes.service = e.service;
  if (e.host !== undefined) attributes.host = e.host;
  return {
    id: e.id,
    timestamp: e.timestamp,
    level: toLevel(e.status),
    status: e.status,
    step: e.step ?? null,
    message: e.message,
    attributes,
  };
}

function clampLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(limit) || 1));
}

function emptyHistogram(from: number, to: number, buckets: number): Histogram {
  const bucketMs = Math.max(1, Math.ceil((to - from + 1) / buckets));
  return { from, to, bucketMs, levels: LEVELS, counts: Array.from({ length: buckets }, () => LEVELS.map(() => 0)) };
}

function addToHistogram(h: Histogram, timestamp: number, rank: number): void {
  const b = Math.min(h.counts.length - 1, Math.max(0, Math.floor((timestamp - h.from) / h.bucketMs)));
  h.counts[b]![Math.min(LEVELS.length - 1, rank)]!++;
}

/** A first page is served from a prefix of each file while the rest is indexed, up to this far into the run. */
const PREFIX_PAGE_MAX = 5000;

function localPages(dir: string, o: RunPagesOptions): RunPages {
  const index: RunIndex = createRunIndex(dir, o.runId);
  let refreshedAt = Number.NEGATIVE_INFINITY;
  let fullyIndexed = false;
  // Scans run one after the other (the index is not safe for two at once); callers of a full scan share it.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn);
    queue = p.catch(() => undefined);
    return p;
  };
  let scanning: Promise<void> | undefined;
  const fresh = (): Promise<void> => {
    if (scanning !== undefined) return scanning;
    if (o.now() - refreshedAt < REFRESH_EVERY_MS) return Promise.resolve();
    scanning = serially(() => index.refresh())
      .then((complete) => {
        fullyIndexed ||= complete;
      })
      .finally(() => {
        refreshedAt = o.now();
        scanning = undefined;
      });
    return scanning;
  };
  /**
   * The first pages of a run not indexed yet (a 1M-record run takes seconds): read the first records of each file
   * and serve from those, while a full scan goes on in the background. Right only when every file is in order, and
   * for filters the index can apply to a prefix (not text, which reads every message).
   */
  const prefixPage = async (q: RecordQuery, offset: number, n: number): Promise<RecordPage | undefined> => {
    if (fullyIndexed || scanning !== undefined || q.text !== undefined || offset + n > PREFIX_PAGE_MAX)
      return undefined;
    const complete = await serially(() => index.refresh(offset + n));
    if (complete) {
      fullyIndexed = true;
      refreshedAt = o.now();
      return undefined;
    }
    if (!index.filesInOrder || q.levels !== undefined) {
      await fresh();
      return undefined;
    }
    void fresh().catch(() => undefined); // the rest, in the background; the next request waits for it
    const matching = await select(q);
    const end = Math.min(matching.length, offset + n);
    const records = (await index.read(matching.subarray(offset, end))).map(pageRecord);
    return { records, offset, resume: `o:${end}`, next: `o:${end}`, indexing: true };
  };
  const ranks = (q: RecordQuery) =>
    q.levels !== undefined && q.levels.length > 0 ? new Set(q.levels.map((l) => levelRank(l))) : undefined;
  const select = (q: RecordQuery) =>
    index.select({
      ...(q.step !== undefined ? { step: q.step } : {}),
      ...(ranks(q) !== undefined ? { ranks: ranks(q) } : {}),
      ...(q.text !== undefined && q.text !== '' ? { text: q.text } : {}),
    });
  return {
    async page(q, cursor, limit) {
      const n = clampLimit(limit);
      if (cursor === undefined || /^o:\d+$/.test(cursor)) {
        const early = await prefixPage(q, cursor === undefined ? 0 : Number(cursor.slice(2)), n);
        if (early !== undefined) return early;
      }
      await fresh();
      const matching = await select(q);
      const total = matching.length;
      let offset = 0;
      if (cursor === 'end') offset = Math.max(0, total - n);
      else if (cursor !== undefined && /^o:\d+$/.test(cursor)) offset = Math.min(total, Number(cursor.slice(2)));
      const end = Math.min(total, offset + n);
      const records = (await index.read(matching.subarray(offset, end))).map(pageRecord);
      return { records, offset, total, resume: `o:${end}`, ...(end < total ? { next: `o:${end}` } : {}) };
    },
    async histogram(q, buckets) {
      await fresh();
      const span = await index.select(q.step !== undefined ? { step: q.step } : {});
      if (span.length === 0) return emptyHistogram(0, 0, buckets);
      const h = emptyHistogram(index.timestamp(span[0]!), index.timestamp(span[span.length - 1]!), buckets);
      const matching = await select(q);
      for (let i = 0; i < matching.length; i++)
        addToHistogram(h, index.timestamp(matching[i]!), index.rank(matching[i]!));
      return h;
    },
    damaged: () => index.damaged(),
  };
}

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
  const parts = [`service:${quoteValue(service)}`, `@zenml.run.id:${quoteValue(runId)}`];
  if (q.step !== undefined) parts.push(`@zenml.step.name:${quoteValue(q.step)}`);
  if (q.levels !== undefined && q.levels.length > 0 && q.levels.length < LEVELS.length)
    parts.push(`(${q.levels.flatMap((l) => DATADOG_STATUSES[l].map((s) => `status:${s}`)).join(' OR ')})`);
  if (q.text !== undefined && q.text.trim() !== '') parts.push(quoteValue(q.text));
  return parts.join(' ');
}

function datadogPages(source: Extract<PageSource, { flavor: 'datadog' }>, o: RunPagesOptions): RunPages {
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
        .filter(keep(q));
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
  };
}
