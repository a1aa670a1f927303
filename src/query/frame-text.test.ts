import { describe, expect, it } from '@jest/globals';
import { createPrintableCheck } from './frame-text.js';

const naive = (b: Buffer, start: number, end: number): boolean => {
  for (let i = start; i < end; i++) if ((b[i] as number) < 0x20 || (b[i] as number) > 0x7e) return false;
  return true;
};

describe('createPrintableCheck', () => {
  it('says what a byte-by-byte check says, for every span and alignment', () => {
    // Mostly printable bytes, with the values either side of each bound and a few of everything else.
    const edges = [0x00, 0x09, 0x0a, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0x9f, 0xa0, 0xc2, 0xfe, 0xff];
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const check = createPrintableCheck();
    let printable = 0;
    let tried = 0;
    for (let round = 0; round < 400; round++) {
      // A view at each offset of a larger buffer: the words are read from the memory under it.
      const whole = Buffer.alloc(96 + 8);
      const b = whole.subarray(round % 8, (round % 8) + 96);
      for (let i = 0; i < b.length; i++)
        b[i] = random(20) === 0 ? (edges[random(edges.length)] as number) : 0x20 + random(95);
      for (let t = 0; t < 40; t++) {
        const start = random(b.length);
        const end = start + random(b.length - start + 1);
        const expected = naive(b, start, end);
        expect([round, start, end, check(b, start, end)]).toEqual([round, start, end, expected]);
        if (expected) printable++;
        tried++;
      }
    }
    // Both answers were seen often.
    expect(printable).toBeGreaterThan(tried / 10);
    expect(printable).toBeLessThan(tried - tried / 10);
  });

  it('reads memory of any length, shared by several buffers, and memory that grew', () => {
    const check = createPrintableCheck();
    for (let size = 0; size < 23; size++) {
      // Views at each offset of one ArrayBuffer of every length, checked in turn: one cached view serves them all.
      const memory = new ArrayBuffer(size);
      const whole = Buffer.from(memory);
      whole.fill(0x61);
      for (let offset = 0; offset <= size; offset++) {
        const b = Buffer.from(memory, offset);
        for (let start = 0; start <= b.length; start++)
          for (let end = start; end <= b.length; end++) {
            expect(check(b, start, end)).toBe(true);
            if (end > start) {
              b[end - 1] = 0x7f;
              expect([size, offset, start, end, check(b, start, end)]).toEqual([size, offset, start, end, false]);
              b[end - 1] = 0x61;
            }
          }
      }
    }
    // A resizable ArrayBuffer that grows after a check: its new bytes are read, not taken as printable.
    const Resizable = ArrayBuffer as unknown as new (
      n: number,
      o: { maxByteLength: number },
    ) => ArrayBuffer & {
      resize?: (n: number) => void;
    };
    const memory = new Resizable(8, { maxByteLength: 64 });
    if (typeof memory.resize === 'function') {
      const first = Buffer.from(memory);
      first.fill(0x61);
      expect(check(first, 0, 8)).toBe(true);
      memory.resize(32);
      const grown = Buffer.from(memory);
      grown.fill(0x61, 8);
      grown[20] = 0x00;
      expect(check(grown, 0, 32)).toBe(false);
      expect(check(grown, 0, 20)).toBe(true);
    }
  });

  it('finds one byte out of range at any place of a long span', () => {
    const check = createPrintableCheck();
    const b = Buffer.alloc(64, 'a');
    expect(check(b, 0, 64)).toBe(true);
    for (const bad of [0x00, 0x1f, 0x7f, 0x80, 0xff])
      for (let at = 0; at < 64; at++) {
        b[at] = bad;
        expect([bad, at, check(b, 0, 64), check(b, 1, 63)]).toEqual([bad, at, false, at === 0 || at === 63]);
        b[at] = 0x61;
      }
  });
});
