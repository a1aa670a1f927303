/**
 * Reads every page of a Logs Search v2 query: page limit 1000, cursor paging to the end (no cap), the next page
 * requested as soon as the cursor is known so Datadog works while we convert. 429s wait `X-RateLimit-Reset` with a
 * one-line notice; `meta.status: timeout` and `meta.warnings` are reported. Failures are typed values.
 */
import type {
  DatadogOutcome,
  LogsSearchEvent,
  LogsSearchRequest,
  LogsSearchResponse,
  LogsSearchWarning,
  SearchReadOptions,
} from './api-client.js';
import { searchTime } from './api-client.js';
import { entryFromEvent } from './log-entry.js';
import type { LogEntry } from '../../query/log-entry.js';

export const PAGE_LIMIT = 1000;
/** Consecutive 429s on one page before giving up (each one waited for, never spun). */
const MAX_RATE_LIMITED = 20;

/** One search; `read` may ask for the records as jsonl lines (a search that ignores it answers with events). */
export type SearchFn = (
  body: LogsSearchRequest,
  signal?: AbortSignal,
  read?: SearchReadOptions,
) => Promise<DatadogOutcome<LogsSearchResponse>>;

export interface ReaderDeps {
  search: SearchFn;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** One line on stderr, without the newline. */
  notice(line: string): void;
  signal?: AbortSignal;
}

