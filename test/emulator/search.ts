/**
 * Logs Search v2 (`POST /api/v2/logs/events/search`, `GET /api/v2/logs/events`) over the record store. The
 * response is shaped like Datadog's (see the recorded pair in search.test.ts): `data[]` of
 * `{id, type: "log", attributes: {timestamp, message, status, service, host, tags, attributes: {nested}}}`,
 * `meta.page.after` as an opaque cursor, `links.next` as the GET form of the next page.
 */
import { randomUUID } from 'node:crypto';
import { matchQuery, parseQuery, QuerySyntaxError } from './query.js';
import type { Query } from './query.js';
import type { RecordStore, StoredLog } from './store.js';
import { parseDatadogTime } from './time-math.js';

export const MAX_PAGE_LIMIT = 1000;
export const DEFAULT_PAGE_LIMIT = 10;
const DEFAULT_FROM = 'now-15m';
const CACHE_SIZE = 8;

export interface SearchParams {
  query?: string;
  from?: unknown;
  to?: unknown;
  sort?: unknown;
  limit?: unknown;
  cursor?: unknown;
}

export class SearchError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface DatadogLogEvent {
  id: string;
  type: 'log';
  attributes: {
    timestamp: string;
    message: string;
    status: string;
    service: string;
    host: string;
    tags: string[];
    attributes: Record<string, unknown>;
  };
}

/** A page before rendering: `data` holds the stored logs, turned into Datadog's JSON by renderSearchResponse. */
export interface SearchResponse {
  data: StoredLog[];
  meta: {
    page?: { after: string };
    status: 'done' | 'timeout';
    elapsed: number;
    request_id: string;
    warnings?: { code: string; title: string; detail: string }[];
  };
  links?: { next: string };
}

interface Cursor {
  t: number;
  s: number;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ after: c })).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { after?: Partial<Cursor> };
    if (v.after && typeof v.after.t === 'number' && typeof v.after.s === 'number') return v.after as Cursor;
  } catch {
    // fall through
  }
  throw new SearchError(400, 'invalid page[cursor]');
}

/** Keeps the last few sorted match lists so paging a result set does not rescan the store per page. */
export class SearchEngine {
  private cache = new Map<string, StoredLog[]>();

  constructor(private readonly store: RecordStore) {}

