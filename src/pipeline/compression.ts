/**
 * Request body compression through zlib's async API: the work runs on libuv's thread pool, off the main thread
 * that reads the child. Fastest levels (gzip 1, zstd 1): log lines compress well even there, and CPU is the scarce
 * resource on small machines. zstd is in node:zlib from Node 22.15 (and 23.8); on older runtimes it is not offered
 * (the datadog destination's resolve falls back to gzip, saying so when zstd was asked for).
 */
import type * as Zlib from 'node:zlib';
import { builtin } from '../core/builtins.js';

export type Compression = 'gzip' | 'zstd' | 'none';

export const GZIP_LEVEL = 1;
export const ZSTD_LEVEL = 1;
/** Larger output chunks mean fewer round trips between the pool and the main thread per body. */
const CHUNK_BYTES = 64 * 1024;

type Callback = (err: Error | null, out: Buffer) => void;
interface ZstdZlib {
  zstdCompress?: (body: string | Uint8Array, options: object, cb: Callback) => void;
  createZstdCompress?: (options: object) => Zlib.Gzip;
  constants: Record<string, number>;
}
/** node:zlib, loaded on first use: a run that sends nothing (the local store, `run -- true`) does not pay for it. */
const zlib = (): typeof Zlib => builtin('node:zlib');
const zstd = (): ZstdZlib => zlib() as unknown as ZstdZlib;

/**
 * Whether this runtime's node:zlib has zstd. Node lists the zstd it links in `process.versions` from the release that
 * added zlib's zstd API (22.15 / 23.8; every Node 24): asking there keeps node:zlib unloaded while a datadog run
 * resolves its settings, before it has a body to compress.
 */
export function hasZstd(): boolean {
  return process.versions.zstd !== undefined;
}

/**
 * A compression context used again for the next body (`reset()` after each). A fresh one per body allocates and
 * frees its state each time (~300 KB for gzip, over 1 MB for zstd at level 1), which glibc hands back to the kernel,
 * so the next body page-faults it in again: about a millisecond of system time per gzip body at times (Node 20), and
 * zstd's one-shot call cost 0.56 ms of CPU per 300 KB body against 0.15 ms reused (Node 24, the same bytes out).
 * `_processChunk` with a callback is the asynchronous form of what the one-shot `zlib.gzip` does inside (zlib's
 * thread-pool work); where a runtime lacks it, the one-shot call as before.
 */
interface Context {
  stream: Zlib.Gzip;
  chunks: Buffer[];
  process: (chunk: Uint8Array, flushFlag: number, cb: (err?: Error | null) => void) => void;
  reset: () => void;
}
/** zlib's documented `reset()` (not in @types/node's Gzip) and its internal `_processChunk`. */
type Reusable = { _processChunk?: Context['process']; reset?: () => void };
/** Idle contexts kept per format: as many as bodies compressed at once, give or take (the exporter's concurrency). */
const MAX_IDLE = 4;

interface ContextPool {
  /** A context, or undefined where this runtime's streams cannot be used again. */
  take(): Context | undefined;
  give(ctx: Context): void;
  /** The flush flag that ends a body. */
  finish: number;
}

function contextPool(create: () => Zlib.Gzip, finish: number): ContextPool {
  const idle: Context[] = [];
  return {
    finish,
    take() {
      const reused = idle.pop();
      if (reused !== undefined) return reused;
      const stream = create();
      const { _processChunk: processChunk, reset } = stream as unknown as Reusable;
      if (typeof processChunk !== 'function' || typeof reset !== 'function') {
        stream.close();
        return undefined;
      }
      const ctx: Context = { stream, chunks: [], process: processChunk.bind(stream), reset: reset.bind(stream) };
      stream.on('data', (d: Buffer) => ctx.chunks.push(d));
      return ctx;
    },
    give(ctx) {
      if (idle.length < MAX_IDLE) idle.push(ctx);
      else ctx.stream.close();
    },
  };
}

function compressWith(pool: ContextPool, body: string | Uint8Array, oneShot: () => Promise<Buffer>): Promise<Buffer> {
  const ctx = pool.take();
  if (ctx === undefined) return oneShot();
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      // A context that failed is not used again.
      ctx.stream.off('error', fail);
      ctx.stream.destroy();
      reject(err);
    };
    ctx.stream.once('error', fail);
    ctx.chunks = [];
    ctx.process(typeof body === 'string' ? Buffer.from(body) : body, pool.finish, (err) => {
      if (err) return fail(err);
      ctx.stream.off('error', fail);
      const out = ctx.chunks.length === 1 ? (ctx.chunks[0] as Buffer) : Buffer.concat(ctx.chunks);
      ctx.chunks = [];
      ctx.reset();
      pool.give(ctx);
      resolve(out);
    });
  });
}

let gzipPool: ContextPool | undefined;

export function gzipAsync(body: string | Uint8Array): Promise<Buffer> {
  gzipPool ??= contextPool(
    () => zlib().createGzip({ level: GZIP_LEVEL, chunkSize: CHUNK_BYTES }),
    zlib().constants.Z_FINISH,
  );
  return compressWith(
    gzipPool,
    body,
    () =>
      new Promise((resolve, reject) => {
        zlib().gzip(body, { level: GZIP_LEVEL, chunkSize: CHUNK_BYTES }, (err, out) =>
          err ? reject(err) : resolve(out),
        );
      }),
  );
}

function zstdOptions(): object {
  const level = zstd().constants.ZSTD_c_compressionLevel;
  return { chunkSize: CHUNK_BYTES, params: level === undefined ? {} : { [level]: ZSTD_LEVEL } };
}

let zstdPool: ContextPool | undefined;

export function zstdAsync(body: string | Uint8Array): Promise<Buffer> {
  const compress = zstd().zstdCompress;
  const create = zstd().createZstdCompress;
  if (compress === undefined) return Promise.reject(new Error(`this Node ${process.version} has no zstd`));
  const oneShot = (): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      compress(body, zstdOptions(), (err, out) => (err ? reject(err) : resolve(out)));
    });
  const end = zstd().constants.ZSTD_e_end;
  if (create === undefined || end === undefined) return oneShot();
  zstdPool ??= contextPool(() => create(zstdOptions()), end);
  return compressWith(zstdPool, body, oneShot);
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
