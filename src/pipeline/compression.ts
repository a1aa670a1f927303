/**
 * Request body compression through zlib's async API: the work runs on libuv's thread pool, off the main thread
 * that reads the child. Fastest levels (gzip 1, zstd 1): log lines compress well even there, and CPU is the scarce
 * resource on small machines. zstd is in node:zlib from Node 22.15 (and 23.8); on older runtimes it is not offered
 * (the datadog destination's resolve falls back to gzip, saying so when zstd was asked for).
 */
import { createRequire } from 'node:module';
import type * as Zlib from 'node:zlib';

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
/**
 * node:zlib, loaded on first use: a run that sends nothing (the local store, `run -- true`) does not pay for it
 * (~13M instructions of start-up on Node 20, docs/performance.md).
 */
let loaded: typeof Zlib | undefined;
function zlib(): typeof Zlib {
  return (loaded ??= createRequire(import.meta.url)('node:zlib') as typeof Zlib);
}
const zstd = (): ZstdZlib => zlib() as unknown as ZstdZlib;

/** Whether this runtime's node:zlib has zstd. */
export function hasZstd(): boolean {
  return typeof zstd().zstdCompress === 'function';
}

/**
 * A gzip context used again for the next body (`reset()` after each): a fresh one per body allocates and frees
 * ~300 KB of zlib state each time, which glibc hands back to the kernel, so the next body page-faults it in again
 * (about a millisecond of system time per body at times, measured on Node 20). `_processChunk` with a callback is
 * the asynchronous form of what `zlib.gzip` does inside (zlib's thread-pool work); where a runtime lacks it,
 * `zlib.gzip` as before.
 */
interface GzipContext {
  stream: Zlib.Gzip;
  chunks: Buffer[];
  process: (chunk: Uint8Array, flushFlag: number, cb: (err?: Error | null) => void) => void;
  reset: () => void;
}
/** zlib's documented `reset()` (not in @types/node's Gzip) and its internal `_processChunk`. */
type Reusable = { _processChunk?: GzipContext['process']; reset?: () => void };
/** Idle contexts kept: as many as bodies compressed at once, give or take (the exporter's concurrency). */
const MAX_IDLE_GZIP = 4;
const idleGzip: GzipContext[] = [];

function gzipContext(): GzipContext | undefined {
  const reused = idleGzip.pop();
  if (reused !== undefined) return reused;
  const stream = zlib().createGzip({ level: GZIP_LEVEL, chunkSize: CHUNK_BYTES });
  const { _processChunk: processChunk, reset } = stream as unknown as Reusable;
  if (typeof processChunk !== 'function' || typeof reset !== 'function') {
    stream.close();
    return undefined;
  }
  const ctx: GzipContext = { stream, chunks: [], process: processChunk.bind(stream), reset: reset.bind(stream) };
  stream.on('data', (d: Buffer) => ctx.chunks.push(d));
  return ctx;
}

export function gzipAsync(body: string | Uint8Array): Promise<Buffer> {
  const ctx = gzipContext();
  if (ctx === undefined)
    return new Promise((resolve, reject) => {
      zlib().gzip(body, { level: GZIP_LEVEL, chunkSize: CHUNK_BYTES }, (err, out) =>
        err ? reject(err) : resolve(out),
      );
    });
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      // A context that failed is not used again.
      ctx.stream.off('error', fail);
      ctx.stream.destroy();
      reject(err);
    };
    ctx.stream.once('error', fail);
    ctx.chunks = [];
    ctx.process(typeof body === 'string' ? Buffer.from(body) : body, zlib().constants.Z_FINISH, (err) => {
      if (err) return fail(err);
      ctx.stream.off('error', fail);
      const out = ctx.chunks.length === 1 ? (ctx.chunks[0] as Buffer) : Buffer.concat(ctx.chunks);
      ctx.chunks = [];
      ctx.reset();
      if (idleGzip.length < MAX_IDLE_GZIP) idleGzip.push(ctx);
      else ctx.stream.close();
      resolve(out);
    });
  });
}

export function zstdAsync(body: string | Uint8Array): Promise<Buffer> {
  const { zstdCompress: compress, constants } = zstd();
  if (compress === undefined) return Promise.reject(new Error(`this Node ${process.version} has no zstd`));
  const level = constants.ZSTD_c_compressionLevel;
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
