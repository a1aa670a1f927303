/**
 * Reads a segment file as a stream: a chunk of the file at a time (bounded memory whatever its size), whole frames
 * only. A cursor remembers how far it got, so `logs --follow` and the journal's resend read only what is new. A frame
 * cut off at the end is a write in progress (wait for it) or, once the writer is gone (`final`), a torn tail: cut
 * there, with a warning. A damaged frame ends the file's readable part (what came before is kept).
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { LogRecordData } from '../core/log-record.js';
import {
  BAD,
  createFrameDecoder,
  createFrameSpan,
  decodeHeader,
  FRAME,
  SHORT,
  type FrameFilter,
  type FrameSpan,
  scanAcks,
  type LineParser,
  type SegmentHeader,
} from './segment-format.js';

/** Bytes read at a time unless the caller says (a frame larger than this is read whole all the same). */
export const DEFAULT_CHUNK_BYTES = 1 << 20;

export type SegmentStatus =
  | { kind: 'ok' }
  /**
   * The last `bytes` bytes are not a whole frame: cut off (a crash mid-write). `salvaged`: records read from them all
   * the same (the whole ones of a journal's block frame), so the bytes are not to be cut off the file.
   */
  | { kind: 'torn'; offset: number; bytes: number; salvaged?: number }
  | { kind: 'damaged'; offset: number; reason: string };

export interface SegmentCursor {
  readonly path: string;
  /** Known once the first read got past it. */
  readonly header: SegmentHeader | undefined;
  /** File offset just after the last whole frame read. */
  readonly offset: number;
  readonly status: SegmentStatus;
  /**
   * The next records the file holds beyond the cursor (about a megabyte of them), or undefined when there are none
   * now. With `final`, a frame cut off at the end of the file is reported as a torn tail.
   */
  next(options?: { final?: boolean; keep?: FrameFilter }): Promise<LogRecordData[] | undefined>;
  /**
   * `next` without records: each kept frame's span, with the bytes it points into (valid during the call only).
   * False when there are no more frames now.
   */
  nextSpans(
    visit: (bytes: Buffer, span: FrameSpan) => void,
    options?: { final?: boolean; keep?: FrameFilter },
  ): Promise<boolean>;
  /**
   * A journal's ack frames beyond the cursor (about a megabyte of frames), their ranges appended to `out`, no record
   * decoded; false when there are no more frames now.
   */
  nextAcks(out: number[], options?: { final?: boolean }): Promise<boolean>;
  close(): Promise<void>;
}

