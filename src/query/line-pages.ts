/**
 * Buffers of `jsonl` lines, one per Datadog page read by the byte scanner (destinations/datadog/search-scan.ts),
 * lent to the page's records and taken back for a later page once every line in it was written out. A fresh ~650 KB
 * buffer a page was ~10k page faults per 100k records (~0.1 CPU-s, docs/performance.md). A buffer whose lines are
 * not all written (a record filtered out or de-duplicated, a `--tail` ring that dropped it) or that a sink keeps (a
 * pipe still writing it) is never taken back: the garbage collector frees it.
 */
interface Lent {
  whole: Buffer;
  unwritten: number;
  kept: boolean;
}

const lent = new WeakMap<Buffer, Lent>();
const free: Buffer[] = [];
/** Buffers kept for reuse: a page's, and those of pages whose last records waited for the next one. */
const MAX_FREE = 4;
const LEAST = 1 << 20;

/** A buffer of `size` bytes that will hold `lines` lines: a new view each time, so it is never the same object. */
export function borrowLines(size: number, lines: number): Buffer {
  let whole: Buffer | undefined;
  for (let i = 0; i < free.length; i++)
    if ((free[i] as Buffer).length >= size) {
      whole = free[i] as Buffer;
      free[i] = free[free.length - 1] as Buffer;
      free.pop();
      break;
    }
  whole ??= Buffer.allocUnsafeSlow(Math.max(size, LEAST));
  const view = whole.subarray(0, size);
  lent.set(view, { whole, unwritten: lines, kept: false });
  return view;
}

/** `lines` lines of a borrowed buffer were written; `kept`: the sink keeps these bytes (never to be written over). */
export function linesWritten(view: Buffer, lines: number, kept: boolean): void {
  const l = lent.get(view);
  if (l === undefined) return;
  if (kept) l.kept = true;
  l.unwritten -= lines;
  if (l.unwritten > 0 || l.kept) return;
  lent.delete(view);
  if (free.length < MAX_FREE) free.push(l.whole);
}
