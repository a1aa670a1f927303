/**
 * One interface over the stores `logs` reads: a whole-run read (de-duplicated, filtered, in order) and a follow
 * source. Each destination that can read back implements it (destinations/datadog/run-reader.ts, local/run-reader.ts).
 */
import type { FollowSource } from './follow.js';
import type { FrameSpan } from '../pipeline/segment-format.js';
import { compareEntries, createEntrySet, matchesFilter } from './log-entry.js';
import type { LogEntry, LogFilter } from './log-entry.js';

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
  /**
   * Hands the records to `each` a chunk at a time, in order, instead of gathering them (bounded memory): the local
   * store. Stops after `limit` + 1 records.
   */
  stream?(
    filter: LogFilter,
    each: (entries: LogEntry[]) => void,
    limit?: number,
  ): Promise<{ count: number; stoppedEarly: boolean }>;
  /**
   * `stream` for text output without entries: each record's frame (segment bytes) and its stream's step, in order
   * (frame-text.ts renders them). Undefined when this read cannot be done so (several streams to merge, older files,
   * --grep): nothing was read then.
   */
  streamFrames?(
    filter: LogFilter,
    each: (bytes: Buffer, span: FrameSpan, step: string | undefined) => void,
    limit?: number,
  ): Promise<{ count: number; stoppedEarly: boolean } | undefined>;
  followSource(filter: LogFilter): FollowSource;
  /** A read failure in the store's own words (which key, which site), or undefined to pass it on as is. */
  explainFailure?(err: unknown): Error | undefined;
  /** A failure that polling again cannot cure (refused credentials): follow stops on it. */
  isFatal?(err: unknown): boolean;
}

/** De-duplicated, filtered and in order: what every reader hands back. */
export function finishEntries(raw: LogEntry[], filter: LogFilter): LogEntry[] {
  const kept = createEntrySet().addNew(raw.filter((e) => matchesFilter(e, filter)));
  return kept.sort(compareEntries);
}

/**
 * Pages come in timestamp order, so once more than `limit` records are kept and the limit-th is older than the
 * newest record read, no later page can change the first `limit`.
 */
export function settled(raw: readonly LogEntry[], filter: LogFilter, limit: number): boolean {
  if (raw.length <= limit) return false;
  const kept = finishEntries([...raw], filter);
  const last = raw[raw.length - 1];
  const nth = kept[limit - 1];
  return kept.length > limit && last !== undefined && nth !== undefined && nth.timestamp < last.timestamp;
}
