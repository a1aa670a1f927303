/**
 * A local run's pages (the ui's view) over its record segments, read as a stream by the store reader: a page at
 * offset N reads the first N + page records that match and keeps the page, so memory stays bounded whatever the run's
 * size. How many match (the total, for the scroll bar and "last page") is counted in the background once per query
 * and refreshed while the run goes on. Runs in the older JSONL layout keep their byte-range index (./run-pages.ts).
 */
import { LEVELS } from '../../core/log-record.js';
import { levelRank } from '../../query/log-entry.js';
import type { LogEntry, LogFilter } from '../../query/log-entry.js';
import { addToHistogram, clampLimit, emptyHistogram, pageRecord } from '../../query/run-pages.js';
import type { PagesEnv, RecordPage, RecordQuery, RunPages } from '../../query/run-pages.js';
import { createLocalRunPages } from './run-pages.js';
import { createLocalStoreReader, listRunFiles } from './store-reader.js';

/** A count of a running run's matching records is trusted this long before it is counted again. */
const RECOUNT_AFTER_MS = 1000;

interface Count {
  total: number;
  at: number;
}

/** The query as the store reader's filter: the lowest chosen level prunes frames before their message is read. */
function filterOf(q: RecordQuery): { filter: LogFilter; exact: (e: LogEntry) => boolean; prefixSafe: boolean } {
  const ranks = q.levels !== undefined && q.levels.length > 0 ? q.levels.map((l) => levelRank(l)) : undefined;
  const min = ranks === undefined ? undefined : Math.min(...ranks);
  const chosen = ranks === undefined ? undefined : new Set(ranks);
  const filter: LogFilter = {
    ...(q.step !== undefined ? { step: q.step } : {}),
    ...(q.text !== undefined && q.text !== '' ? { grep: q.text } : {}),
    ...(min !== undefined ? { level: LEVELS[min]! } : {}),
  };
  // Every level from the lowest chosen one up is chosen: the reader's own filter is then the whole filter, and a
  // read may stop after the page.
  const prefixSafe = chosen === undefined || LEVELS.every((_, r) => r < min! || chosen.has(r));
  return { filter, exact: (e) => chosen === undefined || chosen.has(levelRank(e.status)), prefixSafe };
}

