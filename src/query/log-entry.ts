/** A record read back, from any store, in one shape: what `logs` filters, orders, de-duplicates and renders. */
import type { Level } from '../core/log-record.js';

export interface LogEntry {
  id: string;
  timestamp: number;
  status: string;
  message: string;
  service: string | undefined;
  host: string | undefined;
  tags: string[] | undefined;
  step: string | undefined;
  /** `zenml.log.id`: one per (run, step); with `seq` it names a record across retried deliveries. */
  logId: string | undefined;
  /** `dd_logstore.seq`, 0 when the record has none (records ZenML itself shipped). */
  seq: number;
  /** `dd_logstore.writer`: which process wrote it (parallel runs of one step share the log id and the seqs). */
  writer?: string | undefined;
  /**
   * The record carries `dd_logstore.seq`. Without it (ZenML's own records carry `zenml.log.id` only) (logId, seq)
   * names nothing, and records are told apart by their id.
   */
  hasSeq?: boolean;
  /** The other attributes: flat dotted keys (local), or nested as Datadog returns them (`nested` true). */
  attributes: Record<string, unknown>;
  nested: boolean;
  /**
   * `JSON.stringify(attributes)` of a flat record, when its store spells it for less than building the object and
   * stringifying it (local: the stream's members rendered once); undefined from it means stringify them.
   */
  attributesJson?(): string | undefined;
  /**
   * A Datadog record read by the byte scanner for `--output jsonl` (destinations/datadog/search-scan.ts): its line,
   * newline included, is [lineStart, lineEnd) of lineBytes (its page's lines, never written again), and its
   * attributes are not kept (`attributes` is empty): only the `jsonl` printer may print it.
   */
  lineBytes?: Buffer;
  lineStart?: number;
  lineEnd?: number;
}

export interface LogFilter {
  step?: string;
  /** `zenml.log.id`: one stream. */
  logId?: string;
  /** Minimum level. */
  level?: Level;
  grep?: string;
  since?: number;
  until?: number;
}

/** Datadog's statuses and ours, by severity; unknown ones count as info. */
const LEVEL_RANK: Record<string, number> = {
  debug: 0,
  trace: 0,
  ok: 1,
  info: 1,
  notice: 1,
  warn: 2,
  warning: 2,
  err: 3,
  error: 3,
  crit: 4,
  critical: 4,
  alert: 4,
  emerg: 4,
  emergency: 4,
  fatal: 4,
};

export function levelRank(status: string): number {
  return LEVEL_RANK[status] ?? 1;
}

/** The statuses a `--level` lets through, as Datadog names them (for the search query). */
export function statusesAtOrAbove(level: Level): string[] {
  const min = levelRank(level);
  return Object.keys(LEVEL_RANK).filter((s) => (LEVEL_RANK[s] ?? 1) >= min && s !== 'trace' && s !== 'ok');
}

/** Filters that are not a step or time window: the records they keep cannot be counted against the run record. */
export function hasContentFilter(f: LogFilter): boolean {
  return f.level !== undefined || f.grep !== undefined || f.since !== undefined || f.until !== undefined;
}

export function matchesFilter(e: LogEntry, f: LogFilter): boolean {
  if (f.step !== undefined && e.step !== f.step) return false;
  if (f.logId !== undefined && e.logId !== f.logId) return false;
  if (f.level !== undefined && levelRank(e.status) < levelRank(f.level)) return false;
  if (f.since !== undefined && e.timestamp < f.since) return false;
  if (f.until !== undefined && e.timestamp > f.until) return false;
  if (f.grep !== undefined && !e.message.toLowerCase().includes(f.grep.toLowerCase())) return false;
  return true;
}

/** Timestamp, then the per-stream sequence number: order survives equal milliseconds. */
export function compareEntries(a: LogEntry, b: LogEntry): number {
  return a.timestamp - b.timestamp || a.seq - b.seq;
}

/** Keys of a local JSONL line / intake item that are fields of the entry, not attributes. */
const FLAT_FIELDS = new Set(['id', 'timestamp', 'status', 'message', 'service', 'hostname', 'ddsource', 'ddtags']);

/** From a flat item (the local JSONL line: the intake item plus `id`) to a LogEntry. */
export function entryFromFlat(item: Record<string, unknown>, fallbackId: string): LogEntry {
  const attributes: Record<string, unknown> = {};
  for (const k in item) if (!FLAT_FIELDS.has(k)) attributes[k] = item[k];
  // ZenML itself ships the step as zenml.step.run.name.
  const step = item['zenml.step.name'] ?? item['zenml.step.run.name'];
  const logId = item['zenml.log.id'];
  const seq = item['dd_logstore.seq'];
  const writer = item['dd_logstore.writer'];
  const tags = typeof item.ddtags === 'string' && item.ddtags !== '' ? item.ddtags.split(',') : [];
  if (typeof item.ddsource === 'string' && item.ddsource !== '') tags.unshift(`source:${item.ddsource}`);
  return {
    id: typeof item.id === 'string' ? item.id : fallbackId,
    timestamp: typeof item.timestamp === 'number' ? item.timestamp : Date.parse(String(item.timestamp)),
    status: typeof item.status === 'string' ? item.status : 'info',
    message: typeof item.message === 'string' ? item.message : '',
    service: typeof item.service === 'string' ? item.service : undefined,
    host: typeof item.hostname === 'string' ? item.hostname : undefined,
    tags,
    step: typeof step === 'string' ? step : undefined,
    logId: typeof logId === 'string' ? logId : undefined,
    seq: typeof seq === 'number' ? seq : 0,
    ...(typeof writer === 'string' ? { writer } : {}),
    hasSeq: typeof seq === 'number',
    attributes,
    nested: false,
  };
}

