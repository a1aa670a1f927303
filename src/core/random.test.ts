import { describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from './random.js';

describe('random', () => {
  it('makes version 4 UUIDs, each new', () => {
    const ids = Array.from({ length: 200 }, () => randomUUID());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives the bytes asked for, across refills of its pool and beyond its size', () => {
    const small = Array.from({ length: 300 }, () => randomBytes(6).toString('hex'));
    expect(small.every((h) => h.length === 12)).toBe(true);
    expect(new Set(small).size).toBe(small.length);
    const big = randomBytes(4096);
    expect(big.length).toBe(4096);
    // 4096 random bytes take most of the 256 values.
    expect(new Set(big).size).toBeGreaterThan(200);
  });
});
