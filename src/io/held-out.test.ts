import { describe, expect, it } from '@jest/globals';
import { createHeldOut } from './held-out.js';
import { Redactor } from './redact.js';

/** Lines of every length up to past the buffer, ASCII and not (2-, 3- and 4-byte characters, a lone surrogate). */
function lines(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 400; i++) out.push(`${i} ${'é—😀x'.repeat(i * 7)}\n`);
  out.push(`${'y'.repeat(70_000)}\n`, 'lone \ud800 surrogate\n', '');
  return out;
}

describe('createHeldOut', () => {
  it('writes the UTF-8 of what it was given, in order, whatever the sink does with its buffers', () => {
    for (const keeps of [false, true]) {
      const written: Buffer[] = [];
      // A sink that keeps the buffers it is given must see them unchanged after later writes.
      const held = createHeldOut((b) => (written.push(keeps ? b : Buffer.from(b)), !keeps), new Redactor());
      for (const l of lines()) held.write(l);
      expect(held.holding).toBe(true);
      held.flush();
      expect(held.holding).toBe(false);
      expect(Buffer.concat(written).equals(Buffer.from(lines().join(''), 'utf8'))).toBe(true);
      expect(written.length).toBeGreaterThan(10);
      expect(Math.max(...written.map((b) => b.length))).toBe(70_001);
    }
  });

  it('holds until flushed or full, and a flush with nothing held writes nothing', () => {
    const written: Buffer[] = [];
    const held = createHeldOut((b) => (written.push(Buffer.from(b)), true), new Redactor());
    held.flush();
    held.write('a line\n');
    expect(written).toHaveLength(0);
    held.flush();
    expect(written.map(String)).toEqual(['a line\n']);
  });

  it('masks every secret in each piece, a long one too', () => {
    const r = new Redactor();
    r.add('s3cret-value');
    r.add('other-k3y');
    let out = '';
    const held = createHeldOut((b) => ((out += b.toString('utf8')), true), r);
    held.write('token=s3cret-value and other-k3y\n');
    held.write('nothing here\n');
    held.write(`${'z'.repeat(30_000)} s3cret-value\n`);
    held.flush();
    expect(out).toBe(`token=**** and ****\nnothing here\n${'z'.repeat(30_000)} ****\n`);
  });
});
