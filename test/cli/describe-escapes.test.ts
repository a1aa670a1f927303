/** `runs describe` and `runs list` show a step name's escape sequences escaped, as `logs` shows records; json keeps them. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempHome } from './harness.js';

describe('runs describe escapes control characters', () => {
  const { home, cleanup } = tempHome();
  afterAll(cleanup);

  it('a step name that would clear the screen is printed escaped; json keeps it as it is', async () => {
    const step = 'train\x1b[2J\x1b]0;owned\x07';
    // run refuses such a name now (cli/name-flags.ts); a record an older version wrote can still hold one.
    const r = await runCli(['run', '--quiet', '--run-id', 'esc', '--step', 'train', '--', 'true'], { home });
    expect(r.code).toBe(0);
    const file = join(home, 'runs', 'esc.json');
    const record = JSON.parse(readFileSync(file, 'utf8')) as { steps: { name: string }[] };
    record.steps[0]!.name = step;
    writeFileSync(file, JSON.stringify(record));
    const text = await runCli(['runs', 'describe', 'esc', '--output', 'text'], { home });
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain('\x1b');
    expect(text.stdout).not.toContain('\x07');
    expect(text.stdout).toContain('train\\x1b[2J');
    const json = await runCli(['runs', 'describe', 'esc', '--output', 'json'], { home });
    expect((JSON.parse(json.stdout) as { steps: { name: string }[] }).steps[0]?.name).toBe(step);
    // runs list too, in its table and its text (before: the STEPS column played the sequences, clearing the screen).
    for (const output of ['table', 'text']) {
      const list = await runCli(['runs', 'list', '--output', output], { home });
      expect(list.code).toBe(0);
      expect(list.stdout).not.toContain('\x1b');
      expect(list.stdout).not.toContain('\x07');
      expect(list.stdout).toContain('train\\x1b[2J\\x1b]0;owned\\x07');
    }
    const listed = await runCli(['runs', 'list', '--output', 'json'], { home });
    expect((JSON.parse(listed.stdout) as { steps: { name: string }[] }[])[0]?.steps[0]?.name).toBe(step);
  });
});
