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
  /**
   * Appends whole lines already UTF-8, [start, end) of `bytes` (a large piece is handed to the sink as it is, after
   * what is held: true when the sink keeps it, and then those bytes must never be written over). Masked as `write`
   * masks: when no secret's bytes are anywhere in `bytes` (looked for once per buffer object), the lines are taken as
   * they are; otherwise line by line through `write`.
   */
  writeBytes(bytes: Buffer, start: number, end: number): boolean;
  /** Writes what is held. */
  flush(): void;
  /** True when something is held. */
  readonly holding: boolean;
}

const CAPACITY = 64 * 1024;
/** Bytes written at once from their own buffer rather than copied into the held one. */
const DIRECT_BYTES = 16 * 1024;
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
  const write = (piece: string): void => {
    const text = redactor.redactIfPresent(piece);
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
  };
  const clean = createSecretCheck(redactor);
  return {
    write,
    writeBytes(bytes, start, end) {
      if (!clean(bytes)) {
        for (let at = start; at < end;) {
          const nl = bytes.indexOf(0x0a, at);
          const stop = nl < 0 || nl >= end ? end : nl + 1;
          write(bytes.toString('utf8', at, stop));
          at = stop;
        }
        return false;
      }
      const n = end - start;
      if (n >= DIRECT_BYTES) {
        flush();
        return !sink(bytes.subarray(start, end));
      }
      if (n > CAPACITY - used) flush();
      buf ??= Buffer.allocUnsafeSlow(CAPACITY);
      used += bytes.copy(buf, used, start, end);
      return false;
    },
    flush,
    get holding() {
      return used > 0;
    },
  };
}

/**
 * Whether a buffer holds none of the secrets' bytes, asked once per buffer: the last two asked are remembered (a
 * page's lines, and those of the page before that waited for it), as long as no secret was added since.
 */
function createSecretCheck(redactor: Redactor): (bytes: Buffer) => boolean {
  const seen: (Buffer | undefined)[] = [undefined, undefined];
  const verdict = [false, false];
  let secrets = -1;
  let next = 0;
  return (bytes) => {
    if (redactor.size === 0) return true;
    if (secrets !== redactor.size) {
      seen[0] = seen[1] = undefined;
      secrets = redactor.size;
    }
    if (bytes === seen[0]) return verdict[0] as boolean;
    if (bytes === seen[1]) return verdict[1] as boolean;
    let none = true;
    for (const v of redactor.valueBytes()) if (bytes.indexOf(v) !== -1) none = false;
    seen[next] = bytes;
    verdict[next] = none;
    next ^= 1;
    return none;
  };
}
