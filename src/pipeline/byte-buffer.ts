/**
 * A growable byte buffer that batches are serialized into as records arrive: no per-record string joins, no
 * string-to-Buffer conversion of a whole body, and the body goes to gzip and the socket as is.
 */
export interface ByteBuffer {
  readonly length: number;
  /** Any string, UTF-8 encoded. */
  writeString(s: string): void;
  /** A string known to be ASCII (field names, numbers): the cheaper encoder. */
  writeAscii(s: string): void;
  /** One byte (a separator): `writeBytes` of a one-byte buffer costs a TypedArray `set` call, ~500 instructions. */
  writeByte(b: number): void;
  writeBytes(b: Uint8Array): void;
  /** A non-negative integer in decimal (sequence numbers), without making a string. */
  writeUint(n: number): void;
  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer;
  /** The whole underlying buffer, for reuse once `bytes()` is no longer needed. */
  storage(): Buffer;
  /** Drops everything after `length` (undoes a partial write). */
  truncate(length: number): void;
}

/**
 * Buffer's per-encoding writers skip `write()`'s argument juggling, which costs more than the copy for short
 * strings. They are long-standing but undocumented, so fall back to `write()` where they are missing.
 */
type EncodingWriters = { utf8Write(s: string, offset: number): number; latin1Write(s: string, offset: number): number };
const proto = Buffer.prototype as Partial<EncodingWriters>;
const HAS_ENCODING_WRITERS = typeof proto.utf8Write === 'function' && typeof proto.latin1Write === 'function';

/** `initial` lets a released buffer's memory be used again: fresh pages cost page faults and GC pressure. */
export function createByteBuffer(initialCapacity: number, initial?: Buffer): ByteBuffer {
  let buf = initial && initial.length >= initialCapacity ? initial : Buffer.allocUnsafe(Math.max(256, initialCapacity));
  let len = 0;

  function ensure(extra: number): void {
    if (len + extra <= buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(buf.length * 2, len + extra));
    buf.copy(next, 0, 0, len);
    buf = next;
  }

  return {
    get length() {
      return len;
    },
    writeString(s) {
      // Three bytes per UTF-16 unit is the UTF-8 worst case, so the write is never cut short.
      ensure(s.length * 3);
      len += HAS_ENCODING_WRITERS ? (buf as Buffer & EncodingWriters).utf8Write(s, len) : buf.write(s, len, 'utf8');
    },
    writeAscii(s) {
      ensure(s.length);
      len += HAS_ENCODING_WRITERS ? (buf as Buffer & EncodingWriters).latin1Write(s, len) : buf.write(s, len, 'latin1');
    },
    writeByte(b) {
      ensure(1);
      buf[len++] = b;
    },
    writeBytes(b) {
      ensure(b.length);
      buf.set(b, len);
      len += b.length;
    },
    writeUint(n) {
      if (!Number.isSafeInteger(n) || n < 0) {
        // Still a valid JSON number whatever came in.
        this.writeAscii(Number.isFinite(n) ? String(n) : '0');
        return;
      }
      ensure(16);
      let digits = 1;
      for (let p = 10; p <= n; p *= 10) digits++;
      let at = len + digits;
      len = at;
      do {
        buf[--at] = 48 + (n % 10);
        n = Math.floor(n / 10);
      } while (n > 0);
    },
    bytes: () => buf.subarray(0, len),
    storage: () => buf,
    truncate(length) {
      len = Math.min(len, length);
    },
  };
}
