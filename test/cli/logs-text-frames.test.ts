/**
 * `logs --output text` of a one-stream local run is rendered from the segment frames' bytes (query/frame-text.ts);
 * `--tail N` (N above the record count) prints the same records through entries and renderText. The two must be the
 * same bytes for every kind of message: plain, unicode, tabs, control characters (escaped, or kept with --raw), C1
 * controls, multi-line records, with colour, and under --level, --since and --limit.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCli, tempHome } from './harness.js';

const CHILD = `
const lines = [
  'plain ascii line',
  'unicode: ünïcødé ✓ \\u{1f600} and a © sign',
  'a tab:\\there',
  // One control character a line: each must be seen on its own.
  'a bell \\x07 alone',
  'a SOH \\x01 alone',
  'a DEL \\x7f alone',
  'a C1 NEL \\u0085 alone',
  'a C1 CSI \\u009b alone',
  JSON.stringify({ message: 'first line\\nsecond line\\n\\tthird', level: 'error' }),
  'ERROR: something failed',
  'WARNING:app.db:slow query took 1532 ms',
  '2024-05-01 12:00:00,123 INFO app.worker: processed item 1 of the batch',
];
for (let i = 0; i < 3; i++) for (const l of lines) console.log(l);
console.error('on stderr');
`;

describe('logs text from the frames (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const cli = (args: string[], env?: Record<string, string>) => runCli(args, { home, ...(env ? { env } : {}) });
  beforeAll(async () => {
    const r = await cli(['run', '--run-id', 'tricky', '--', process.execPath, '-e', CHILD]);
    expect(r.code).toBe(0);
  });
  afterAll(() => cleanup());

  const both = async (args: string[], env?: Record<string, string>) => {
    const frames = await cli(['logs', '--run-id', 'tricky', ...args], env);
    const entries = await cli(['logs', '--run-id', 'tricky', '--tail', '1000', ...args], env);
    expect(frames.code).toBe(0);
    expect(entries.code).toBe(0);
    return { frames: frames.stdout, entries: entries.stdout };
  };

  it('prints the same bytes as the entry path, escaped or raw', async () => {
    const plain = await both([]);
    expect(plain.frames).toBe(plain.entries);
    // Every record, and what the escaping and indenting did.
    expect(plain.frames.split('\n').filter((l) => /^\d{4}-/.test(l))).toHaveLength(37);
    for (const shown of ['bell \\x07', 'SOH \\x01', 'DEL \\x7f', 'C1 NEL \\x85', 'C1 CSI \\x9b'])
      expect(plain.frames).toContain(`a ${shown} alone\n`);
    expect(plain.frames).toContain('first line\n    second line\n    \tthird\n');
    expect(plain.frames).toContain('unicode: ünïcødé ✓ \u{1f600} and a © sign\n');
    const raw = await both(['--raw']);
    expect(raw.frames).toBe(raw.entries);
    expect(raw.frames).toContain('a DEL \x7f alone\n');
  });

  it('with colour, --level, --since and --limit too', async () => {
    const colour = await both([], { FORCE_COLOR: '1' });
    expect(colour.frames).toBe(colour.entries);
    expect(colour.frames).toContain('\x1b[');
    const errors = await both(['--level', 'error']);
    expect(errors.frames).toBe(errors.entries);
    expect(errors.frames).not.toContain('plain ascii line');
    expect(errors.frames).toContain('ERROR: something failed');
    const since = await both(['--since', '2000-01-01T00:00:00Z']);
    expect(since.frames).toBe(since.entries);
    expect(since.frames).toContain('plain ascii line');
    const limited = await cli(['logs', '--run-id', 'tricky', '--limit', '3']);
    expect(limited.code).toBe(0);
    const all = await cli(['logs', '--run-id', 'tricky', '--tail', '1000']);
    expect(limited.stdout).toBe(all.stdout.split('\n').slice(0, 3).join('\n') + '\n');
    expect(limited.stderr).toBe('showing the first 3 records; more exist (raise --limit to see more)\n');
    // One is a record, not "1 records".
    const one = await cli(['logs', '--run-id', 'tricky', '--limit', '1']);
    expect(one.stderr).toBe('showing the first 1 record; more exist (raise --limit to see more)\n');
  });
});
