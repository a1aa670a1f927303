/**
 * Reads a run back from the local store as a stream: each writer's segment files are read a chunk at a time and
 * merged by (time, seq), so memory stays bounded whatever the run's size. Filters are applied while decoding: a
 * record below `--level` or outside `--since/--until` is skipped before its message is decoded, a stream of another
 * `--step` is never opened past its header. Runs in the older JSONL layout are read too (whole, as before), and
 * their records merged in.
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RENAMED_ATTRIBUTE_PREFIX } from '../datadog/serializer.js';
import { jsonString } from '../../core/json-string.js';
import { jsonValue } from '../../query/entry-json.js';
import { contextAttributes, type LogRecordData, type StreamContext } from '../../core/log-record.js';
import { legacyRunDir, localRunDir, localSegmentBase } from './paths.js';
import { createLocalTail } from './reader.js';
import { compareEntries, createEntrySet, levelRank, matchesFilter } from '../../query/log-entry.js';
import type { LogEntry, LogFilter } from '../../query/log-entry.js';
import {
  SEGMENT_EXTENSION,
  type FrameFilter,
  type FrameSpan,
  type SegmentHeader,
} from '../../pipeline/segment-format.js';
import { openSegmentCursor, type SegmentCursor } from '../../pipeline/segment-reader.js';

/** Entries handed to the caller at a time. */
const CHUNK_ENTRIES = 4096;
/**
 * Bytes of a segment decoded at a time: far smaller than the cursor's default. What one read decodes stays alive until
 * it is printed, and V8 grows the young generation with what survives its collections (Node 24 up to 3 x 64 MB on a
 * machine with much memory). 1M records as text: 64 KB peaks at 100 MB on Node 24 (1 MB: 220-290 MB) and 90 MB on
 * Node 20 (1 MB: 133 MB), with less CPU too.
 */
const READ_CHUNK_BYTES = 1 << 16;

/**
 * A record read back from a segment; its attributes are built only when asked for (`--output json`). Three fields:
 * everything else is read from the record or its stream when asked (a read of 1M records makes 1M of these).
 */
class SegmentEntry implements LogEntry {
  private builtAttributes: Record<string, unknown> | undefined;

  constructor(
    private readonly stream: StreamInfo,
    private readonly record: LogRecordData,
  ) {}

  get nested(): false {
    return false;
  }
  get id(): string {
    return `${this.stream.writer}-${this.record.seq.toString(36)}`;
  }
  get status(): string {
    return this.record.level;
  }
  get service(): string {
    return this.stream.context.service;
  }
  get host(): string {
    return this.stream.context.hostname;
  }
  get step(): string | undefined {
    return this.stream.context.stepName;
  }
  get logId(): string {
    return this.stream.context.logId;
  }
  get writer(): string {
    return this.stream.writer;
  }
  get tags(): string[] {
    return this.stream.tags;
  }
  get timestamp(): number {
    return this.record.timestamp;
  }
  get seq(): number {
    return this.record.seq;
  }
  get message(): string {
    return this.record.message;
  }

  /**
   * `JSON.stringify(this.attributes)` without building the object: the record's own members, then its seq, then the
   * stream's members rendered once (`jsonTail`). Undefined (stringify it) when an own key or value is not of the
   * plain kind: a key the object would rename, reorder (index-like) or not hold (`__proto__`), a value JSON leaves out.
   */
  attributesJson(): string | undefined {
    const tail = jsonTail(this.stream, this.record.stream);
    const seq = this.record.seq;
    if (tail === undefined || !Number.isFinite(seq)) return undefined;
    const own = this.record.attributes;
    if (own === undefined) return `{"dd_logstore.seq":${seq}${tail}`;
    const members = ownMembers(own, this.stream.constant);
    if (members === undefined) return undefined;
    return `{${members === '' ? '' : `${members},`}"dd_logstore.seq":${seq}${tail}`;
  }

  get attributes(): Record<string, unknown> {
    if (this.builtAttributes === undefined) {
      const a: Record<string, unknown> = {};
      const own = this.record.attributes;
      if (own !== undefined)
        for (const k in own) a[this.stream.constant.has(k) ? RENAMED_ATTRIBUTE_PREFIX + k : k] = own[k];
      this.builtAttributes = addStreamMembers(a, this.stream, this.record.seq, this.record.stream);
    }
    return this.builtAttributes;
  }
}

interface StreamInfo {
  writer: string;
  context: StreamContext;
  attributes: Record<string, string>;
  /** Keys a record's own attribute may not take. */
  constant: Set<string>;
  tags: string[];
  /** Per record stream name, what follows the seq in `attributesJson` (null: it cannot be spliced). */
  jsonTails: Map<string, string | null>;
}

