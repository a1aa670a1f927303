/**
 * `logs --output text` of a local run, straight from the segment frames' bytes: the time, level and step columns are
 * built once per (time, level, step) as renderText builds them, and a message with no control character and no
 * newline (most of them) is copied as it is stored (UTF-8 written by us, so the same bytes its string would encode
 * to). No record, entry or string per line: on Node 20 those and their garbage were most of a 1M-record read. Any
 * other message goes through textBody, as renderText does: the output is the same bytes either way.
 */
import type { ChalkInstance } from 'chalk';
import type { FrameSpan } from '../pipeline/segment-format.js';
import { textBody, textPrefix, type RenderOptions } from './render.js';

/** Output handed on at a time (renderText's printer writes ~64 KB strings). */
const CHUNK = 1 << 16;

export interface FrameTextPrinter {
  /** One record: its frame's span into `bytes`, the step of its stream. */
  frame(bytes: Buffer, span: FrameSpan, step: string | undefined): void;
  /** Hands on what is buffered. */
  flush(): void;
}

export function createFrameTextPrinter(
  color: ChalkInstance,
  options: RenderOptions,
  write: (bytes: Buffer) => void,
): FrameTextPrinter {
  const raw = options.raw === true;
  let out = Buffer.allocUnsafe(CHUNK * 2);
  let p = 0;
  // The prefix bytes per level, for one time and one step (a chunk's records share their millisecond).
  let prefixTime = NaN;
  let prefixStep: string | undefined;
  const prefixes = new Map<string, Buffer>();
  const printable = createPrintableCheck();

  const flush = (): void => {
    if (p === 0) return;
    // The buffer goes with the write (a pipe may hold it): a new one for what follows.
    write(out.subarray(0, p));
    out = Buffer.allocUnsafe(Math.max(CHUNK * 2, out.length));
    p = 0;
  };
  const room = (n: number): void => {
    if (p + n <= out.length) return;
    flush();
    if (n > out.length) out = Buffer.allocUnsafe(n);
  };

  return {
    frame(bytes, span, step) {
      if (span.timestamp !== prefixTime || step !== prefixStep) {
        prefixTime = span.timestamp;
        prefixStep = step;
        prefixes.clear();
      }
      let prefix = prefixes.get(span.level);
      if (prefix === undefined) {
        prefix = Buffer.from(textPrefix(span.timestamp, span.level, step, color, options), 'utf8');
        prefixes.set(span.level, prefix);
      }
      const start = span.messageStart;
      const end = span.messageEnd;
      room(prefix.length + (end - start) + 1);
      const lineStart = p;
      for (let i = 0; i < prefix.length; i++) out[p++] = prefix[i] as number;
      // Printable ASCII (nearly every message) is copied whole; else it is copied as it is scanned, and a byte that
      // must be shown otherwise undoes the copy.
      const copied = printable(bytes, start, end)
        ? p + bytes.copy(out, p, start, end)
        : copyPlain(bytes, start, end, out, p, raw);
      if (copied >= 0) {
        p = copied;
        out[p++] = 0x0a;
      } else {
        p = lineStart;
        const line = textBody(bytes.toString('utf8', start, end), options);
        room(prefix.length + line.length * 3);
        for (let i = 0; i < prefix.length; i++) out[p++] = prefix[i] as number;
        p += out.write(line, p, 'utf8');
      }
      if (p >= CHUNK) flush();
    },
    flush,
  };
}

/**
 * Copies the message's bytes to `to` at `at` if they print as they are, answering where the copy ends (else -1): no
 * newline (later lines are indented) and, unless raw, no control character escapeControlChars would escape (C0 but
 * tab, DEL, and C1 as UTF-8's C2 80-9F).
 */
function copyPlain(b: Buffer, start: number, end: number, to: Buffer, at: number, raw: boolean): number {
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c < 0x20) {
      if (c === 0x0a || (!raw && c !== 0x09)) return -1;
    } else if (!raw && (c === 0x7f || (c === 0xc2 && i + 1 < end && (b[i + 1] as number) < 0xa0))) return -1;
    to[at++] = c;
  }
  return at;
}

/**
 * Whether [start, end) of a buffer is all printable ASCII (0x20-0x7e), which prints as it is, raw or not. Read four
 * bytes at a time through an Int32Array over the buffer's memory (the bytes before the first aligned word and after
 * the last one, one by one): the byte loop of copyPlain was ~3 ns a byte, most of a 1M-record `logs --output text`
 * (docs/performance.md). A word has a byte under 0x20 when (x - 0x20202020) & ~x has a high bit set, and one of
 * 0x7f or more when (x + 0x01010101) | x has: exact for whether any byte does, which is all this asks.
 */
export function createPrintableCheck(): (b: Buffer, start: number, end: number) => boolean {
  let memory: ArrayBufferLike | undefined;
  let words: Int32Array<ArrayBufferLike> = new Int32Array(0);
  const plainByte = (c: number): boolean => c >= 0x20 && c < 0x7f;
  const bytewise = (b: Buffer, start: number, end: number): boolean => {
    for (let i = start; i < end; i++) if (!plainByte(b[i] as number)) return false;
    return true;
  };
  return (b, start, end) => {
    const size = b.buffer.byteLength;
    // Word indexes are int32 arithmetic: memory of 2 GiB or more goes byte by byte (the reader's is a few MB).
    if (size > MAX_WORDS_BYTES) return bytewise(b, start, end);
    // A new view for other memory, or for memory that grew (a resizable ArrayBuffer).
    if (b.buffer !== memory || words.length !== size >> 2) {
      memory = b.buffer;
      words = new Int32Array(memory, 0, size >> 2);
    }
    const base = b.byteOffset;
    let i = start;
    for (; i < end && ((base + i) & 3) !== 0; i++) if (!plainByte(b[i] as number)) return false;
    const last = (base + end) >> 2;
    for (let w = (base + i) >> 2; w < last; w++) {
      const x = words[w] as number;
      if ((((x - 0x20202020) & ~x) | (x + 0x01010101) | x) & 0x80808080) return false;
    }
    return bytewise(b, Math.max(i, (last << 2) - base), end);
  };
}

/** The largest memory whose byte offsets the word loop's `>> 2` and `<< 2` keep positive. */
const MAX_WORDS_BYTES = 0x7fff_fffc;
