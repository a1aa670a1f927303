import { describe, it, expect } from '@jest/globals';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('writes what toISOString writes', () => {
    const times = [
      0,
      1,
      999,
      1000,
      86_399_999,
      951_782_400_000,
      1_714_564_800_123,
      Date.now(),
      -1,
      -62_135_596_800_000,
    ];
    // The edges of four-digit years (0000 and 9999), and beyond them, where toISOString writes six digits and a sign.
    times.push(-62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15);
    for (const t of times) expect(isoTime(new Date(t))).toBe(new Date(t).toISOString());
  });

  it('throws as toISOString does for an invalid date', () => {
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});
