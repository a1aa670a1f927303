import { describe, it, expect } from '@jest/globals';
import { MAX_MESSAGE_BYTES, splitMessage } from './message-parts.js';

/** A part's size as the intake measures it: its JSON string, quotes aside. */
const jsonSize = (s: string) => Buffer.byteLength(JSON.stringify(s)) - 2;

describe('splitMessage', () => {
  it('keeps a message under the limit whole', () => {
    expect(splitMessage('hello')).toEqual(['hello']);
    const big = 'x'.repeat(MAX_MESSAGE_BYTES);
    expect(splitMessage(big)).toEqual([big]);
  });

  it('splits on character boundaries and joins back to the original', () => {
    // 3-byte and 4-byte characters, so cuts land inside characters unless they back off.
    const message = 'a€😀'.repeat(1000);
    const parts = splitMessage(message, 100);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join('')).toBe(message);
    for (const part of parts) {
      expect(Buffer.byteLength(part)).toBeLessThanOrEqual(100);
      expect(part).not.toContain('\ufffd');
    }
  });

  it('splits one byte over the limit into two parts', () => {
    const parts = splitMessage('y'.repeat(MAX_MESSAGE_BYTES + 1));
    expect(parts.map((p) => p.length)).toEqual([MAX_MESSAGE_BYTES, 1]);
  });

  it('sizes parts by their JSON escapes: quotes, backslashes, control characters, lone surrogates', () => {
    const cases = [
      '{"k": "v\\\\"}, '.repeat(100_000), // JSON text: each `"` and `\` two bytes
      '\u0000'.repeat(1_500_000), // NULs: six bytes each (`\u0000`)
      'a\tb\nc\u0001\u001f'.repeat(300_000),
      '\ud800x'.repeat(200_000), // lone surrogates: `\ud800`
    ];
    for (const message of cases) {
      const parts = splitMessage(message);
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.join('')).toBe(message);
      for (const part of parts) expect(jsonSize(part)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      // Full parts, not many small ones: all but the last within a few bytes of the limit.
      for (const part of parts.slice(0, -1)) expect(jsonSize(part)).toBeGreaterThan(MAX_MESSAGE_BYTES - 8);
    }
  });
});
