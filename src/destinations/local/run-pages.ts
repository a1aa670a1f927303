/**
 * A local run's pages: by offset over the records that match, read through a compact index of the run's files
 * (./run-index.ts), refreshed with what was appended (a running run is followed). Stand-in for the compact segments'
 * streaming reader: the ui sees only RunPages.
 */
import { clampLimit, emptyHistogram, addToHistogram, pageRecord } from '../../query/run-pages.js';
import type { PagesEnv, RecordPage, RecordQuery, RunPages } from '../../query/run-pages.js';
import { levelRank } from '../../query/log-entry.js';
import { createRunIndex } from './run-index.js';
import type { RunIndex } from './run-index.js';

/** A local run's files are re-scanned for appended records at most this often. */
const REFRESH_EVERY_MS = 250;
/** A first page is served from a prefix of each file while the rest is indexed, up to this far into the run. */
const PREFIX_PAGE_MAX = 5000;

export function createLocalRunPages(dir: string, o: PagesEnv): RunPages {
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
