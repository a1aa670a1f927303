import { describe, it, expect } from '@jest/globals';
import { MAX_MESSAGE_BYTES, splitMessage } from './message-parts.js';

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
});
