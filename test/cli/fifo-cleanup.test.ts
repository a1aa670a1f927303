import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, tempHome } from './harness.js';

/** The FIFOs' own directories (`dd-logstore-XXXXXX`) left in `dir`: the spares' and the code cache's are meant to stay. */
const leftovers = (dir: string): string[] => readdirSync(dir).filter((n) => /^dd-logstore-[A-Za-z0-9]{6}$/.test(n));

describe('run leaves no FIFO directory in the temporary directory when it stops before the child (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const tmp = mkdtempSync(join(tmpdir(), 'ddls-fifo-clean-'));
  afterAll(() => {
    cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a log store that does not exist (exit 125), with no spare FIFOs yet (mkfifo is still running)', async () => {
    // A fresh temporary directory has no spares: this run makes its pair with mkfifo, in the background.
    const r = await runCli(['run', '--log-store', 'nosuch', '--', 'true'], { home, env: { TMPDIR: tmp } });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/no log store named 'nosuch'/);
    expect(leftovers(tmp)).toEqual([]);
    // And a run that goes on uses the spares, and leaves nothing either.
    expect((await runCli(['run', '-q', '--', 'true'], { home, env: { TMPDIR: tmp } })).code).toBe(0);
    expect(leftovers(tmp)).toEqual([]);
  }, 30_000);
});
