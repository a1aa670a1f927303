import { describe, it, expect } from '@jest/globals';
import * as zlib from 'node:zlib';
import { gunzipKept } from './gunzip-kept.js';

const MAX = 256 * 1024 * 1024;

/** What gunzipSync gives (bytes or the error's code and message), and what gunzipKept gives, copied. */
function both(input: Buffer, max = MAX): { expected: unknown; actual: unknown } {
  const run = (f: () => Buffer): unknown => {
    try {
      return Buffer.from(f()).toString('base64');
    } catch (err) {
      const e = err as { code?: string; message: string };
      return { code: e.code, message: e.message };
    }
  };
  return {
    expected: run(() => zlib.gunzipSync(input, { maxOutputLength: max })),
    actual: run(() => gunzipKept(zlib, input, max)),
  };
}

function page(records: number, tag: string): Buffer {
  const events = Array.from({ length: records }, (_, i) => `{"id":"${tag}${i}","message":"line ${i} é ✓"}`);
  return Buffer.from(`{"data":[${events.join(',')}],"meta":{}}`);
}

describe('gunzipKept', () => {
  it('gives what gunzipSync gives, in one buffer kept from one answer to the next', () => {
    const a = page(1000, 'a');
    const b = page(900, 'b');
    const first = gunzipKept(zlib, zlib.gzipSync(a), MAX);
    expect(first.equals(a)).toBe(true);
    const second = gunzipKept(zlib, zlib.gzipSync(b), MAX);
    expect(second.equals(b)).toBe(true);
    // The same memory both times: the first answer's bytes were lent until this call.
    expect(second.buffer === first.buffer).toBe(true);
  });

  it('inflates an answer larger than its buffer with gunzipSync, then keeps a buffer that holds it', () => {
    const big = page(60_000, 'big');
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const once = gunzipKept(zlib, zlib.gzipSync(big), MAX);
    expect(once.equals(big)).toBe(true);
    const again = gunzipKept(zlib, zlib.gzipSync(big), MAX);
    expect(again.equals(big)).toBe(true);
    const third = gunzipKept(zlib, zlib.gzipSync(page(10, 'c')), MAX);
    expect(third.buffer === again.buffer).toBe(true);
  });

  it('fails, or ends, as gunzipSync does on what is not one whole gzip stream', () => {
    const gz = zlib.gzipSync(page(500, 'd'));
    const cases: [string, Buffer][] = [
      ['not gzip', Buffer.from('not gzip at all')],
      ['cut short', gz.subarray(0, gz.length >> 1)],
      ['no trailer', gz.subarray(0, gz.length - 4)],
      ['a wrong checksum', Buffer.concat([gz.subarray(0, gz.length - 8), Buffer.from([1, 2, 3, 4]), gz.subarray(-4)])],
      ['empty', Buffer.alloc(0)],
      ['two members', Buffer.concat([gz, zlib.gzipSync('and more')])],
      ['trailing junk', Buffer.concat([gz, Buffer.from('junk')])],
      ['trailing zeros', Buffer.concat([gz, Buffer.alloc(8)])],
    ];
    for (const [what, input] of cases) {
      const { expected, actual } = both(input);
      expect({ what, result: actual }).toEqual({ what, result: expected });
    }
    // Some of them are refused (else this would not test the error path).
    expect(cases.filter(([, input]) => typeof both(input).expected !== 'string').length).toBeGreaterThanOrEqual(3);
  });

  it('refuses an answer over maxOutputLength as gunzipSync does', () => {
    const { expected, actual } = both(zlib.gzipSync(page(100, 'e')), 1000);
    expect(typeof expected).not.toBe('string');
    expect(actual).toEqual(expected);
  });
});