export interface SearchWindow {
  query: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive (as Datadog's `to`). */
  to: number;
  /** Newest first (`-timestamp`): the last page of a run. Default: oldest first. */
  newestFirst?: boolean;
}

export interface ReadOptions {
  /** Network errors and 5xx retried this many times per page (1 s, 2 s, 4 s...) before failing (default 3). */
  transientRetries?: number;
  /** Called after each page with everything read so far; true stops paging (used by --limit). */
  enough?: (entries: readonly LogEntry[]) => boolean;
}

export interface ReadResult {
  entries: LogEntry[];
  pages: number;
  /** Datadog said `meta.status: timeout` on some page: results may be partial. */
  partial: boolean;
  /** Paging stopped early because `enough` said so. */
  stoppedEarly: boolean;
  /** Sum of the server's `meta.elapsed` (ms). */
  serverElapsedMs: number;
}

export class SearchFailure extends Error {
  constructor(
    readonly kind: 'auth' | 'http' | 'network' | 'rate_limited',
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SearchFailure';
  }
}

export type PageResult = { ok: true; res: LogsSearchResponse } | { ok: false; error: SearchFailure };

function summarizeBody(body: string): string {
  try {
    const v = JSON.parse(body) as { errors?: unknown[] };
    if (Array.isArray(v.errors) && v.errors.length > 0)
      return v.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('; ');
  } catch {
    // not JSON
  }
  return body.replace(/\s+/g, ' ').slice(0, 200);
}

/** One page (of `limit` records, 1000 by default), with 429 waits and transient retries; never throws. */
export async function fetchPage(
  window: SearchWindow,
  cursor: string | undefined,
  deps: ReaderDeps,
  retries: number,
  limit = PAGE_LIMIT,
  read?: SearchReadOptions,
): Promise<PageResult> {
  const body: LogsSearchRequest = {
    filter: { query: window.query, from: searchTime(window.from), to: searchTime(window.to) },
    page: cursor === undefined ? { limit } : { limit, cursor },
    sort: window.newestFirst === true ? '-timestamp' : 'timestamp',
  };
  let limited = 0;
  let failures = 0;
  for (;;) {
    const out = read === undefined ? await deps.search(body, deps.signal) : await deps.search(body, deps.signal, read);
    switch (out.kind) {
      case 'ok':
        return { ok: true, res: out.value };
      case 'auth':
        return {
          ok: false,
          error: new SearchFailure('auth', out.status, `HTTP ${out.status}: ${summarizeBody(out.body)}`),
        };
      case 'rate_limited': {
        if (++limited > MAX_RATE_LIMITED)
          return {
            ok: false,
            error: new SearchFailure('rate_limited', 429, `still rate limited after ${MAX_RATE_LIMITED} waits`),
          };
        const seconds = Math.max(1, out.resetSeconds);
        const name = out.rateLimit?.name ? ` (${out.rateLimit.name})` : '';
        deps.notice(`Datadog rate limit${name} reached; waiting ${seconds}s for it to reset`);
        await deps.sleep(seconds * 1000, deps.signal);
        break;
      }
      case 'http':
      case 'network': {
        const what =
          out.kind === 'http'
            ? `HTTP ${out.status}: ${summarizeBody(out.body)}`
            : `network error: ${out.error.message}`;
        const transient = out.kind === 'network' || out.status >= 500;
        if (!transient || failures >= retries || deps.signal?.aborted)
          return {
            ok: false,
            error: new SearchFailure(out.kind, out.kind === 'http' ? out.status : undefined, what, {
              cause: out.kind === 'network' ? out.error : undefined,
            }),
          };
        const waitMs = 1000 * 2 ** failures++;
        deps.notice(`logs search failed (${what}); retrying in ${waitMs / 1000}s`);
        await deps.sleep(waitMs, deps.signal);
        break;
      }
    }
    if (deps.signal?.aborted) return { ok: false, error: new SearchFailure('network', undefined, 'interrupted') };
  }
}

export interface PageLoopOptions {
  /** Network errors and 5xx retried this many times per page (default 3). */
  transientRetries?: number;
  /**
   * Each page's records, converted, in Datadog's order (`more`: a next page exists); true stops paging. The entries
   * are the caller's: nothing here keeps them once it returns.
   */
  onPage(entries: LogEntry[], more: boolean): boolean;
  /** The records as jsonl lines where the page allows (SearchReadOptions): for `--output jsonl` alone. */
  jsonlLines?: boolean;
  /**
   * The caller needs about this many records (--limit): when that is fewer than a page, the first page asks for
   * `limit + 1` and each next page (full) is asked for only once the last did not settle it (no prefetch). A short
   * read then fetches and decodes a few records, not two pages of 1000. Later pages are full: a millisecond of many
   * records, or records filtered out here, never cost a request per `limit` records.
   */
  limit?: number;
}

export type PagesRead = Omit<ReadResult, 'entries'>;

/** Every page of the query in Datadog's order (timestamp), one at a time to `onPage`. Throws SearchFailure. */
export async function forEachPage(window: SearchWindow, deps: ReaderDeps, opts: PageLoopOptions): Promise<PagesRead> {
  const retries = opts.transientRetries ?? 3;
  const result: PagesRead = { pages: 0, partial: false, stoppedEarly: false, serverElapsedMs: 0 };
  const warned = new Set<string>();
  const read = opts.jsonlLines === true ? { jsonlLines: true } : undefined;
  const firstLimit = opts.limit !== undefined ? Math.max(1, Math.min(PAGE_LIMIT, opts.limit + 1)) : PAGE_LIMIT;
  const short = firstLimit < PAGE_LIMIT;
  let next: Promise<PageResult> | undefined = fetchPage(window, undefined, deps, retries, firstLimit, read);
  while (next !== undefined) {
    const page = await next;
    next = undefined;
    if (!page.ok) throw page.error;
    const { res } = page;
    result.pages++;
    const after = res.meta?.page?.after;
    const records = res.scanned?.length ?? res.data.length;
    const hasNext = records > 0 && after !== undefined && after !== '';
    // Ask for the next page before converting this one: the server and we work at the same time. For a short read,
    // only once it is known to be needed (a page of 1000 is more than it wants).
    if (hasNext && !short) next = fetchPage(window, after, deps, retries, PAGE_LIMIT, read);
    result.serverElapsedMs += res.meta?.elapsed ?? 0;
    if (res.meta?.status === 'timeout' && !result.partial) {
      result.partial = true;
      deps.notice('Datadog answered meta.status "timeout": results may be partial (narrow --since/--until or retry)');
    }
    for (const w of res.meta?.warnings ?? []) noticeWarning(w, warned, deps);
    let entries = res.scanned;
    if (entries === undefined) {
      entries = new Array<LogEntry>(res.data.length);
      for (let i = 0; i < entries.length; i++) entries[i] = entryFromEvent(res.data[i] as LogsSearchEvent);
    }
    if (opts.onPage(entries, hasNext)) {
      if (next !== undefined) {
        // The prefetched page is not needed; settle it quietly.
        void next.catch(() => undefined);
        next = undefined;
      }
      if (hasNext) result.stoppedEarly = true;
    } else if (next === undefined && hasNext) next = fetchPage(window, after, deps, retries, PAGE_LIMIT, read);
  }
  return result;
}

/** Every page of the query, in Datadog's order (timestamp); not de-duplicated. Throws SearchFailure. */
export async function readAllPages(
  window: SearchWindow,
  deps: ReaderDeps,
  opts: ReadOptions = {},
): Promise<ReadResult> {
  const entries: LogEntry[] = [];
  const enough = opts.enough;
  const read = await forEachPage(window, deps, {
    ...(opts.transientRetries !== undefined ? { transientRetries: opts.transientRetries } : {}),
    onPage(page, more) {
      for (const e of page) entries.push(e);
      return more && (enough?.(entries) ?? false);
    },
  });
  return { entries, ...read };
}

function noticeWarning(w: LogsSearchWarning, warned: Set<string>, deps: ReaderDeps): void {
  const text = [w.code, w.title, w.detail].filter(Boolean).join(': ');
  if (text === '' || warned.has(text)) return;
  warned.add(text);
  deps.notice(`Datadog warning: ${text}`);
}
