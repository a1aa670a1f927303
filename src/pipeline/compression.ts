/**
 * Request body compression through zlib's async API: the work runs on libuv's thread pool, off the main thread
 * that reads the child. Fastest levels (gzip 1, zstd 1): log lines compress well even there, and CPU is the scarce
 * resource on small machines. zstd is in node:zlib from Node 22.15 (and 23.8); on older runtimes it is not offered
 * (the datadog destination's resolve falls back to gzip, saying so when zstd was asked for).
 */
import zlib from 'node:zlib';

export type Compression = 'gzip' | 'zstd' | 'none';

export const GZIP_LEVEL = 1;
export const ZSTD_LEVEL = 1;
/** Larger output chunks mean fewer round trips between the pool and the main thread per body. */
const CHUNK_BYTES = 64 * 1024;

type Callback = (err: Error | null, out: Buffer) => void;
interface ZstdZlib {
  zstdCompress?: (body: string | Uint8Array, options: object, cb: Callback) => void;
  constants: Record<string, number>;
}
const zstd = zlib as unknown as ZstdZlib;

/** Whether this runtime's node:zlib has zstd. */
export function hasZstd(): boolean {
  return typeof zstd.zstdCompress === 'function';
}

export function gzipAsync(body: string | Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib.gzip(body, { level: GZIP_LEVEL, chunkSize: CHUNK_BYTES }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

export function zstdAsync(body: string | Uint8Array): Promise<Buffer> {
  const compress = zstd.zstdCompress;
  if (compress === undefined) return Promise.reject(new Error(`this Node ${process.version} has no zstd`));
  const level = zstd.constants.ZSTD_c_compressionLevel;
  return new Promise((resolve, reject) => {
    compress(
      body,
      { chunkSize: CHUNK_BYTES, params: level === undefined ? {} : { [level]: ZSTD_LEVEL } },
      (err, out) => (err ? reject(err) : resolve(out)),
    );
  });
}

/** The body as sent with `compression` (unchanged for 'none'). */
export function compressBody(body: string | Uint8Array, compression: Compression): Promise<string | Uint8Array> {
  if (compression === 'gzip') return gzipAsync(body);
  if (compression === 'zstd') return zstdAsync(body);
  return Promise.resolve(body);
}

/** The Content-Encoding header for `compression`, or none. */
export function encodingHeader(compression: Compression): Record<string, string> {
  return compression === 'none' ? {} : { 'Content-Encoding': compression };
}