/**
 * Dotted keys already made, per prefix: every record of a page has the same nested shape, and building
 * `zenml.log_store.id` afresh for each of them was a third of `logs --output jsonl`'s time.
 */
const dottedKeys = new Map<string, Map<string, string>>();
const MAX_CACHED_PREFIXES = 1000;

function dottedKey(prefix: string, k: string): string {
  let keys = dottedKeys.get(prefix);
  if (keys === undefined) {
    // Attribute names come from the logs read: bounded, so a run with ever-new names cannot grow it without end.
    if (dottedKeys.size >= MAX_CACHED_PREFIXES) dottedKeys.clear();
    keys = new Map();
    dottedKeys.set(prefix, keys);
  }
  let key = keys.get(k);
  if (key === undefined) {
    key = `${prefix}.${k}`;
    if (keys.size < MAX_CACHED_PREFIXES) keys.set(k, key);
  }
  return key;
}

/** Nested attributes to flat dotted keys (`{zenml: {run: {id}}}` -> `zenml.run.id`); arrays stay values. */
export function flattenAttributes(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}) {
  for (const k in obj) {
    const v = obj[k];
    const key = prefix === '' ? k : dottedKey(prefix, k);
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      flattenAttributes(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}

export function flatAttributes(e: LogEntry): Record<string, unknown> {
  return e.nested ? flattenAttributes(e.attributes) : e.attributes;
}

/**
 * Whether a record is named by (`zenml.log.id`, `dd_logstore.writer`, `dd_logstore.seq`) across deliveries: an
 * at-least-once retried batch is stored twice by the backend with two ids. Records without them go by their id.
 */
function bySeq(e: LogEntry): e is LogEntry & { logId: string } {
  return e.logId !== undefined && e.hasSeq !== false;
}

/** Keeps the first of each record; remembers what it has seen across calls (follow, --wait). */
export interface EntrySet {
  /** The entries not seen before, in the order given. */
  addNew(entries: readonly LogEntry[]): LogEntry[];
  readonly size: number;
  has(e: LogEntry): boolean;
}

/** Seqs under this go in a bitmap (at most 2 MB a stream); others, and any that is not a whole number, in a Set. */
const BITMAP_SEQS = 1 << 24;

/**
 * The seqs of one stream seen so far. A stream numbers its records 0, 1, 2...: a bitmap that grows as they do is a
 * bit a record, where a Set of 100k numbers rehashes as it grows (`addNew` was ~0.6 µs a record).
 */
class SeqSet {
  private bits = new Uint32Array(32);
  private others: Set<number> | undefined;

  has(seq: number): boolean {
    if (seq >= 0 && seq < BITMAP_SEQS && Number.isInteger(seq)) {
      const word = seq >>> 5;
      return word < this.bits.length && ((this.bits[word] as number) & (1 << (seq & 31))) !== 0;
    }
    return this.others?.has(seq) ?? false;
  }

  /** Adds `seq`; false when it was there already. */
  add(seq: number): boolean {
    if (seq >= 0 && seq < BITMAP_SEQS && Number.isInteger(seq)) {
      const word = seq >>> 5;
      if (word >= this.bits.length) {
        const grown = new Uint32Array(Math.min(BITMAP_SEQS >>> 5, Math.max(word + 1, this.bits.length * 2)));
        grown.set(this.bits);
        this.bits = grown;
      }
      const bit = 1 << (seq & 31);
      const had = this.bits[word] as number;
      if ((had & bit) !== 0) return false;
      this.bits[word] = had | bit;
      return true;
    }
    this.others ??= new Set();
    if (this.others.has(seq)) return false;
    this.others.add(seq);
    return true;
  }
}

export function createEntrySet(): EntrySet {
  // Per log id, per writer, the seqs seen: no string key is built per record on 100k-record reads.
  const seqsOf = new Map<string, Map<string | undefined, SeqSet>>();
  const byId = new Set<string>();
  let size = 0;
  const seqs = (e: LogEntry & { logId: string }): SeqSet | undefined => seqsOf.get(e.logId)?.get(e.writer);
  const has = (e: LogEntry): boolean => (bySeq(e) ? (seqs(e)?.has(e.seq) ?? false) : byId.has(e.id));
  return {
    get size() {
      return size;
    },
    has,
    addNew(entries) {
      const out: LogEntry[] = [];
      for (const e of entries) {
        if (bySeq(e)) {
          let writers = seqsOf.get(e.logId);
          if (writers === undefined) seqsOf.set(e.logId, (writers = new Map()));
          let s = writers.get(e.writer);
          if (s === undefined) writers.set(e.writer, (s = new SeqSet()));
          if (!s.add(e.seq)) continue;
        } else {
          if (byId.has(e.id)) continue;
          byId.add(e.id);
        }
        size++;
        out.push(e);
      }
      return out;
    },
  };
}
