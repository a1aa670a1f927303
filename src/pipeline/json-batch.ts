/**
 * Batches of pre-rendered JSON items in one buffer: a JSON array for the intake, JSON lines for the local store.
 * `ends` keeps each item's end offset, so a batch can be split (413, 400 isolation) without serializing again.
 */
import { createByteBuffer, type ByteBuffer } from './byte-buffer.js';
import type { BatchWriter } from './exporter.js';
import type { LogRecordData } from '../core/log-record.js';

export interface JsonBatch {
  /** The request body (array) or the lines to append (JSONL). */
  body: Buffer;
  count: number;
  /** End offset in `body` of each item (after its newline for JSONL). */
  ends: number[];
}

export type WriteItem = (out: ByteBuffer, record: LogRecordData) => void;

/**
 * Array items written as a chain, each with the next one's start: `opening` is how every item starts; `write`
 * appends an item whose opening is already in `out`, then `,` and the next opening. The batch writes the first
 * opening and drops the last, so the body is the same as `writeItem`'s items joined by commas.
 */
export interface ChainedItems {
  opening: Uint8Array;
  write: WriteItem;
}

export type JsonFraming = 'array' | 'lines';

export interface JsonBatchFactory {
  createBatch(): BatchWriter<JsonBatch>;
  /** Gives a sent batch's memory back for the next batches; the batch must not be used after this. */
  release(batch: JsonBatch): void;
}

const OPEN = Buffer.from('[');
const COMMA = 0x2c;
const CLOSE = Buffer.from(']');
const NEWLINE = 0x0a;
const MIN_CAPACITY = 64 * 1024;
/** Released buffers kept for reuse: about the number of batches in flight. */
const MAX_POOLED = 8;

export function createJsonBatchFactory(
  writeItem: WriteItem,
  framing: JsonFraming,
  chained?: ChainedItems,
): JsonBatchFactory {
  const buffers = createBufferPool();
  // The array framing with chained items: one copy fewer per item (the opening rides on the tail before it).
  if (chained !== undefined && framing === 'array')
    return { createBatch: () => new ChainedBatch(buffers, chained), release: buffers.release };
  return { createBatch: () => new FramedBatch(buffers, writeItem, framing), release: buffers.release };
}

/*
 * The writers are classes, not object literals: a literal with a getter (`count`) is made in dictionary mode, and
 * the batching processor's `open.add(...)` per record was then a dictionary lookup.
 */

/** Items one by one: `[a,b]` or `a\nb\n`. */
class FramedBatch implements BatchWriter<JsonBatch> {
  private readonly buffers: BufferPool;
  private readonly writeItem: WriteItem;
  private readonly framing: JsonFraming;
  private readonly out: ByteBuffer;
  private readonly ends: number[] = [];
  private readonly closing: number;

  constructor(buffers: BufferPool, writeItem: WriteItem, framing: JsonFraming) {
    this.buffers = buffers;
    this.writeItem = writeItem;
    this.framing = framing;
    this.out = buffers.take();
    if (framing === 'array') this.out.writeBytes(OPEN);
    this.closing = framing === 'array' ? 1 : 0;
  }

  get count(): number {
    return this.ends.length;
  }

  add(record: LogRecordData, maxBytes: number): boolean {
    const { out, ends, framing } = this;
    const start = out.length;
    if (framing === 'array' && ends.length > 0) out.writeByte(COMMA);
    this.writeItem(out, record);
    if (framing === 'lines') out.writeByte(NEWLINE);
    if (ends.length > 0 && out.length + this.closing > maxBytes) {
      out.truncate(start);
      return false;
    }
    ends.push(out.length);
    return true;
  }

  finish(): JsonBatch {
    if (this.framing === 'array') this.out.writeBytes(CLOSE);
    return this.buffers.done(this.out, this.ends);
  }
}

/** Chained array items (ChainedItems): the batch writes the first opening and drops the last. */
class ChainedBatch implements BatchWriter<JsonBatch> {
  private readonly buffers: BufferPool;
  private readonly out: ByteBuffer;
  private readonly ends: number[] = [];
  private readonly write: WriteItem;
  // What every item leaves after its end: the comma and the next item's opening.
  private readonly after: number;

  constructor(buffers: BufferPool, chained: ChainedItems) {
    this.buffers = buffers;
    this.write = chained.write;
    this.after = 1 + chained.opening.length;
    this.out = buffers.take();
    this.out.writeBytes(OPEN);
    this.out.writeBytes(chained.opening);
  }

