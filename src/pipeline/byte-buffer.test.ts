import { describe, it, expect } from '@jest/globals';
import { createByteBuffer } from './byte-buffer.js';

describe('ByteBuffer.writeUint', () => {
  it('writes what String() gives, for runs of consecutive numbers across every carry, jumps and repeats', () => {
    const numbers: number[] = [];
    for (const start of [0, 7, 95, 995, 9_995, 999_990, 99_999_995, 2 ** 53 - 20])
      for (let n = start; n < start + 15; n++) numbers.push(n);
    // Back, the same again, forward by more than one, after an unsafe or odd value.
    numbers.push(5, 5, 6, 1_000, 999, 1_000, 1_001, -1, 1_002, Number.NaN, 1_003, 1.5, 1_004, 2 ** 53, 1_005);
    const out = createByteBuffer(16);
    for (const n of numbers) {
      out.writeUint(n);
      out.writeByte(0x2c);
    }
    const expected = numbers.map((n) =>
      Number.isSafeInteger(n) && n >= 0 ? String(n) : Number.isFinite(n) ? String(n) : '0',
    );
    expect(out.bytes().toString('latin1')).toBe(expected.map((s) => s + ',').join(''));
  });

  it('grows the buffer for the digits it writes', () => {
    const out = createByteBuffer(1);
    for (let n = 9_999_990; n < 10_000_500; n++) out.writeUint(n);
    let expected = '';
    for (let n = 9_999_990; n < 10_000_500; n++) expected += String(n);
    expect(out.bytes().toString('latin1')).toBe(expected);
  });
});