/** What a record's attributes hold after its own: its seq and stream name, then its stream's members (to `a`). */
function addStreamMembers(
  a: Record<string, unknown>,
  stream: StreamInfo,
  seq: number,
  name: string,
): Record<string, unknown> {
  a['dd_logstore.seq'] = seq;
  a['dd_logstore.stream'] = name;
  a.version = stream.context.serviceVersion;
  return Object.assign(a, stream.attributes);
}

const SEQ_FIRST = '{"dd_logstore.seq":0';

/**
 * The attributes' JSON after `"dd_logstore.seq":N` for a record of this stream with no attributes of its own,
 * stringified once from the object `attributes` builds; undefined when the seq would not come first (an index-like
 * key among the stream's, which JSON.stringify writes before every other).
 */
function jsonTail(stream: StreamInfo, name: string): string | undefined {
  let tail = stream.jsonTails.get(name);
  if (tail === undefined) {
    const json = JSON.stringify(addStreamMembers({}, stream, 0, name));
    tail = json.startsWith(SEQ_FIRST) ? json.slice(SEQ_FIRST.length) : null;
    stream.jsonTails.set(name, tail);
  }
  return tail ?? undefined;
}

/** A record's own attributes as members (`"k":v,...`), or undefined when one is not of the plain kind (above). */
function ownMembers(own: Record<string, unknown>, constant: Set<string>): string | undefined {
  let s = '';
  for (const k in own) {
    const c = k.charCodeAt(0);
    if (constant.has(k) || k.startsWith(RENAMED_ATTRIBUTE_PREFIX) || k === '__proto__' || (c >= 0x30 && c <= 0x39))
      return undefined;
    const v = own[k];
    const value = jsonValue(v) ?? (typeof v === 'object' ? JSON.stringify(v) : undefined);
    if (value === undefined) return undefined;
    s = s === '' ? `${jsonString(k)}:${value}` : `${s},${jsonString(k)}:${value}`;
  }
  return s;
}

function streamInfo(header: SegmentHeader): StreamInfo {
  const context = header.context;
  const attributes = contextAttributes(context);
  const tags = [...context.tags];
  if (context.source) tags.unshift(`source:${context.source}`);
  return {
    writer: header.writer,
    context,
    attributes,
    constant: new Set([
      ...Object.keys(attributes),
      'dd_logstore.seq',
      'dd_logstore.stream',
      'version',
      'id',
      'message',
    ]),
    tags,
    jsonTails: new Map(),
  };
}

/** A source of entries in (time, seq) order, a chunk at a time. */
interface EntrySource {
  next(): Promise<LogEntry[] | undefined>;
  close(): Promise<void>;
}

export interface LocalReadResult {
  count: number;
  stoppedEarly: boolean;
}

export interface LocalStoreReader {
  /** Streams the run's records, filtered and in order, to `each` (a chunk at a time); stops after `limit` + 1. */
  stream(filter: LogFilter, each: (entries: LogEntry[]) => void, limit?: number): Promise<LocalReadResult>;
  /**
   * `stream` without entries: each record's frame to `each` (its bytes valid during the call), for text output.
   * Only where no merge is needed (the run's records are one writer's segments, no older JSONL files) and no
   * `--grep`: undefined otherwise, and nothing was read.
   */
  streamFrames(filter: LogFilter, each: FrameVisitor, limit?: number): Promise<LocalReadResult | undefined>;
  /** A tail for `--follow`: what was appended since the last poll. */
  tail(): { poll(): Promise<LogEntry[]> };
}

/** A record's frame: its span into `bytes`, the step of its stream. */
export type FrameVisitor = (bytes: Buffer, span: FrameSpan, step: string | undefined) => void;

export interface RunFiles {
  /** Segment files grouped per writer, parts in order. */
  writers: string[][];
  /** Older-layout JSONL files (read filtered on the run id: `x:y` and `x_y` shared their directory). */
  legacy: boolean;
}

/**
 * How many records one step's stream holds in the local store (its writer's segment files, torn tails cut): what an
 * interrupted step wrote before it was killed, counted from the frames' lengths without decoding a message.
 */
export async function countStepRecords(
  dir: string,
  step: { runId: string; logId: string; writer: string },
): Promise<number> {
  const base = localSegmentBase(step.logId, step.writer);
  const files = await listRunFiles(dir, step.runId);
  let count = 0;
  const counted = (): boolean => {
    count++;
    return false;
  };
  const partOf = (file: string): string => basename(file).slice(0, basename(file).lastIndexOf('-'));
  for (const list of files.writers)
    for (const file of list) {
      if (partOf(file) !== base) break;
      const cursor = openSegmentCursor(file);
      try {
        while (await cursor.nextSpans(() => undefined, { final: true, keep: counted }));
      } finally {
        await cursor.close();
      }
    }
  return count;
}

