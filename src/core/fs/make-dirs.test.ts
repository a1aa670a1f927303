import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirs, makeDirsSync } from './make-dirs.js';

const root = mkdtempSync(join(tmpdir(), 'make-dirs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each([
  ['makeDirsSync', (dir: string, mode?: number) => Promise.resolve().then(() => makeDirsSync(dir, mode))],
  ['makeDirs', makeDirs],
] as const)('%s', (name, make) => {
  it('makes every missing directory with the mode, and is done when they are there', async () => {
    const dir = join(root, name, 'a', 'b', 'c');
    await make(dir, 0o700);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(statSync(join(root, name, 'a')).mode & 0o777).toBe(0o700);
    await make(dir, 0o700);
  });

  it('refuses a path under a file, or a file in the way', async () => {
    const file = join(root, `${name}-file`);
    writeFileSync(file, 'x');
    await expect(make(join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(make(file)).rejects.toMatchObject({ code: 'EEXIST' });
  });

  // Node's own recursive mkdir never returns here (mkdir of /proc/x is ENOENT, /proc exists): a second ENOENT ends it.
  it.each(['/proc/dd-logstore-nope', '/proc/dd-logstore-nope/deeper'])(
    'ends with ENOENT under /proc: %s',
    async (dir) => {
      if (!existsSync('/proc/self')) return;
      await expect(make(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    },
  );
});