  get count(): number {
    return this.ends.length;
  }

  add(record: LogRecordData, maxBytes: number): boolean {
    const { out, ends } = this;
    const start = out.length;
    this.write(out, record);
    // The body were it closed now: without the next opening, with `]`.
    const end = out.length - this.after;
    if (ends.length > 0 && end + 1 > maxBytes) {
      out.truncate(start);
      return false;
    }
    ends.push(end);
    return true;
  }

  finish(): JsonBatch {
    const { out, ends } = this;
    out.truncate(ends.length > 0 ? (ends[ends.length - 1] as number) : 1);
    out.writeBytes(CLOSE);
    return this.buffers.done(out, ends);
  }
}

interface BufferPool {
  /** A buffer for the next batch. */
  take(): ByteBuffer;
  /** The finished batch of `out`; its memory comes back with `release`. */
  done(out: ByteBuffer, ends: number[]): JsonBatch;
  release(batch: JsonBatch): void;
}

function createBufferPool(): BufferPool {
  // Each new buffer starts at about the size the previous batch reached, so it rarely grows.
  let lastBytes = MIN_CAPACITY;
  const pool: Buffer[] = [];
  const storage = new WeakMap<JsonBatch, Buffer>();
  return {
    take() {
      // A released buffer is taken if it holds what the last batch reached: batches grow slowly as the seqs get
      // longer, so asking for the 1/8 headroom again would turn away every buffer given back and take fresh pages
      // each time.
      const pooled = pool.pop();
      const wanted = pooled !== undefined && pooled.length >= lastBytes ? pooled.length : lastBytes + (lastBytes >> 3);
      return createByteBuffer(wanted, pooled);
    },
    done(out, ends) {
      lastBytes = Math.max(MIN_CAPACITY, out.length);
      const batch = { body: out.bytes(), count: ends.length, ends };
      storage.set(batch, out.storage());
      return batch;
    },
    release(batch) {
      const buf = storage.get(batch);
      storage.delete(batch);
      if (buf && pool.length < MAX_POOLED) pool.push(buf);
    },
  };
}

/** Where item `i` starts in the body. */
function itemStart(batch: JsonBatch, framing: JsonFraming, i: number): number {
  if (i === 0) return framing === 'array' ? 1 : 0;
  // Array items follow a comma; lines follow the previous line's newline (inside ends).
  return (batch.ends[i - 1] as number) + (framing === 'array' ? 1 : 0);
}

/** Where item `i` ends (a JSONL item without its newline). */
function itemEnd(batch: JsonBatch, framing: JsonFraming, i: number): number {
  return (batch.ends[i] as number) - (framing === 'lines' ? 1 : 0);
}

/** Items `from` to `to` (exclusive) as a new batch with its own memory: the original's buffer is recycled. */
export function sliceJsonBatch(batch: JsonBatch, framing: JsonFraming, from: number, to: number): JsonBatch {
  const start = itemStart(batch, framing, from);
  const end = batch.ends[to - 1] as number;
  const open = framing === 'array' ? 1 : 0;
  const body = Buffer.allocUnsafe(end - start + 2 * open);
  if (framing === 'array') body[0] = 0x5b;
  batch.body.copy(body, open, start, end);
  if (framing === 'array') body[body.length - 1] = 0x5d;
  const shift = start - open;
  const ends: number[] = [];
  for (let i = from; i < to; i++) ends.push((batch.ends[i] as number) - shift);
  return { body, count: to - from, ends };
}

export function splitJsonBatch(
  batch: JsonBatch,
  framing: JsonFraming,
): [{ batch: JsonBatch; count: number }, { batch: JsonBatch; count: number }] | undefined {
  if (batch.count < 2) return undefined;
  const mid = batch.count >> 1;
  return [
    { batch: sliceJsonBatch(batch, framing, 0, mid), count: mid },
    { batch: sliceJsonBatch(batch, framing, mid, batch.count), count: batch.count - mid },
  ];
}

/** Each item's JSON text (copied out of the batch's buffer). */
export function jsonBatchItems(batch: JsonBatch, framing: JsonFraming): string[] {
  const out: string[] = [];
  for (let i = 0; i < batch.count; i++)
    out.push(batch.body.toString('utf8', itemStart(batch, framing, i), itemEnd(batch, framing, i)));
  return out;
}
