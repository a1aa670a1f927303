/** Request bodies as tests see them: decoded from whatever Content-Encoding dd-logstore sent (gzip, zstd, none). */
import zlib from 'node:zlib';

const zstdDecompressSync = (zlib as { zstdDecompressSync?: (b: Buffer) => Buffer }).zstdDecompressSync;

/** Whether this runtime has zstd (Node >= 22.15): then dd-logstore's datadog flavor sends zstd by default. */
export const RUNTIME_HAS_ZSTD = zstdDecompressSync !== undefined;

/** The encoding a datadog log store with the default `compression` sends on this runtime. */
export const DEFAULT_DATADOG_ENCODING = RUNTIME_HAS_ZSTD ? 'zstd' : 'gzip';

export function decodeBodySync(raw: Buffer, encoding: string | string[] | undefined): Buffer {
  if (encoding === 'gzip') return zlib.gunzipSync(raw);
  if (encoding === 'zstd') {
    if (zstdDecompressSync === undefined) throw new Error(`zstd body, but this Node ${process.version} has no zstd`);
    return zstdDecompressSync(raw);
  }
  return raw;
}
