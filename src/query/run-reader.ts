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

export interface OrderedRead {
  /** Records handed on: de-duplicated and filtered. */
  count: number;
  partial: boolean;
  stoppedEarly: boolean;
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
   * What `read` gives, in the same order, handed to `each` a batch at a time instead of gathered (a store whose pages
   * come in timestamp order: Datadog). With `limit`, paging stops where `read`'s would. `want.jsonlLines`: the
   * records are for the `jsonl` printer alone, which may get them as their lines' bytes (LogEntry.lineBytes).
   */
  readInOrder?(
    filter: LogFilter,
    each: (entries: LogEntry[]) => void,
    limit?: number,
    want?: { jsonlLines?: boolean },
  ): Promise<OrderedRead>;
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

/**
 * Pages that come in timestamp order to batches in `finishEntries`' order, never gathered: each page is filtered and
 * de-duplicated, and its records older than its last one are sorted and handed on. Records of that last millisecond
 * wait for the next page, which may hold more of them with lower seqs.
 */
export function createInOrder(
  filter: LogFilter,
  each: (entries: LogEntry[]) => void,
): { add(page: readonly LogEntry[], limit?: number): boolean; end(): number } {
  const seen = createEntrySet();
  let held: LogEntry[] = [];
  let count = 0;
  return {
    /** One page as read; true once the first `limit` records are settled (as `settled` says of the whole read). */
    add(page, limit) {
      const last = page[page.length - 1];
      if (last === undefined) return false;
      const kept = seen.addNew(page.filter((e) => matchesFilter(e, filter)));
      held = held.length === 0 ? kept : held.concat(kept);
      held.sort(compareEntries);
      let older = 0;
      while (older < held.length && (held[older] as LogEntry).timestamp < last.timestamp) older++;
      if (older > 0) {
        const out = older === held.length ? held : held.slice(0, older);
        held = older === held.length ? [] : held.slice(older);
        count += out.length;
        each(out);
      }
      // The limit-th record is settled once handed on (older than the newest read) and more than `limit` are kept.
      return limit !== undefined && count >= limit && count + held.length > limit;
    },
    /** Hands on what waits; the number of records handed on in all. */
    end() {
      if (held.length > 0) {
        count += held.length;
        each(held);
        held = [];
      }
      return count;
    },
  };
}
