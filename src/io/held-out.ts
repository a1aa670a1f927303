/**
 * Output written in many small pieces (a read-back's 64 MB, a line at a time): each piece masked, encoded as UTF-8
 * into one buffer and written when the buffer is full or flushed. Joining the pieces into 64 KB strings instead cost
 * V8 a flattened copy of each string's rope and a fresh buffer for its UTF-8 (docs/performance.md, "Read-back from
 * Datadog: bytes to stdout").
 */
import type { Redactor } from './redact.js';

/** Where the bytes go: true when it is done with them (the buffer may be filled again), false when it keeps them. */
export type ByteSink = (bytes: Buffer) => boolean;

export interface HeldOut {
  /**
   * Appends text, masked: whole lines (a secret is masked within one piece), written when the buffer is full or at
   * the next flush.
   */
  write(text: string): void;
  /** Writes what is held. */
  flush(): void;
  /** True when something is held. */
  readonly holding: boolean;
}

const CAPACITY = 64 * 1024;
/** A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4). */
const MAX_BYTES_PER_UNIT = 3;

export function createHeldOut(sink: ByteSink, redactor: Redactor): HeldOut {
  // Made on the first write: every command has an IOStreams, few of them print this way.
  let buf: Buffer | undefined;
  let used = 0;
  const flush = (): void => {
    if (used === 0 || buf === undefined) return;
    const bytes = buf.subarray(0, used);
    used = 0;
    // A sink that keeps the bytes (a pipe still writing them) gets them for good: the next ones go to a new buffer.
    if (!sink(bytes)) buf = undefined;
  };
  return {
    write(piece) {
      const text = redactor.redactIfMatched(piece);
      const most = text.length * MAX_BYTES_PER_UNIT;
      if (most > CAPACITY - used) {
        flush();
        // A piece this long is written on its own.
        if (most > CAPACITY) {
          sink(Buffer.from(text, 'utf8'));
          return;
        }
      }
      buf ??= Buffer.allocUnsafeSlow(CAPACITY);
      used += buf.write(text, used, 'utf8');
    },
    flush,
    get holding() {
      return used > 0;
    },
  };
}