export async function listRunFiles(dir: string, runId: string): Promise<RunFiles> {
  const runDir = localRunDir(dir, runId);
  const byWriter = new Map<string, string[]>();
  let legacy = false;
  for (const name of (await listDir(runDir)).sort()) {
    if (name.endsWith(SEGMENT_EXTENSION)) {
      const base = name.slice(0, name.lastIndexOf('-'));
      const list = byWriter.get(base) ?? [];
      list.push(join(runDir, name));
      byWriter.set(base, list);
    } else if (name.endsWith('.jsonl')) legacy = true;
  }
  if (!legacy && legacyRunDir(dir, runId) !== runDir)
    legacy = (await listDir(legacyRunDir(dir, runId))).some((n) => n.endsWith('.jsonl'));
  return { writers: [...byWriter.values()], legacy };
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export function createLocalStoreReader(dir: string, runId: string, warn: (line: string) => void): LocalStoreReader {
  const reportStatus = (cursor: SegmentCursor): void => {
    const s = cursor.status;
    if (s.kind === 'torn')
      warn(`${cursor.path}: the last ${s.bytes} bytes are not a whole record (a crash mid-write); read up to there`);
    else if (s.kind === 'damaged')
      warn(`${cursor.path} is damaged at byte ${s.offset} (${s.reason}): the records after it cannot be read back`);
  };

  function frameFilter(filter: LogFilter): FrameFilter | undefined {
    if (filter.level === undefined && filter.since === undefined && filter.until === undefined) return undefined;
    const min = filter.level === undefined ? -1 : levelRank(filter.level);
    const since = filter.since ?? -Infinity;
    const until = filter.until ?? Infinity;
    return (level, ts) => ts >= since && ts <= until && levelRank(level) >= min;
  }

  /** One writer's parts, one after the other. */
  function writerSource(files: string[], filter: LogFilter): EntrySource {
    let i = 0;
    let cursor: SegmentCursor | undefined;
    let info: StreamInfo | undefined;
    const keep = frameFilter(filter);
    const grep = filter.grep?.toLowerCase();
    return {
      async next() {
        for (;;) {
          if (cursor === undefined) {
            const file = files[i++];
            if (file === undefined) return undefined;
            cursor = openSegmentCursor(file, { chunkBytes: READ_CHUNK_BYTES });
          }
          let records: LogRecordData[] | undefined;
          try {
            records = await cursor.next({ final: true, ...(keep ? { keep } : {}) });
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          }
          const header = cursor.header;
          // Another step's (or log id's) stream: never read past its header.
          if (
            header !== undefined &&
            ((filter.step !== undefined && header.context.stepName !== filter.step) ||
              (filter.logId !== undefined && header.context.logId !== filter.logId))
          )
            records = undefined;
          if (records === undefined) {
            reportStatus(cursor);
            await cursor.close();
            cursor = undefined;
            continue;
          }
          if (header === undefined) continue;
          info ??= streamInfo(header);
          const out: LogEntry[] = [];
          for (const r of records) {
            if (grep !== undefined && !r.message.toLowerCase().includes(grep)) continue;
            out.push(new SegmentEntry(info, r));
          }
          if (out.length > 0) return out;
        }
      },
      close: async () => cursor?.close(),
    };
  }

  async function legacySource(filter: LogFilter): Promise<EntrySource> {
    const runDir = localRunDir(dir, runId);
    const dirs = [...new Set([runDir, legacyRunDir(dir, runId)])];
    const all: LogEntry[] = [];
    for (const d of dirs) {
      const r = await createLocalTail(d, undefined).poll(true);
      if (r.skipped > 0)
        warn(
          `${r.skipped} unreadable line${r.skipped === 1 ? '' : 's'} skipped in ${(r.damaged ?? []).join(', ')}: a damaged file; those records cannot be read back`,
        );
      for (const e of r.entries)
        if (e.attributes['zenml.run.id'] === runId || e.attributes['zenml.run.id'] === undefined) all.push(e);
    }
    let entries: LogEntry[] | undefined = createEntrySet()
      .addNew(all.filter((e) => matchesFilter(e, filter)))
      .sort(compareEntries);
    return {
      next: async () => {
        const out = entries;
        entries = undefined;
        return out && out.length > 0 ? out : undefined;
      },
      close: async () => undefined,
    };
  }

  return {
    async stream(filter, each, limit) {
      const files = await listRunFiles(dir, runId);
      const sources: EntrySource[] = files.writers.map((f) => writerSource(f, filter));
      if (files.legacy) sources.push(await legacySource(filter));
      const max = limit === undefined ? Infinity : limit + 1;
      let count = 0;
      try {
        await merge(sources, (chunk) => {
          const room = max - count;
          const part = chunk.length > room ? chunk.slice(0, room) : chunk;
          count += part.length;
          each(part);
          return count < max;
        });
      } finally {
        await Promise.all(sources.map((s) => s.close()));
      }
      return { count, stoppedEarly: count >= max };
    },
    async streamFrames(filter, each, limit) {
      if (filter.grep !== undefined) return undefined;
      const files = await listRunFiles(dir, runId);
      if (files.legacy || files.writers.length > 1) return undefined;
      const max = limit === undefined ? Infinity : limit + 1;
      const keep = frameFilter(filter);
      let count = 0;
      for (const file of files.writers[0] ?? []) {
        const cursor = openSegmentCursor(file, { chunkBytes: READ_CHUNK_BYTES });
        // Known once the first chunk is read (its header): another step's stream is not read on.
        let stream: { mine: boolean; step: string | undefined } | undefined;
        const visit = (bytes: Buffer, span: FrameSpan): void => {
          if (stream === undefined) {
            const context = (cursor.header as SegmentHeader).context;
            stream = {
              mine:
                (filter.step === undefined || context.stepName === filter.step) &&
                (filter.logId === undefined || context.logId === filter.logId),
              step: context.stepName,
            };
          }
          // Past the limit the rest of the chunk is still decoded (a chunk at a time), not handed on.
          if (stream.mine && count < max) {
            count++;
            each(bytes, span, stream.step);
          }
        };
        try {
          for (let more = true; more && count < max && stream?.mine !== false;) {
            try {
              more = await cursor.nextSpans(visit, { final: true, ...(keep ? { keep } : {}) });
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
              more = false;
            }
          }
          reportStatus(cursor);
        } finally {
          await cursor.close();
        }
        if (count >= max) break;
      }
      return { count, stoppedEarly: count >= max };
    },
    tail() {
      const legacy = createLocalTail(localRunDir(dir, runId), undefined);
      const legacyOld =
        legacyRunDir(dir, runId) === localRunDir(dir, runId)
          ? undefined
          : createLocalTail(legacyRunDir(dir, runId), undefined);
      const cursors = new Map<string, { cursor: SegmentCursor; info?: StreamInfo }>();
      return {
        async poll() {
          const out: LogEntry[] = [];
          const files = await listRunFiles(dir, runId);
          for (const list of files.writers)
            for (const file of list) {
              let c = cursors.get(file);
              if (c === undefined)
                cursors.set(file, (c = { cursor: openSegmentCursor(file, { chunkBytes: READ_CHUNK_BYTES }) }));
              for (;;) {
                const records = await c.cursor.next();
                if (records === undefined) break;
                const header = c.cursor.header;
                if (header === undefined) break;
                c.info ??= streamInfo(header);
                for (const r of records) out.push(new SegmentEntry(c.info, r));
              }
            }
          for (const t of [legacy, legacyOld]) {
            if (t === undefined) continue;
            const r = await t.poll(false);
            for (const e of r.entries) if (e.attributes['zenml.run.id'] === runId) out.push(e);
          }
          return out;
        },
      };
    },
  };
}

/**
 * Merges sources, each in (time, seq) order, handing out chunks in order. `each` answers false to stop. With one
 * source (the common case: one step, one writer) its chunks pass straight through.
 */
async function merge(sources: EntrySource[], each: (chunk: LogEntry[]) => boolean): Promise<void> {
  if (sources.length === 1) {
    const s = sources[0] as EntrySource;
    for (let chunk = await s.next(); chunk !== undefined; chunk = await s.next()) if (!each(chunk)) return;
    return;
  }
  const heads: { source: EntrySource; chunk: LogEntry[]; at: number }[] = [];
  for (const source of sources) {
    const chunk = await source.next();
    if (chunk !== undefined) heads.push({ source, chunk, at: 0 });
  }
  let out: LogEntry[] = [];
  while (heads.length > 0) {
    let best = 0;
    for (let i = 1; i < heads.length; i++) {
      const h = heads[i] as (typeof heads)[number];
      const b = heads[best] as (typeof heads)[number];
      if (compareEntries(h.chunk[h.at] as LogEntry, b.chunk[b.at] as LogEntry) < 0) best = i;
    }
    const h = heads[best] as (typeof heads)[number];
    out.push(h.chunk[h.at++] as LogEntry);
    if (h.at >= h.chunk.length) {
      const chunk = await h.source.next();
      if (chunk === undefined) heads.splice(best, 1);
      else {
        h.chunk = chunk;
        h.at = 0;
      }
    }
    if (out.length >= CHUNK_ENTRIES) {
      if (!each(out)) return;
      out = [];
    }
  }
  if (out.length > 0) each(out);
}
