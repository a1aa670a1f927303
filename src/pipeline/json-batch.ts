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
  if (chained !== undefined && framing === 'array') return createChainedBatches(chained, buffers);

  function createBatch(): BatchWriter<JsonBatch> {
    const out = buffers.take();
    const ends: number[] = [];
    if (framing === 'array') out.writeBytes(OPEN);
    const closing = framing === 'array' ? 1 : 0;

    return {
      get count() {
        return ends.length;
      },
      add(record, maxBytes) {
        const start = out.length;
        if (framing === 'array' && ends.length > 0) out.writeByte(COMMA);
        writeItem(out, record);
        if (framing === 'lines') out.writeByte(NEWLINE);
        if (ends.length > 0 && out.length + closing > maxBytes) {
          out.truncate(start);
          return false;
        }
        ends.push(out.length);
        return true;
      },
      finish() {
        if (framing === 'array') out.writeBytes(CLOSE);
        return buffers.done(out, ends);
      },
    };
  }

  return { createBatch, release: buffers.release };
}

/** The array framing with chained items: one copy fewer per item (the opening rides on the tail before it). */
function createChainedBatches(chained: ChainedItems, buffers: BufferPool): JsonBatchFactory {
  const { opening, write } = chained;
  // What every item leaves after its end: the comma and the next item's opening.
  const after = 1 + opening.length;

  function createBatch(): BatchWriter<JsonBatch> {
    const out = buffers.take();
    const ends: number[] = [];
    out.writeBytes(OPEN);
    out.writeBytes(opening);

    return {
      get count() {
        return ends.length;
      },
      add(record, maxBytes) {
        const start = out.length;
        write(out, record);
        // The body were it closed now: without the next opening, with `]`.
        const end = out.length - after;
        if (ends.length > 0 && end + 1 > maxBytes) {
          out.truncate(start);
          return false;
        }
        ends.push(end);
        return true;
      },
      finish() {
        out.truncate(ends.length > 0 ? (ends[ends.length - 1] as number) : 1);
        out.writeBytes(CLOSE);
        return buffers.done(out, ends);
      },
    };
  }

  return { createBatch, release: buffers.release };
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