/** `lineParser`: a journal's reader's (its parsed lines frames need it: segment-format.ts `LineParser`). */
export function openSegmentCursor(
  path: string,
  options: { chunkBytes?: number; lineParser?: LineParser } = {},
): SegmentCursor {
  const CHUNK_BYTES = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const decoder = createFrameDecoder(options.lineParser ? { lineParser: options.lineParser } : {});
  let handle: FileHandle | undefined;
  let header: SegmentHeader | undefined;
  let offset = 0;
  let status: SegmentStatus = { kind: 'ok' };
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  const span = createFrameSpan();
  /** Records `next` read from a torn tail (a block frame cut short), and the file offset of that tail. */
  let salvaged = 0;
  let salvagedAt = -1;
  const torn = (at: number, bytes: number): SegmentStatus =>
    salvaged > 0 && at === salvagedAt
      ? { kind: 'torn', offset: at, bytes, salvaged }
      : { kind: 'torn', offset: at, bytes };

  async function fill(at: number, min: number): Promise<number> {
    handle ??= await open(path, 'r');
    if (buf.length < min) buf = Buffer.allocUnsafe(min);
    let got = 0;
    while (got < buf.length) {
      const r = await handle.read(buf, got, buf.length - got, at + got);
      if (r.bytesRead === 0) break;
      got += r.bytesRead;
    }
    return got;
  }

  /**
   * What decoding one chunk came to: frames read up to `at`; `short` when a frame is cut off at the chunk's end,
   * `bad` when the frame at `at` is damaged (why).
   */
  interface Scanned {
    at: number;
    short: boolean;
    bad?: string;
  }

  /**
   * Reads the next chunk beyond the cursor and hands it to `scan`, which decodes whole frames from its start; the
   * cursor moves past them. False when there is nothing more now (the end, a torn tail, damage).
   */
  async function readChunk(final: boolean, scan: (view: Buffer) => Scanned): Promise<boolean> {
    if (status.kind === 'damaged') return false;
    if (header === undefined) {
      const got = await fill(0, CHUNK_BYTES);
      const h = decodeHeader(buf.subarray(0, got));
      if (h.kind === 'short') {
        if (final && got > 0) status = { kind: 'torn', offset: 0, bytes: got };
        return false;
      }
      if (h.kind === 'bad') {
        status = { kind: 'damaged', offset: 0, reason: h.reason };
        return false;
      }
      header = h.header;
      decoder.setMerged(header.merged === true);
      offset = h.bodyStart;
    }
    let want = CHUNK_BYTES;
    for (;;) {
      const got = await fill(offset, want);
      if (got === 0) return false;
      const { at, short, bad } = scan(buf.subarray(0, got));
      if (bad !== undefined) status = { kind: 'damaged', offset: offset + at, reason: bad };
      offset += at;
      if (at === 0 && short) {
        // Not one whole frame in the buffer: a frame larger than it (read again, bigger), or a torn tail.
        if (got === buf.length) {
          want = buf.length * 2;
          continue;
        }
        if (final) status = torn(offset, got);
        return false;
      }
      if (at < got && short && got < buf.length && final) status = torn(offset, got - at);
      return at > 0;
    }
  }

  async function next(options: { final?: boolean; keep?: FrameFilter } = {}): Promise<LogRecordData[] | undefined> {
    const records: LogRecordData[] = [];
    const keep = options.keep;
    const final = options.final === true;
    const read = await readChunk(final, (view) => {
      let at = 0;
      while (at < view.length) {
        const r = decoder.decode(view, at, keep);
        if (r.kind === 'short') {
          // The end of the file (the view is shorter than the buffer) and its writer gone: a write cut short. Once.
          if (final && view.length < buf.length && offset + at !== salvagedAt) {
            const whole = decoder.salvage(view, at);
            salvagedAt = offset + at;
            salvaged = whole.length;
            for (const record of whole)
              if (keep === undefined || keep(record.level, record.timestamp)) records.push(record);
          }
          return { at, short: true };
        }
        if (r.kind === 'bad') return { at, short: false, bad: r.reason };
        if (r.kind === 'record') records.push(r.record);
        else if (r.kind === 'records') for (const record of r.records) records.push(record);
        at = r.next;
      }
      return { at, short: false };
    });
    return read || records.length > 0 ? records : undefined;
  }

  async function nextSpans(
    visit: (bytes: Buffer, span: FrameSpan) => void,
    options: { final?: boolean; keep?: FrameFilter } = {},
  ): Promise<boolean> {
    const keep = options.keep;
    return readChunk(options.final === true, (view) => {
      let at = 0;
      while (at < view.length) {
        const got = decoder.decodeSpan(view, at, span, keep);
        if (got === SHORT) return { at, short: true };
        if (got === BAD) return { at, short: false, bad: decoder.reason };
        if (got === FRAME) visit(view, span);
        at = span.next;
      }
      return { at, short: false };
    });
  }

  return {
    path,
    get header() {
      return header;
    },
    get offset() {
      return offset;
    },
    get status() {
      return status;
    },
    next,
    nextSpans,
    nextAcks: (out, options = {}) => readChunk(options.final === true, (view) => scanAcks(view, 0, out)),
    async close() {
      const h = handle;
      handle = undefined;
      await h?.close();
    },
  };
}

/** Every ack frame's ranges in a journal's segment file (flat, in file order), its records not decoded. */
export async function readAckFrames(path: string): Promise<number[]> {
  const cursor = openSegmentCursor(path);
  const out: number[] = [];
  try {
    while (await cursor.nextAcks(out, { final: true }));
    return out;
  } finally {
    await cursor.close();
  }
}

/** Reads a whole segment file, chunk by chunk, handing each chunk's records to `each`. */
export async function readSegmentFile(
  path: string,
  each: (records: LogRecordData[], header: SegmentHeader) => void | Promise<void>,
  keep?: FrameFilter,
  lineParser?: LineParser,
): Promise<{ header: SegmentHeader | undefined; status: SegmentStatus; offset: number }> {
  const cursor = openSegmentCursor(path, lineParser ? { lineParser } : {});
  try {
    for (;;) {
      const records = await cursor.next({ final: true, ...(keep ? { keep } : {}) });
      if (records === undefined) break;
      if (records.length > 0 && cursor.header) await each(records, cursor.header);
    }
    return { header: cursor.header, status: cursor.status, offset: cursor.offset };
  } finally {
    await cursor.close();
  }
}
