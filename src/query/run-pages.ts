/**
 * A run's records a page at a time (the ui's view of a run): what a page, a query and a histogram are, and the
 * helpers every destination's pages share. Each destination that can read back implements RunPages
 * (destinations/local/run-pages.ts by offset over an index of the files, destinations/datadog/run-pages.ts by Logs
 * Search cursor). Never the whole run: a page is at most MAX_PAGE records.
 */
import { LEVELS } from '../core/log-record.js';
import type { Level } from '../core/log-record.js';
import type { RunRecord } from '../store/run-records.js';
import { flatAttributes, levelRank } from './log-entry.js';
import type { LogEntry } from './log-entry.js';

export const MAX_PAGE = 1000;

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
  /** The run in the store's own web app (Datadog's Logs Explorer), when it has one. */
  webUrl?(): string;
  /** A read failure in the store's own words (which key, which site), or undefined to pass it on as is. */
  explainFailure?(err: unknown): Error | undefined;
}

/** What a destination's pages need: the run, the clock, waiting and notices (Datadog's rate limits). */
export interface PagesEnv {
  runId: string;
  /** The run record as it is now (re-read between calls by the caller), or undefined (a run shipped elsewhere). */
  run(): RunRecord | undefined;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  notice(line: string): void;
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

export function clampLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(limit) || 1));
}

export function emptyHistogram(from: number, to: number, buckets: number): Histogram {
  const bucketMs = Math.max(1, Math.ceil((to - from + 1) / buckets));
  return { from, to, bucketMs, levels: LEVELS, counts: Array.from({ length: buckets }, () => LEVELS.map(() => 0)) };
}

export function addToHistogram(h: Histogram, timestamp: number, rank: number): void {
  const b = Math.min(h.counts.length - 1, Math.max(0, Math.floor((timestamp - h.from) / h.bucketMs)));
  h.counts[b]![Math.min(LEVELS.length - 1, rank)]!++;
}