  search(
    params: SearchParams,
    opts: { now: number; indexingDelayMs: number; nextLinkBase: string | undefined },
  ): SearchResponse {
    const started = process.hrtime.bigint();
    const from = parseDatadogTime(params.from ?? DEFAULT_FROM, opts.now);
    const to = parseDatadogTime(params.to ?? 'now', opts.now);
    if (from === undefined) throw new SearchError(400, `invalid filter.from: ${String(params.from)}`);
    if (to === undefined) throw new SearchError(400, `invalid filter.to: ${String(params.to)}`);
    const sort = params.sort ?? 'timestamp';
    if (sort !== 'timestamp' && sort !== '-timestamp') throw new SearchError(400, `invalid sort: ${String(sort)}`);
    const limit = params.limit === undefined ? DEFAULT_PAGE_LIMIT : Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new SearchError(400, `page.limit must be between 1 and ${MAX_PAGE_LIMIT}, got ${String(params.limit)}`);
    }
    let query: Query;
    try {
      query = parseQuery(params.query);
    } catch (err) {
      if (err instanceof QuerySyntaxError) throw new SearchError(400, `invalid query: ${err.message}`);
      throw err;
    }
    const desc = sort === '-timestamp';
    const matches = this.matches(query, params.query ?? '', from, to, desc, opts);
    let start = 0;
    if (typeof params.cursor === 'string' && params.cursor !== '') {
      start = firstAfter(matches, decodeCursor(params.cursor), desc);
    }
    const page = matches.slice(start, start + limit);
    const data = page;
    const last = page[page.length - 1];
    const more = start + limit < matches.length;
    const response: SearchResponse = {
      data,
      meta: {
        status: 'done',
        elapsed: Number((process.hrtime.bigint() - started) / 1_000_000n),
        request_id: randomUUID(),
      },
    };
    if (more && last !== undefined) {
      const after = encodeCursor({ t: last.timestamp, s: last.seq });
      response.meta.page = { after };
      if (opts.nextLinkBase !== undefined) {
        const u = new URLSearchParams();
        u.set('filter[query]', params.query ?? '');
        u.set('filter[from]', String(params.from ?? DEFAULT_FROM));
        u.set('filter[to]', String(params.to ?? 'now'));
        u.set('sort', sort);
        u.set('page[limit]', String(limit));
        u.set('page[cursor]', after);
        response.links = { next: `${opts.nextLinkBase}/api/v2/logs/events?${u.toString()}` };
      }
    }
    return response;
  }

  private matches(
    query: Query,
    queryText: string,
    from: number,
    to: number,
    desc: boolean,
    opts: { now: number; indexingDelayMs: number },
  ): StoredLog[] {
    const visible = visibleCount(this.store, opts.now - opts.indexingDelayMs);
    const key = `${this.store.generation}|${visible}|${from}|${to}|${desc ? 'd' : 'a'}|${queryText}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const out: StoredLog[] = [];
    const logs = this.store.all();
    for (let i = 0; i < visible; i++) {
      const log = logs[i] as StoredLog;
      // Datadog's `to` is exclusive: [from, to).
      if (log.timestamp >= from && log.timestamp < to && matchQuery(query, log)) out.push(log);
    }
    out.sort(
      desc
        ? (a, b) => b.timestamp - a.timestamp || a.seq - b.seq
        : (a, b) => a.timestamp - b.timestamp || a.seq - b.seq,
    );
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, out);
    return out;
  }

  clear(): void {
    this.cache.clear();
  }
}

/** Records are appended in intake order with non-decreasing receivedAt, so the visible ones are a prefix. */
function visibleCount(store: RecordStore, visibleBefore: number): number {
  let lo = 0;
  let hi = store.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (store.at(mid).receivedAt <= visibleBefore) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first match strictly after the cursor position in the list's order. */
function firstAfter(list: StoredLog[], c: Cursor, desc: boolean): number {
  const after = (l: StoredLog): boolean =>
    desc
      ? l.timestamp < c.t || (l.timestamp === c.t && l.seq > c.s)
      : l.timestamp > c.t || (l.timestamp === c.t && l.seq > c.s);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (after(list[mid] as StoredLog)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The event as an object (tests and tools); the server renders the same thing as text with eventJson. */
export function toEvent(log: StoredLog): DatadogLogEvent {
  return JSON.parse(eventJson(log)) as DatadogLogEvent;
}

/** Serializes a page: the events are rendered straight to JSON text, which is several times cheaper than nesting
 * objects per record and stringifying the tree (readback of 100k records is a benchmark). */
export function renderSearchResponse(res: SearchResponse): string {
  let out = '{"data":[';
  for (let i = 0; i < res.data.length; i++) {
    if (i > 0) out += ',';
    out += eventJson(res.data[i] as StoredLog);
  }
  out += '],"meta":' + JSON.stringify(res.meta);
  if (res.links !== undefined) out += ',"links":' + JSON.stringify(res.links);
  return out + '}';
}

/** Per attribute shape: the JSON text between values, so a record's nested attributes are one concatenation. */
interface ShapeTemplate {
  /** Text before each value (length n) and the closing text. */
  parts: string[];
  tail: string;
  /** Value index for each slot, in output order. */
  order: number[];
}

const templates = new WeakMap<readonly string[], ShapeTemplate>();
const tagJson = new WeakMap<readonly string[], Map<string, string>>();

interface Node {
  children: Map<string, Node>;
  leaf: number | undefined;
}

function shapeTemplate(keys: readonly string[]): ShapeTemplate {
  const hit = templates.get(keys);
  if (hit !== undefined) return hit;
  // Datadog nests by dotted path; a path that clashes with a leaf (`a` and `a.b`) stays flat at the top.
  const root: Node = { children: new Map(), leaf: undefined };
  const flat: [string, number][] = [];
  keys.forEach((key, idx) => {
    const parts = key.split('.');
    let node = root;
    for (let p = 0; p < parts.length - 1; p++) {
      const part = parts[p] as string;
      let next = node.children.get(part);
      if (next === undefined) {
        next = { children: new Map(), leaf: undefined };
        node.children.set(part, next);
      } else if (next.leaf !== undefined) {
        flat.push([key, idx]);
        return;
      }
      node = next;
    }
    const leaf = parts[parts.length - 1] as string;
    if (node.children.has(leaf)) flat.push([key, idx]);
    else node.children.set(leaf, { children: new Map(), leaf: idx });
  });
  for (const [key, idx] of flat) {
    if (!root.children.has(key)) root.children.set(key, { children: new Map(), leaf: idx });
  }
  const parts: string[] = [];
  const order: number[] = [];
  let pending = '';
  const walk = (node: Node): void => {
    pending += '{';
    let first = true;
    for (const [name, child] of node.children) {
      pending += (first ? '' : ',') + JSON.stringify(name) + ':';
      first = false;
      if (child.leaf !== undefined) {
        parts.push(pending);
        order.push(child.leaf);
        pending = '';
      } else walk(child);
    }
    pending += '}';
  };
  walk(root);
  const t: ShapeTemplate = { parts, tail: pending, order };
  templates.set(keys, t);
  return t;
}

function tagsJson(log: StoredLog): string {
  let bySource = tagJson.get(log.tags);
  if (bySource === undefined) {
    bySource = new Map();
    tagJson.set(log.tags, bySource);
  }
  let json = bySource.get(log.source);
  if (json === undefined) {
    const tags = [...log.tags];
    if (log.source !== '' && !tags.includes(`source:${log.source}`)) tags.unshift(`source:${log.source}`);
    json = JSON.stringify(tags);
    bySource.set(log.source, json);
  }
  return json;
}

const JSON_CACHE_MAX = 100_000;
const JSON_CACHE_MAX_LENGTH = 200;
const jsonCache = new Map<string, string>();

/** JSON text of a value; the short strings that repeat on every record (ids, names) come from a cache. */
function valueJson(v: unknown): string {
  if (typeof v === 'string') {
    if (v.length > JSON_CACHE_MAX_LENGTH) return JSON.stringify(v);
    let j = jsonCache.get(v);
    if (j === undefined) {
      j = JSON.stringify(v);
      if (jsonCache.size < JSON_CACHE_MAX) jsonCache.set(v, j);
    }
    return j;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  return v === undefined ? 'null' : JSON.stringify(v);
}

let lastTs = Number.NaN;
let lastIso = '';

function isoTime(ts: number): string {
  if (ts !== lastTs) {
    lastTs = ts;
    lastIso = new Date(ts).toISOString();
  }
  return lastIso;
}

/** One event, shaped like Datadog's: `{id, type: "log", attributes: {..., attributes: {nested}}}`. */
export function eventJson(log: StoredLog): string {
  const t = shapeTemplate(log.keys);
  let attrs = '';
  for (let i = 0; i < t.order.length; i++)
    attrs += (t.parts[i] as string) + valueJson(log.values[t.order[i] as number]);
  attrs += t.tail;
  return (
    '{"id":"' +
    log.id +
    '","type":"log","attributes":{"timestamp":"' +
    isoTime(log.timestamp) +
    '","message":' +
    JSON.stringify(log.message) +
    ',"status":' +
    valueJson(log.status) +
    ',"service":' +
    valueJson(log.service) +
    ',"host":' +
    valueJson(log.host) +
    ',"tags":' +
    tagsJson(log) +
    ',"attributes":' +
    attrs +
    '}}'
  );
}
