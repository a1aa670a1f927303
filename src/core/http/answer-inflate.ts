/**
 * An answer that came compressed (`content-encoding: gzip` or `deflate`, which a request asks for with
 * `accept-encoding`), inflated the one way both transports do: in one synchronous call once the body is whole (a zlib
 * stream over the chunks as they arrive cost Node 24 ~0.3 CPU-s and ~90 MB more per 100 pages, docs/performance.md),
 * gzip into a buffer kept between answers and lent like the joined body (gunzip-kept.ts).
 */
import { builtin } from '../builtins.js';
import { gunzipKept } from './gunzip-kept.js';

/** An inflated answer larger than this is refused (a page of 1000 records is ~640 KB). */
export const MAX_INFLATED_BYTES = 256 * 1024 * 1024;

const gunzip = (bytes: Buffer): Buffer => gunzipKept(builtin('node:zlib'), bytes, MAX_INFLATED_BYTES);
const inflate = (bytes: Buffer): Buffer =>
  builtin('node:zlib').inflateSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES });

/** How to inflate an answer with this `content-encoding`; undefined when it came as is (or in another coding). */
export function inflaterFor(contentEncoding: string | undefined): ((bytes: Buffer) => Buffer) | undefined {
  const coding = contentEncoding?.trim().toLowerCase();
  if (coding === 'gzip' || coding === 'x-gzip') return gunzip;
  if (coding === 'deflate') return inflate;
  return undefined;
}
