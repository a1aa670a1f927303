/**
 * The write-ahead journal of a remote flavor's run: every record is appended here (segment format, a `write(2)` per
 * chunk read from the child, fsync about once a second) before it is handed to the batching processor, and every
 * batch the intake acknowledged is checkpointed: its seq ranges go into the journal's own segments as an ack frame,
 * in the same `writev` as the next chunk's frames when one is read within ACK_WAIT_MS, else alone. At a normal end,
 * a journal whose records were all delivered is renamed out of sight (`.gone-*`) and removed on libuv's thread pool;
 * otherwise it stays, and what it holds that its acks do not cover is the spool.
 * After a SIGKILL, an OOM kill or a power cut, the undelivered tail is still on disk for `flush` (journal-resend.ts).
 *
 * Layout: `spool/<log-store-id>/.<writer>.journal/` (journalDir: why the dot) holding `journal-<part>.seg` (records and ack frames), `owner`
 * (the writer's identity as JSON; its mtime is the writer's heartbeat), while a flusher works on it `claim` (the
 * flusher's identity; its mtime is the flusher's heartbeat), and `acks` (lines `<from> <to>`, inclusive seq ranges):
 * a flusher's checkpoints, and a run's in journals written before the eleventh session (both are read).
 */
import {
  existsSync,
  closeSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { makeDirsSync } from '../core/fs/make-dirs.js';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { BatchWriter, Exporter } from './exporter.js';
import type { Level, LogRecordData, StreamContext } from '../core/log-record.js';
import { currentOwner, ownerAlive, type ProcessOwner } from '../store/process-owner.js';
import {
  createFrameEncoder,
  decodeHeader,
  SEGMENT_EXTENSION,
  SEGMENT_VERSION,
  type FrameEncoder,
} from './segment-format.js';
import { createSegmentWriter, type SegmentWriter } from './segment-writer.js';
import { CORRUPT_DIR } from './spool.js';
import { readAckFrames } from './segment-reader.js';

export const JOURNAL_SUFFIX = '.journal';
/**
 * How long acks wait for a chunk's frames to go with before they are written alone. In a busy run a chunk comes
 * every ~2 ms: written at the end of their turn instead (setImmediate), as many acks went alone as before (the chunk
 * of the turn mostly came before the answers); waiting 20 ms (again after each chunk that took acks) took ~1,250
 * writes per 1M lines down to 8-42. The price: a `kill -9` resends the batches acknowledged in the last 20 ms
 * (docs/reliability.md).
 */
export const ACK_WAIT_MS = 20;
/**
 * A delivered journal being removed (renamed to `.gone-<writer>` first): never listed, never flushed; one left by a
 * process that exited before its removal ended is removed by the next flush (`removeGoneJournals`).
 */
export const GONE_PREFIX = '.gone-';
const ACKS = 'acks';
const OWNER = 'owner';
const CLAIM = 'claim';
/** Written when the run ended (with why records were not delivered): without it, the run was interrupted. */
const ENDED = 'ended';
/** The latest reason a flusher could not deliver what is left (masked), newer than the run's. */
const REASON = 'reason';

export interface JournalWriter {
  readonly dir: string;
  /**
   * Appends records (one write); false when the disk refused them (`error` says why). `lines`: a run of them that
   * are these bytes' lines as they came (the record builder's `rawLines`), written as they are.
   */
  append(records: readonly LogRecordData[], lines?: JournalLines): boolean;
  /** Checkpoints records the intake acknowledged. */
  ack(seqs: SeqRangeList): void;
  /** Why records were not delivered (the latest), kept with the journal for `flush` to show. */
  noteReason(reason: string): void;
  /** Touches the owner file: proof of life for flushers that cannot check our pid (another pid namespace). */
  heartbeat(): void;
  /** Records appended, and acknowledged. */
  readonly written: number;
  readonly acked: number;
  /** False once a write failed: records after that may not be in the journal. */
  readonly healthy: boolean;
  readonly error: string | undefined;
  /**
   * The run ended: a journal whose records were all delivered goes (renamed out of sight at once, its files removed
   * on the thread pool: `removed()`), else it stays as the spool.
   */
  finish(): 'removed' | 'kept';
  /** Resolves when the removal `finish` began has ended (at once when there is none); never rejects. */
  removed(): Promise<void>;
}

/** Records `[firstSeq, firstSeq + count)` are the lines of `bytes` as they came (record-builder.ts `RawLines`). */
export interface JournalLines {
  firstSeq: number;
  count: number;
  bytes: Buffer;
  /**
   * With both, each record is what runner/plain-line.ts (version `parser`) makes of its line with `defaultLevel`:
   * a parsed lines frame (no per-record table). Else a lines frame with one.
   */
  defaultLevel?: Level;
  parser?: number;
  /** The time the builder gave them all (record-builder.ts `RawLines`): spares a check of each record's. */
  timestamp?: number;
}

/** Which frame took a chunk's lines (`encodeChunk`). */
export type ChunkLinesFrame = 'parsed' | 'lines' | 'records';

/**
 * One chunk's records into `encoder` (begun), as the journal writes them: those before and after its lines as
 * records; its lines as their own bytes, in a parsed lines frame (no per-record table) when `lines` says how and
 * `parse` allows, else in a lines frame with a table, else as records. `from`: where the lines' first record is
 * among `records` (all of them inside). Says which frame took the lines.
 */
export function encodeChunk(
  encoder: FrameEncoder,
  records: readonly LogRecordData[],
  from: number,
  lines: JournalLines,
  parse = true,
): ChunkLinesFrame {
  const to = from + lines.count;
  encoder.encodeAll(records, 0, from);
  let took: ChunkLinesFrame = 'records';
  if (
    parse &&
    lines.defaultLevel !== undefined &&
    lines.parser !== undefined &&
    encoder.encodeParsedLines(
      records,
      from,
      lines.count,
      lines.bytes,
      lines.defaultLevel,
      lines.parser,
      lines.timestamp,
    )
  )
    took = 'parsed';
  else if (encoder.encodeLines(records, from, lines.count, lines.bytes)) took = 'lines';
  else encoder.encodeAll(records, from, to);
  encoder.encodeAll(records, to, records.length);
  return took;
}

/**
 * Seqs as inclusive ranges, flat: `[from, to, from, to, ...]` in the order they came (a batch's records are mostly
 * one range: a batch keeps these, not a number per record).
 */
export type SeqRangeList = readonly number[];

/** How many seqs the ranges hold. */
export function seqCount(ranges: SeqRangeList): number {
  let n = 0;
  for (let i = 0; i < ranges.length; i += 2) n += (ranges[i + 1] as number) - (ranges[i] as number) + 1;
  return n;
}

export interface JournalOptions {
  /** `spool/<log-store-id>`. */
  spoolDir: string;
  context: StreamContext & { writer: string };
  now?: () => number;
  /**
   * For `npm run bench` alone (DD_LOGSTORE_BENCH_JOURNAL_CLOCK): the journal times its own work on the calling thread
   * (opening, every append with its write(2) and fsync, checkpoints, heartbeats, the finish), per call, and writes
   * the totals to this file as JSON when it finishes (docs/performance.md).
   */
  clockFile?: string;
}

/**
 * `.<writer>.journal`: the leading dot hides it from dd-logstore versions before ack frames (the eleventh session),
 * which list only names without one: they would read the first ack frame as damage and remove the journal with the
 * records after it. This version lists both (a journal those versions left has no dot).
 */
export function journalDir(spoolDir: string, writer: string): string {
  return join(spoolDir, `.${writer}${JOURNAL_SUFFIX}`);
}

/**
 * The journals in `dir` of these writers (a run's steps), by path: a journal still in the spool holds records not
 * delivered yet (a delivered one is removed), whether its step ended with them spooled or `run` was killed.
 */
export function journalsOfWriters(dir: string, writers: readonly string[]): string[] {
  const out: string[] = [];
  for (const writer of writers) {
    // This version's `.<writer>.journal`, and the name of versions before the eleventh session.
    for (const path of [journalDir(dir, writer), join(dir, `${writer}${JOURNAL_SUFFIX}`)]) {
      if (existsSync(path)) out.push(path);
    }
  }
  return out;
}

/**
 * The journals in a spool directory whose stream is of `runId`, by their first part's header: for a run whose record
 * cannot be read (`runs delete --force`), where its steps' writers are not known.
 */
export function journalsOfRun(spoolDir: string, runId: string): string[] {
  return listJournals(spoolDir)
    .map((name) => join(spoolDir, name))
    .filter((dir) => firstHeaderRunId(dir) === runId);
}

/** The run id in the header of a journal's first part; undefined when there is none to read. */
function firstHeaderRunId(dir: string): string | undefined {
  let first: string | undefined;
  try {
    first = readdirSync(dir)
      .filter((n) => n.endsWith(SEGMENT_EXTENSION))
      .sort()[0];
  } catch {
    return undefined;
  }
  if (first === undefined) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(join(dir, first), 'r');
    const buf = Buffer.alloc(64 * 1024);
    const got = readSync(fd, buf, 0, buf.length, 0);
    const h = decodeHeader(buf.subarray(0, got));
    return h.kind === 'ok' ? h.header.context.runId : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function createJournalWriter(options: JournalOptions): JournalWriter {
  if (options.clockFile === undefined) return openJournalWriter(options);
  const c0 = cpuMs();
  const t0 = performance.now();
  // The acks' deferred write and the background fsyncs are the clock's to count (set once the clock exists).
  const hooks: ClockHooks = {
    writeAcks: (write) => write(),
    writeFrames: (segments, parts) => segments.appendParts(parts),
    backgroundSync: () => {},
    acksWithFrames: () => {},
    backgroundRemove: () => {},
  };
  const writer = openJournalWriter(options, {
    aroundAckWrite: (write) => hooks.writeAcks(write),
    writeFrames: (segments, parts) => hooks.writeFrames(segments, parts),
    onBackgroundSync: (wallMs, bytes) => hooks.backgroundSync(wallMs, bytes),
    onAcksWithFrames: () => hooks.acksWithFrames(),
    onBackgroundRemove: (wallMs) => hooks.backgroundRemove(wallMs),
  });
  return withClock(writer, options.clockFile, { cpu: cpuMs() - c0, wall: performance.now() - t0 }, hooks);
}

/**
 * How the clock reaches inside the writer: the acks' write of their own, the frames' write(2), the acks that went
 * with frames instead, and what runs on the thread pool (the fsyncs, a delivered journal's removal).
 */
interface ClockHooks {
  writeAcks: (write: () => void) => void;
  writeFrames: (segments: SegmentWriter, parts: readonly Uint8Array[]) => boolean;
  backgroundSync: (wallMs: number, bytes: number) => void;
  acksWithFrames: () => void;
  backgroundRemove: (wallMs: number) => void;
}

// The clock reads the global `performance`: in `run`'s bundle an import of node:perf_hooks is a getter that calls
// `require` on every read, which fell inside each timed call (~30 ms per 1M lines under perf at load ~6).

/** The process's CPU milliseconds so far (getrusage: exact to the call, unlike a thread's, which moves per tick). */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Per call, not per record: the clock reads per chunk of ~700 lines cost nothing measurable. What counts, per call,
 * is the lesser of its wall time (which also counts a write(2) the kernel held back and time preempted on a busy
 * machine) and the process's CPU meanwhile (which also counts what its other threads did: GC helpers, zlib, the
 * fsync): an upper bound of this thread's CPU. A thread's own CPU (`process.threadCpuUsage`, Node 24) would be
 * exact in total but moves per scheduler tick, so per call of ~0.1 ms it is not (measured: 2x off).
 */
function withClock(
  inner: JournalWriter,
  file: string,
  open: { cpu: number; wall: number },
  hooks: ClockHooks,
): JournalWriter {
  const parts = ['open', 'append', 'ack', 'heartbeat', 'finish'] as const;
  type Part = (typeof parts)[number];
  const zero = (): Record<Part, number> => ({ open: 0, append: 0, ack: 0, heartbeat: 0, finish: 0 });
  const ms = zero();
  const cpu = zero();
  const wall = zero();
  const calls = zero();
  const add = (part: Part, c: number, w: number): void => {
    cpu[part] += c;
    wall[part] += w;
    ms[part] += Math.min(c, w);
    calls[part]++;
  };
  add('open', open.cpu, open.wall);
  let appends = 0;
  const timed =
    <A extends unknown[], R>(part: Part, f: (...args: A) => R) =>
    (...args: A): R => {
      const c0 = cpuMs();
      const t0 = performance.now();
      try {
        return f(...args);
      } finally {
        add(part, cpuMs() - c0, performance.now() - t0);
      }
    };
  // What the clock reads around a call that does nothing (a getrusage and a clock read fall inside each call's
  // interval: ~2-3 µs here, ~9 ms per 1M lines over 3,500 calls): taken off each call's time, not the journal's.
  const overhead = clockOverhead();
  // `ack` (a push of a batch's ranges, ~2,000 per 1M lines) is timed by the wall clock alone: an upper bound of this
  // thread's CPU as well, and its reading (~0.1 µs) is far less than a getrusage, which cost more than the call.
  const wallOverhead = wallClockOverhead();
  let ackCallsMs = 0;
  let ackCalls = 0;
  const ack = (seqs: SeqRangeList): void => {
    const t0 = performance.now();
    try {
      inner.ack(seqs);
    } finally {
      ackCallsMs += performance.now() - t0;
      ackCalls++;
    }
  };
  // Inside each append, the write(2)s of its frames alone (wall time, for the breakdown; in `append` already).
  let frameWritesMs = 0;
  hooks.writeFrames = (segments, parts) => {
    const t0 = performance.now();
    try {
      return segments.appendParts(parts);
    } finally {
      frameWritesMs += performance.now() - t0;
    }
  };
  // The fsyncs on the thread pool: not on this thread, so not in `ms`; their count, wall time and bytes are written
  // beside (their CPU, the kernel's writeback of those bytes, is measured apart: docs/performance.md).
  const background = { syncs: 0, wallMs: 0, bytes: 0, removeWallMs: 0 };
  hooks.backgroundSync = (wallMs, bytes) => {
    background.syncs++;
    background.wallMs += wallMs;
    background.bytes += bytes;
  };
  // A delivered journal's removal (finish renames it, the thread pool unlinks its files): its wall time, beside.
  hooks.backgroundRemove = (wallMs) => {
    background.removeWallMs += wallMs;
  };
  // The appends whose writev took acks in front of the chunk's frames (timed as `append`).
  let acksWithFrames = 0;
  hooks.acksWithFrames = () => {
    acksWithFrames++;
  };
  // No rest and spread for the ~1,500 appends per 1M lines (a spread call inside the interval is the clock's cost).
  const append = (records: readonly LogRecordData[], lines: JournalLines | undefined): boolean => {
    const c0 = cpuMs();
    const t0 = performance.now();
    try {
      return inner.append(records, lines);
    } finally {
      add('append', cpuMs() - c0, performance.now() - t0);
    }
  };
  // The acks written alone (their wait for a chunk ran out) count as the acks' (each a call of its own).
  let ackWrites = 0;
  const writeAcks = timed('ack', (write: () => void) => {
    ackWrites++;
    write();
  });
  hooks.writeAcks = writeAcks;
  // The clock's file is written once the removal `finish` began has ended (its wall time is in it).
  let report: Promise<void> = Promise.resolve();
  return {
    dir: inner.dir,
    append(records, lines) {
      appends++;
      return append(records, lines);
    },
    ack,
    noteReason: inner.noteReason,
    heartbeat: timed('heartbeat', inner.heartbeat),
    get written() {
      return inner.written;
    },
    get acked() {
      return inner.acked;
    },
    get healthy() {
      return inner.healthy;
    },
    get error() {
      return inner.error;
    },
    removed: () => report,
    finish: () => {
      const result = timed('finish', inner.finish)();
      report = inner.removed().then(() => writeReport());
      return result;
    },
  };

  function writeReport(): void {
    const net = zero();
    for (const p of parts) net[p] = Math.max(0, ms[p] - calls[p] * overhead);
    net.ack += Math.max(0, ackCallsMs - ackCalls * wallOverhead);
    const total = parts.reduce((sum, p) => sum + net[p], 0);
    try {
      writeFileSync(
        file,
        JSON.stringify({
          ms: total,
          clock: 'min(wall, process CPU) per call (ack calls: wall), less the clock reading of an empty call',
          parts: net,
          raw: ms,
          overheadMs: overhead,
          calls,
          cpu,
          wall,
          appends,
          ackWrites,
          acksWithFrames,
          ackCalls: { calls: ackCalls, wallMs: ackCallsMs, overheadMs: wallOverhead },
          frameWritesWallMs: frameWritesMs,
          background,
          records: inner.written,
        }) + '\n',
      );
    } catch {
      // A bench's file: nothing of the run depends on it.
    }
  }
}

/** The clock's reading of an empty call, ms: the median of 201 (a preempted one reads high, not the median). */
function clockOverhead(): number {
  const reads: number[] = [];
  for (let i = 0; i < 201; i++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    reads.push(Math.min(cpuMs() - c0, performance.now() - t0));
  }
  return reads.sort((a, b) => a - b)[100] as number;
}

/** The wall clock's reading of an empty call, ms: the median of 201. */
function wallClockOverhead(): number {
  const reads: number[] = [];
  for (let i = 0; i < 201; i++) {
    const t0 = performance.now();
    reads.push(performance.now() - t0);
  }
  return reads.sort((a, b) => a - b)[100] as number;
}

/** How the bench's clock reaches inside (createJournalWriter); by default, nothing. */
interface WriterHooks {
  aroundAckWrite: (write: () => void) => void;
  /** An append's frames to its segments (no closure per append: ~1,500 per 1M lines). */
  writeFrames: (segments: SegmentWriter, parts: readonly Uint8Array[]) => boolean;
  onBackgroundSync?: (wallMs: number, bytes: number) => void;
  /** A turn's acks went in front of a chunk's frames (no write of their own). */
  onAcksWithFrames?: () => void;
  /** The removal of a delivered journal on the thread pool ended: its wall time. */
  onBackgroundRemove?: (wallMs: number) => void;
}

const NO_HOOKS: WriterHooks = {
  aroundAckWrite: (write) => write(),
  writeFrames: (segments, parts) => segments.appendParts(parts),
};

function openJournalWriter(options: JournalOptions, hooks: WriterHooks = NO_HOOKS): JournalWriter {
  const { aroundAckWrite, writeFrames } = hooks;
  const now = options.now ?? Date.now;
  const dir = journalDir(options.spoolDir, options.context.writer);
  const owner = currentOwner();
  let error: string | undefined;
  let healthy = true;
  let written = 0;
  let acked = 0;
  let segments: SegmentWriter | undefined;
  let reason: string | undefined;
  let removal: Promise<void> = Promise.resolve();
  const encoder = createFrameEncoder();
  const fail = (err: unknown): void => {
    healthy = false;
    error ??= err instanceof Error ? err.message : String(err);
  };
  try {
    makeDirsSync(dir, 0o700);
    const fd = openSync(join(dir, OWNER), 'wx', 0o600);
    writeSync(fd, JSON.stringify(owner));
    closeSync(fd);
    segments = createSegmentWriter({
      dir,
      baseName: 'journal',
      header: {
        v: SEGMENT_VERSION,
        kind: 'journal',
        writer: options.context.writer,
        context: options.context,
        createdAt: now(),
        owner,
      },
      // The once-a-second fsync, and a full file's, off the thread that reads the child (segment-writer.ts).
      syncInBackground: true,
      ...(hooks.onBackgroundSync ? { onBackgroundSync: hooks.onBackgroundSync } : {}),
      now,
    });
  } catch (err) {
    fail(err);
  }

  // Acks wait for the next chunk: one ack frame in front of its frames (the same writev), or alone once ACK_WAIT_MS
  // have passed without one (a timer), or at `finish`. Nothing depends on their being on disk sooner: a kill before
  // resends those batches (at least once, their seq kept), and the run's counts are recorded after `finish`. The
  // acknowledged ranges, flat (`SeqRangeList`), encoded when written.
  let ackRanges: number[] = [];
  let ackTimer: NodeJS.Timeout | undefined;
  const writeAcks = (): void => {
    if (ackTimer !== undefined) clearTimeout(ackTimer);
    ackTimer = undefined;
    if (ackRanges.length === 0 || segments === undefined) return;
    const n = seqCount(ackRanges);
    encoder.begin();
    encoder.encodeAcks(ackRanges);
    ackRanges = [];
    if (segments.appendParts(encoder.parts())) acked += n;
    // Not checkpointed: at worst these records are sent again (at least once), never lost.
    else error ??= segments.error ?? 'write failed';
  };
  const timedWriteAcks = (): void => aroundAckWrite(writeAcks);

  function ack(seqs: SeqRangeList): void {
    if (seqs.length === 0 || segments === undefined) return;
    for (let i = 0; i < seqs.length; i++) ackRanges.push(seqs[i] as number);
    // Unref'd: `finish` writes (or drops, with the journal) what is still due.
    if (ackTimer === undefined) ackTimer = setTimeout(timedWriteAcks, ACK_WAIT_MS).unref();
  }

  return {
    dir,
    append(records, lines) {
      if (records.length === 0) return true;
      if (segments === undefined) return false;
      if (written === 0) segments.noteStream((records[0] as LogRecordData).stream);
      encoder.begin();
      // Acks due, if any, go first in the same writev: no write of their own.
      const acks = ackRanges.length > 0 ? ackRanges : undefined;
      if (acks !== undefined) encoder.encodeAcks(acks);
      const n = records.length;
      // Where the lines' records are among these: all of them inside, else no lines frame.
      const from = lines === undefined ? -1 : lines.firstSeq - (records[0] as LogRecordData).seq;
      const to = from + (lines?.count ?? 0);
      if (
        lines !== undefined &&
        from >= 0 &&
        to <= n &&
        records[from]?.seq === lines.firstSeq &&
        records[to - 1]?.seq === lines.firstSeq + lines.count - 1
      ) {
        encodeChunk(encoder, records, from, lines);
      } else encoder.encodeAll(records);
      if (writeFrames(segments, encoder.parts())) {
        written += records.length;
        if (acks !== undefined) {
          acked += seqCount(acks);
          ackRanges = [];
          // The next acks wait their full time again.
          clearTimeout(ackTimer);
          ackTimer = undefined;
          hooks.onAcksWithFrames?.();
        }
        return true;
      }
      // The acks stay due (their timer tries them alone).
      fail(new Error(segments.error ?? 'write failed'));
      return false;
    },
    ack,
    noteReason(r) {
      reason = r;
    },
    heartbeat() {
      try {
        const t = new Date(now());
        utimesSync(join(dir, OWNER), t, t);
      } catch {
        // A journal removed under us: nothing to prove alive.
      }
      // Appends sync when due; a child gone quiet after a burst appends nothing, so the last second's bytes are
      // synced here (the heartbeat comes once a second) rather than only at the end.
      segments?.syncIfDue();
    },
    get written() {
      return written;
    },
    get acked() {
      return acked;
    },
    get healthy() {
      return healthy;
    },
    get error() {
      return error;
    },
    finish() {
      // Acks still due: not worth a write when they complete the journal, which goes; else written before it closes.
      const due = seqCount(ackRanges);
      const delivered = healthy && written > 0 && acked + due >= written;
      if (!delivered) writeAcks();
      // Everything delivered: the journal goes, so its last second need not reach the disk first.
      segments?.close({ sync: !delivered });
      if (delivered) {
        // Out of sight at once (a rename: `listJournals` and flushers skip it), removed on the thread pool: the
        // unlinks of ~100 MB of page cache (and the disk's discards) are not this thread's to wait for.
        const gone = join(options.spoolDir, `${GONE_PREFIX}${options.context.writer}`);
        ackRanges = [];
        clearTimeout(ackTimer);
        ackTimer = undefined;
        acked += due;
        try {
          renameSync(dir, gone);
        } catch {
          // Not renamed: removed here as before (should that fail too, the batches of its last acks are resent).
          rmSync(dir, { recursive: true, force: true });
          return 'removed';
        }
        const t0 = performance.now();
        removal = rm(gone, { recursive: true, force: true }).then(
          () => hooks.onBackgroundRemove?.(performance.now() - t0),
          // Left for the next flush (`removeGoneJournals`): never flushed, never listed.
          () => undefined,
        );
        return 'removed';
      }
      if (written === 0 && segments !== undefined && segments.files().length === 0) {
        rmSync(dir, { recursive: true, force: true });
        return 'removed';
      }
      try {
        const fd = openSync(join(dir, ENDED), 'w', 0o600);
        writeSync(fd, reason ?? '');
        closeSync(fd);
      } catch {
        // The reason is a courtesy; the records are what matters.
      }
      return 'kept';
    },
    removed: () => removal,
  };
}

/** Inclusive seq ranges, sorted and merged: what a journal's acks say was delivered. */
export class SeqRanges {
  private starts: number[] = [];
  private ends: number[] = [];

  /** `acks` lines (`<from> <to>`), and more ranges (flat, `[from, to, ...]`: ack frames'). */
  static parse(text: string, more: SeqRangeList = []): SeqRanges {
    const pairs: [number, number][] = [];
    for (const line of text.split('\n')) {
      const m = /^(\d+) (\d+)$/.exec(line);
      if (m) pairs.push([Number(m[1]), Number(m[2])]);
    }
    for (let i = 0; i + 1 < more.length; i += 2) pairs.push([more[i] as number, more[i + 1] as number]);
    pairs.sort((a, b) => a[0] - b[0]);
    const r = new SeqRanges();
    for (const [from, to] of pairs) {
      const last = r.ends.length - 1;
      if (last >= 0 && from <= (r.ends[last] as number) + 1) r.ends[last] = Math.max(r.ends[last] as number, to);
      else {
        r.starts.push(from);
        r.ends.push(to);
      }
    }
    return r;
  }

  has(seq: number): boolean {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (seq < (this.starts[mid] as number)) hi = mid - 1;
      else if (seq > (this.ends[mid] as number)) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

export interface JournalOnDisk {
  dir: string;
  owner: ProcessOwner | undefined;
  segments: string[];
  acked: SeqRanges;
  /** Why its records were not delivered, as the run saw it. */
  reason: string | undefined;
  /** The run ended normally (else it was interrupted: killed, crashed). */
  ended: boolean;
}

/** The journals in a spool directory, by directory name (`.<writer>.journal`, and `<writer>.journal` of older versions; not one being removed: `.gone-*`). */
export function listJournals(spoolDir: string): string[] {
  try {
    return readdirSync(spoolDir)
      .filter((n) => n.endsWith(JOURNAL_SUFFIX) && !n.startsWith(GONE_PREFIX))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Removes what delivered journals left in a spool directory (`.gone-*`: a run that exited before its removal on the
 * thread pool ended). Quiet: one another process is removing at the same time is gone either way.
 */
export async function removeGoneJournals(spoolDir: string): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(spoolDir).filter((n) => n.startsWith(GONE_PREFIX));
  } catch {
    return;
  }
  await Promise.all(names.map((n) => rm(join(spoolDir, n), { recursive: true, force: true }).catch(() => undefined)));
}

function readJson(path: string): ProcessOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ProcessOwner;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * A journal as it is on disk. Its acks are every part's ack frames (an ack lands after the records it covers, in
 * their part or a later one: all are read before anything is called undelivered) and the `acks` file (a flusher's
 * checkpoints; a run's in journals written before ack frames).
 */
export async function readJournal(dir: string): Promise<JournalOnDisk> {
  const names = (() => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  })();
  const segments = names
    .filter((n) => n.endsWith(SEGMENT_EXTENSION))
    .sort()
    .map((n) => join(dir, n));
  const frames: number[] = [];
  for (const file of segments) {
    try {
      for (const n of await readAckFrames(file)) frames.push(n);
    } catch {
      // Unreadable: its records cannot be resent either (the resend says so).
    }
  }
  return {
    dir,
    owner: readJson(join(dir, OWNER)),
    segments,
    acked: SeqRanges.parse(readText(join(dir, ACKS)) ?? '', frames),
    reason: readText(join(dir, REASON)) || readText(join(dir, ENDED)) || undefined,
    ended: readText(join(dir, ENDED)) !== undefined,
  };
}

/** A journal's writer still runs (a live run: not ours to resend). */
export function journalWriterAlive(dir: string): boolean {
  return ownerAlive(readJson(join(dir, OWNER)), join(dir, OWNER));
}

/** Of these journals (by name; default: all in the directory), how many no live run writes: a flusher's to resend. */
export function countEndedJournals(spoolDir: string, names: readonly string[] = listJournals(spoolDir)): number {
  return names.filter((name) => !journalWriterAlive(join(spoolDir, name))).length;
}

/** Journals of ended runs that another live flusher holds now (not a live run's own). */
export function journalsBeingResent(spoolDir: string): number {
  return listJournals(spoolDir).filter((name) => {
    const dir = join(spoolDir, name);
    if (journalWriterAlive(dir)) return false;
    const claimer = readJson(join(dir, CLAIM));
    return claimer !== undefined && claimer.pid !== process.pid && ownerAlive(claimer, join(dir, CLAIM));
  }).length;
}

export interface JournalClaim {
  /** Why what is left was not delivered, this time (masked by the caller). */
  noteReason(reason: string): void;
  /** Touch the claim: a flusher elsewhere sees we still work on it. */
  heartbeat(): void;
  /** Appends acknowledged seqs (the same checkpoint the writer keeps). */
  ack(seqs: SeqRangeList): void;
  release(): void;
  /** Everything in it was delivered: remove the journal. */
  remove(): void;
  /**
   * It is damaged (what follows a damaged frame cannot be read): move it to the spool's `corrupt/`, out of every later
   * flush's way but kept, never removed; answers its new path.
   */
  moveAside(): string;
}

/**
 * Takes a journal for this process: its writer must be gone, and no live flusher may hold it. The claim is a file
 * created exclusively with our identity; one left by a dead flusher is taken over.
 */
export function claimJournal(dir: string): JournalClaim | undefined {
  if (journalWriterAlive(dir)) return undefined;
  const claimPath = join(dir, CLAIM);
  const me = currentOwner();
  let fd: number | undefined;
  for (let attempt = 0; attempt < 2 && fd === undefined; attempt++) {
    try {
      fd = openSync(claimPath, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
      if (ownerAlive(readJson(claimPath), claimPath)) return undefined;
      rmSync(claimPath, { force: true });
    }
  }
  if (fd === undefined) return undefined;
  writeSync(fd, JSON.stringify(me));
  closeSync(fd);
  let ackFd: number | undefined;
  const close = (): void => {
    if (ackFd !== undefined) closeSync(ackFd);
    ackFd = undefined;
  };
  return {
    noteReason(reason) {
      try {
        const fd = openSync(join(dir, REASON), 'w', 0o600);
        writeSync(fd, reason);
        closeSync(fd);
      } catch {
        // The reason is a courtesy; the records are what matters.
      }
    },
    heartbeat() {
      try {
        const t = new Date();
        utimesSync(claimPath, t, t);
      } catch {
        // Removed under us.
      }
    },
    ack(seqs) {
      if (seqs.length === 0) return;
      const text = rangesText(seqs);
      ackFd ??= openSync(join(dir, ACKS), 'a', 0o600);
      writeSync(ackFd, text);
    },
    release() {
      close();
      rmSync(claimPath, { force: true });
    },
    remove() {
      close();
      rmSync(dir, { recursive: true, force: true });
    },
    moveAside() {
      close();
      rmSync(claimPath, { force: true });
      const aside = join(dirname(dir), CORRUPT_DIR);
      makeDirsSync(aside, 0o700);
      // In sight there (no leading dot); a journal of the same writer moved aside before keeps its name.
      const name = basename(dir).replace(/^\./, '');
      let dest = join(aside, name);
      try {
        renameSync(dir, dest);
      } catch {
        dest = join(aside, `${Date.now()}-${name}`);
        renameSync(dir, dest);
      }
      return dest;
    },
  };
}

/** Ranges as `acks` lines: one `<from> <to>` each. */
function rangesText(ranges: SeqRangeList): string {
  let text = '';
  for (let i = 0; i < ranges.length; i += 2) text += `${ranges[i] as number} ${ranges[i + 1] as number}\n`;
  return text;
}

/** The first `count` seqs of `ranges`, and the rest. */
function splitRanges(ranges: SeqRangeList, count: number): [number[], number[]] {
  const head: number[] = [];
  const tail: number[] = [];
  let left = count;
  for (let i = 0; i < ranges.length; i += 2) {
    const from = ranges[i] as number;
    const to = ranges[i + 1] as number;
    const take = Math.min(left, to - from + 1);
    if (take > 0) head.push(from, from + take - 1);
    if (from + take <= to) tail.push(from + take, to);
    left -= take;
  }
  return [head, tail];
}

/**
 * A batch writer that also keeps its records' seqs as ranges: a chunk's records follow each other, so mostly one range
 * extended per record. A class, as the batch writers are (json-batch.ts): `add` runs once per record.
 */
class SeqRangesWriter<B> implements BatchWriter<B> {
  private readonly seqs: number[] = [];
  constructor(
    private readonly writer: BatchWriter<B>,
    private readonly onFinish: (batch: B, seqs: number[]) => void,
  ) {}

  get count(): number {
    return this.writer.count;
  }

  add(record: LogRecordData, maxBytes: number): boolean {
    if (!this.writer.add(record, maxBytes)) return false;
    const seqs = this.seqs;
    const seq = record.seq;
    const last = seqs.length - 1;
    if (last > 0 && seq === (seqs[last] as number) + 1) seqs[last] = seq;
    else seqs.push(seq, seq);
    return true;
  }

  finish(): B {
    const batch = this.writer.finish();
    this.onFinish(batch, this.seqs);
    return batch;
  }
}

/**
 * An exporter whose acknowledged batches are checkpointed: each batch remembers the seqs of its records (halves of
 * a split batch, theirs), and a batch the intake accepted hands them to `ack`. The exporter itself is untouched.
 */
export function withAcks<B>(inner: Exporter<B>, ack: (seqs: SeqRangeList) => void): Exporter<B> {
  // Halves of a split batch are never released: a weak map lets them go with their batch.
  const seqsOf = new WeakMap<object, number[]>();
  const key = (batch: B): object => batch as object;
  const remember = (batch: B, seqs: number[]): void => void seqsOf.set(key(batch), seqs);
  return {
    createBatch: () => new SeqRangesWriter(inner.createBatch(), remember),
    async export(batch) {
      const outcome = await inner.export(batch);
      if (outcome.kind === 'success') ack(seqsOf.get(key(batch)) ?? []);
      return outcome;
    },
    ...(inner.split
      ? {
          split(batch: B) {
            const halves = inner.split?.(batch);
            const seqs = seqsOf.get(key(batch));
            if (halves && seqs) {
              const [head, tail] = splitRanges(seqs, halves[0].count);
              seqsOf.set(key(halves[0].batch), head);
              seqsOf.set(key(halves[1].batch), tail);
            }
            return halves;
          },
        }
      : {}),
    ...(inner.items ? { items: (batch: B) => inner.items?.(batch) ?? [] } : {}),
    ...(inner.item ? { item: (record: LogRecordData) => inner.item?.(record) ?? '' } : {}),
    release(batch) {
      seqsOf.delete(key(batch));
      inner.release?.(batch);
    },
    shutdown: () => inner.shutdown(),
  };
}
