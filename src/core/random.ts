/**
 * Random bytes and UUIDs for ids and unique file names, without loading node:crypto: on a short `run` that module
 * (~20 of Node's internal modules) is ~17M instructions of start-up on Node 20 (docs/performance.md). The bytes come
 * from /dev/urandom, the kernel's CSPRNG that OpenSSL itself reads; where it cannot be read (Windows), from
 * node:crypto after all.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { builtin } from './builtins.js';

/** Read at a time and handed out in slices: a run asks for ~60 bytes in all. */
const POOL_BYTES = 256;
let pool: Buffer = Buffer.alloc(0);
let used = 0;

/** `n` random bytes (as node:crypto's randomBytes). */
export function randomBytes(n: number): Buffer {
  if (n > POOL_BYTES) return freshBytes(n);
  if (used + n > pool.length) {
    pool = freshBytes(POOL_BYTES);
    used = 0;
  }
  const out = Buffer.from(pool.subarray(used, used + n));
  // Each byte is handed out once.
  pool.fill(0, used, used + n);
  used += n;
  return out;
}

/** A version 4 UUID (as node:crypto's randomUUID). */
export function randomUUID(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function freshBytes(n: number): Buffer {
  const buf = Buffer.alloc(n);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      for (let at = 0; at < n;) {
        const got = readSync(fd, buf, at, n - at, null);
        if (got <= 0) throw new Error('/dev/urandom: short read');
        at += got;
      }
    } finally {
      closeSync(fd);
    }
    return buf;
  } catch {
    return builtin('node:crypto').randomBytes(n);
  }
}