export function createSegmentRunPages(dir: string, env: PagesEnv): RunPages {
  const damaged = { skipped: 0, files: new Set<string>() };
  const warn = (line: string): void => {
    damaged.skipped++;
    damaged.files.add(line.split(':')[0] ?? line);
  };
  const counts = new Map<string, Count>();
  const counting = new Map<string, Promise<number>>();
  let legacyPages: RunPages | undefined;

  const running = (): boolean => env.run()?.steps.some((s) => s.endedAt === undefined) ?? false;

  /** Visits every matching record in order; `visit` answers false to stop. */
  async function scan(q: RecordQuery, visit: (e: LogEntry) => boolean, limit?: number): Promise<void> {
    const { filter, exact } = filterOf(q);
    let go = true;
    await createLocalStoreReader(dir, env.runId, warn).stream(
      filter,
      (chunk) => {
        for (const e of chunk) if (go && exact(e)) go = visit(e);
      },
      limit,
    );
  }

  function countOf(q: RecordQuery): Promise<number> {
    const key = JSON.stringify(q);
    const known = counts.get(key);
    if (known !== undefined && (!running() || env.now() - known.at < RECOUNT_AFTER_MS))
      return Promise.resolve(known.total);
    let pending = counting.get(key);
    if (pending === undefined) {
      let n = 0;
      pending = scan(q, () => {
        n++;
        return true;
      })
        .then(() => {
          counts.set(key, { total: n, at: env.now() });
          return n;
        })
        .finally(() => counting.delete(key));
      counting.set(key, pending);
    }
    return pending;
  }

  /** The total when it is known now (or soon): a count goes on in the background and the page says `indexing`. */
  async function totalNow(q: RecordQuery): Promise<number | undefined> {
    const key = JSON.stringify(q);
    const counted = countOf(q);
    counted.catch(() => undefined);
    const known = counts.get(key);
    if (known !== undefined) return known.total;
    const quick = await Promise.race([counted, new Promise<undefined>((r) => setTimeout(() => r(undefined), 150))]);
    return quick;
  }

  async function legacy(): Promise<RunPages | undefined> {
    if (legacyPages !== undefined) return legacyPages;
    const files = await listRunFiles(dir, env.runId);
    if (files.writers.length === 0 && files.legacy) legacyPages = createLocalRunPages(dir, env);
    return legacyPages;
  }

  return {
    async page(q, cursor, limit) {
      const old = await legacy();
      if (old !== undefined) return old.page(q, cursor, limit);
      const n = clampLimit(limit);
      if (cursor === 'end') {
        // The last n: one pass with a ring of n records.
        const ring: LogEntry[] = [];
        let total = 0;
        await scan(q, (e) => {
          ring.push(e);
          if (ring.length > n) ring.shift();
          total++;
          return true;
        });
        counts.set(JSON.stringify(q), { total, at: env.now() });
        const offset = total - ring.length;
        return { records: ring.map(pageRecord), offset, total, resume: `o:${total}` };
      }
      const offset = cursor !== undefined && /^o:\d+$/.test(cursor) ? Number(cursor.slice(2)) : 0;
      const page: LogEntry[] = [];
      let seen = 0;
      let more = false;
      const { prefixSafe } = filterOf(q);
      await scan(
        q,
        (e) => {
          if (seen >= offset + n) {
            more = true;
            return false;
          }
          if (seen >= offset) page.push(e);
          seen++;
          return true;
        },
        // The reader hands over offset + n + 1 records at most: the one past the page says there is a next page.
        prefixSafe ? offset + n : undefined,
      );
      // Without a record past the page every matching record was seen: an offset past the end (a cursor from an
      // older total, a hand-made one) is the end, as the JSONL pages clamp it, and does not become the total.
      const start = Math.min(offset, seen);
      const end = start + page.length;
      const total = more ? await totalNow(q) : seen;
      const out: RecordPage = {
        records: page.map(pageRecord),
        offset: start,
        resume: `o:${end}`,
        ...(total !== undefined ? { total } : { indexing: true }),
      };
      if (more || (total !== undefined && end < total)) out.next = `o:${end}`;
      return out;
    },
    async histogram(q, buckets) {
      const old = await legacy();
      if (old !== undefined) return old.histogram(q, buckets);
      // One pass over the step's records: times and ranks in typed arrays, then bucketed over their span.
      const { exact } = filterOf(q);
      let times = new Float64Array(1024);
      let ranks = new Uint8Array(1024);
      let n = 0;
      let from = Infinity;
      let to = -Infinity;
      const span: RecordQuery = q.step !== undefined ? { step: q.step } : {};
      const text = q.text !== undefined && q.text !== '' ? q.text.toLowerCase() : undefined;
      await scan(span, (e) => {
        if (e.timestamp < from) from = e.timestamp;
        if (e.timestamp > to) to = e.timestamp;
        if (!exact(e) || (text !== undefined && !e.message.toLowerCase().includes(text))) return true;
        if (n === times.length) {
          const t = new Float64Array(n * 2);
          t.set(times);
          times = t;
          const r = new Uint8Array(n * 2);
          r.set(ranks);
          ranks = r;
        }
        times[n] = e.timestamp;
        ranks[n] = levelRank(e.status);
        n++;
        return true;
      });
      if (n === 0 && from === Infinity) return emptyHistogram(0, 0, buckets);
      const h = emptyHistogram(from, to, buckets);
      for (let i = 0; i < n; i++) addToHistogram(h, times[i]!, ranks[i]!);
      return h;
    },
    damaged: () => legacyPages?.damaged() ?? { skipped: damaged.skipped, files: [...damaged.files] },
  };
}
