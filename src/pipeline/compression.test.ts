import { describe, expect, it } from '@jest/globals';
import zlib from 'node:zlib';
import { GZIP_LEVEL, ZSTD_LEVEL, gzipAsync, hasZstd, zstdAsync } from './compression.js';

describe('gzipAsync (its zlib contexts used again)', () => {
  const bodies = Array.from({ length: 12 }, (_, i) =>
    Buffer.from(Array.from({ length: 200 * i }, (_, k) => `{"message":"line ${k} of body ${i}"}`).join(',')),
  );

  it('gives what a fresh gzip gives, body after body and many at once', async () => {
    for (const b of bodies) expect(await gzipAsync(b)).toEqual(zlib.gzipSync(b, { level: GZIP_LEVEL }));
    const outs = await Promise.all(bodies.map((b) => gzipAsync(b)));
    outs.forEach((out, i) => expect(zlib.gunzipSync(out)).toEqual(bodies[i]));
  });

  it('takes strings, empty bodies, and bodies whose output spans many chunks', async () => {
    expect(zlib.gunzipSync(await gzipAsync('héllo ✓')).toString()).toBe('héllo ✓');
    expect(zlib.gunzipSync(await gzipAsync(Buffer.alloc(0))).length).toBe(0);
    const noisy = Buffer.from(
      Array.from({ length: 100_000 }, (_, i) => ((i * 2654435761) >>> 0).toString(36)).join(''),
    );
    const out = await gzipAsync(noisy);
    expect(out.length).toBeGreaterThan(256 * 1024);
    expect(zlib.gunzipSync(out)).toEqual(noisy);
    expect(zlib.gunzipSync(await gzipAsync(bodies[3] as Buffer))).toEqual(bodies[3]);
  });
});

type ZstdSync = {
  zstdCompressSync: (b: Uint8Array, o: object) => Buffer;
  zstdDecompressSync: (b: Uint8Array) => Buffer;
  constants: Record<string, number>;
};

// Node 20 has no zstd in node:zlib: nothing to check there (the datadog destination falls back to gzip).
(hasZstd() ? describe : describe.skip)('zstdAsync (its contexts used again)', () => {
  const z = zlib as unknown as ZstdSync;
  const level = { params: { [z.constants.ZSTD_c_compressionLevel as number]: ZSTD_LEVEL } };
  const bodies = Array.from({ length: 12 }, (_, i) =>
    Buffer.from(Array.from({ length: 300 * i }, (_, k) => `{"message":"line ${k} of body ${i}"}`).join(',')),
  );

  it('gives what a fresh zstd gives, body after body and many at once', async () => {
    for (const b of bodies) expect(await zstdAsync(b)).toEqual(z.zstdCompressSync(b, level));
    const outs = await Promise.all(bodies.map((b) => zstdAsync(b)));
    outs.forEach((out, i) => expect(z.zstdDecompressSync(out)).toEqual(bodies[i]));
    expect(z.zstdDecompressSync(await zstdAsync('héllo ✓')).toString()).toBe('héllo ✓');
    expect(z.zstdDecompressSync(await zstdAsync(Buffer.alloc(0))).length).toBe(0);
  });
});
