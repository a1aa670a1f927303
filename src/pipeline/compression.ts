/**
 * gzip through zlib's async API: the work runs on libuv's thread pool, off the main thread that reads the child.
 * Level 1: log lines compress well even at the fastest level, and CPU is the scarce resource on small machines.
 */
import { gzip } from 'node:zlib';

export type Compression = 'gzip' | 'none';

export const GZIP_LEVEL = 1;
/** Larger output chunks mean fewer round trips between the pool and the main thread per body. */
const GZIP_CHUNK_BYTES = 64 * 1024;

export function gzipAsync(body: string | Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gzip(body, { level: GZIP_LEVEL, chunkSize: GZIP_CHUNK_BYTES }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}
