/**
 * A gzip answer inflated into one buffer kept from one answer to the next, lent to the caller until the next call.
 * `gunzipSync` inflates into fresh 16 KB buffers and joins them into a fresh one: on 100 search pages (64 MB) that
 * was half of fetching them (0.51 against 0.27 CPU-s in a script, Node 20; docs/performance.md, "Read-back from
 * Datadog: the young generation and the events"). Node has no public call that inflates into a given buffer, so this
 * drives the zlib object's own handle as `gunzipSync` does (`_handle.writeSync`, `_writeState`: what npm's minizlib
 * uses too). Whatever this path does not finish as `gunzipSync` would (no such handle, an error, an output larger than
 * the buffer) is left to `gunzipSync`, which then gives the answer or throws as before.
 */
import { types } from 'node:util';
import type * as Zlib from 'node:zlib';

/** The parts of a zlib object that `gunzipSync` itself drives (node:zlib, processChunkSync). */
interface ZlibHandle {
  writeSync(
    flush: number,
    input: Buffer,
    inOff: number,
    inLen: number,
    out: Buffer,
    outOff: number,
    outLen: number,
  ): void;
}
interface ZlibInternals {
  _handle?: ZlibHandle | null;
  /** After a write: [output space left, input left]. */
  _writeState?: unknown;
  readonly destroyed: boolean;
  on(event: 'error', listener: () => void): unknown;
  close(): void;
}

/** A search page of 1000 records is ~640 KB inflated. */
const KEPT_BYTES = 1024 * 1024;
const MAX_KEPT_BYTES = 16 * 1024 * 1024;
let kept: Buffer | undefined;

/**
 * `zlib.gunzipSync(bytes, { maxOutputLength })`'s bytes; when they are in the kept buffer they are valid until the
 * next call (callers decode them at once, as they do the transport's joined body).
 */
export function gunzipKept(zlib: typeof Zlib, bytes: Buffer, maxOutputLength: number): Buffer {
  const z = zlib.createGunzip() as unknown as ZlibInternals;
  const handle = z._handle;
  const state = z._writeState;
  if (
    handle === null ||
    handle === undefined ||
    typeof handle.writeSync !== 'function' ||
    !types.isUint32Array(state)
  ) {
    z.close();
    return zlib.gunzipSync(bytes, { maxOutputLength });
  }
  const out = (kept ??= Buffer.allocUnsafeSlow(KEPT_BYTES));
  // An error destroys the object (and is emitted later): taken here as "not done", gunzipSync then throws it.
  z.on('error', () => undefined);
  handle.writeSync(zlib.constants.Z_FINISH, bytes, 0, bytes.length, out, 0, out.length);
  const spaceLeft = state[0] as number;
  const failed = z.destroyed;
  z.close();
  // Space left: the whole stream is in the buffer (gunzipSync too stops at the first write that leaves space).
  if (!failed && spaceLeft > 0 && out.length - spaceLeft <= maxOutputLength)
    return out.subarray(0, out.length - spaceLeft);
  const whole = zlib.gunzipSync(bytes, { maxOutputLength });
  if (!failed && whole.length >= out.length && whole.length < MAX_KEPT_BYTES)
    kept = Buffer.allocUnsafeSlow(Math.min(MAX_KEPT_BYTES, whole.length * 2));
  return whole;
}
