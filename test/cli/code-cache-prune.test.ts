import { afterAll, describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli, tempHome } from './harness.js';

const { MAX_CACHES } = createRequire(import.meta.url)(join(ROOT, 'bin', 'run-with-code-cache.cjs')) as {
  MAX_CACHES: number;
};

describe("run's code cache directory is pruned when a cache is written (bin/run-with-code-cache.cjs)", () => {
  const { home, cleanup } = tempHome();
  const tmp = mkdtempSync(join(tmpdir(), 'ddls-cache-prune-'));
  const dir = join(tmp, `dd-logstore-code-cache-${process.getuid?.() ?? ''}`);
  afterAll(() => {
    cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('keeps the newest caches, removes older ones and dead temporary files, and leaves other files alone', async () => {
    const key = /^\/\/ ([0-9a-f]{32})\n/.exec(readFileSync(join(ROOT, 'dist', 'bundle', 'run.cjs'), 'utf8'))?.[1];
    expect(key).toBeDefined();
    const ours = `${key}-${process.version}-${process.arch}.bin`;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const now = Date.now() / 1000;
    // Other builds' caches, the first written longest ago (hours apart).
    const others = Array.from({ length: MAX_CACHES + 2 }, (_, i) => `${String(i).padStart(32, 'a')}-v20.0.0-x64.bin`);
    others.forEach((name, i) => {
      writeFileSync(join(dir, name), 'paths run:local\n');
      utimesSync(join(dir, name), now - (others.length - i) * 3600, now - (others.length - i) * 3600);
    });
    const deadTemp = `${others[0]}.123.tmp`;
    const liveTemp = `${others[1]}.456.tmp`;
    writeFileSync(join(dir, deadTemp), '');
    utimesSync(join(dir, deadTemp), now - 2 * 3600, now - 2 * 3600);
    writeFileSync(join(dir, liveTemp), '');
    writeFileSync(join(dir, 'notes.txt'), 'not ours');

    const r = await runCli(['run', '-q', '--', 'true'], { home, env: { TMPDIR: tmp } });
    expect(r.code).toBe(0);

    const left = new Set(readdirSync(dir));
    expect(left.has(ours)).toBe(true);
    // Ours and the newest MAX_CACHES - 1 of the others stay.
    const kept = others.slice(others.length - (MAX_CACHES - 1));
    for (const name of others) expect([name, left.has(name)]).toEqual([name, kept.includes(name)]);
    expect(left.has(deadTemp)).toBe(false);
    expect(left.has(liveTemp)).toBe(true);
    expect(left.has('notes.txt')).toBe(true);
  }, 30_000);

  it('does not prune when no cache is written (a run that finds its cache)', async () => {
    const extra = join(dir, `${'f'.repeat(32)}-v18.0.0-x64.bin`);
    writeFileSync(extra, 'paths run:local\n');
    utimesSync(extra, 1, 1);
    const r = await runCli(['run', '-q', '--', 'true'], { home, env: { TMPDIR: tmp } });
    expect(r.code).toBe(0);
    expect(existsSync(extra)).toBe(true);
  }, 30_000);
});
