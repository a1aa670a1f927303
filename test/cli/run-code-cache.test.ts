import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMULATOR_KEYS, ROOT, runCli, tempHome, useEmulatorLogStore } from './harness.js';

/** The first line of a cache file of `run`'s bundle: the code paths (log store flavors) its runs took. */
function header(file: string): string {
  const bytes = readFileSync(file);
  return bytes.toString('latin1', 0, bytes.indexOf(10));
}

describe("run's code cache (bin/run-with-code-cache.cjs) follows the code paths runs take", () => {
  const { home, cleanup } = tempHome();
  // A temporary directory of the test's own: the code cache is written there.
  const tmp = mkdtempSync(join(tmpdir(), 'ddls-run-cache-'));
  const env = { ...EMULATOR_KEYS, TMPDIR: tmp };
  const key = /^\/\/ ([0-9a-f]{32})\n/.exec(readFileSync(join(ROOT, 'dist', 'bundle', 'run.cjs'), 'utf8'))?.[1];
  const cacheFile = join(
    tmp,
    `dd-logstore-code-cache-${process.getuid?.() ?? ''}`,
    `${key}-${process.version}-${process.arch}.bin`,
  );
  const run = async (logStore: string): Promise<void> => {
    const r = await runCli(['run', '-q', '--log-store', logStore, '--', 'echo', `to ${logStore}`], { home, env });
    expect(r.stdout).toBe(`to ${logStore}\n`);
    expect(r.code).toBe(0);
  };

  useEmulatorLogStore(home);
  afterAll(() => {
    cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('is written by the first run, and again only after a run of another flavor', async () => {
    expect(key).toBeDefined();
    expect(existsSync(cacheFile)).toBe(false);
    await run('default');
    expect(header(cacheFile)).toBe('paths run:local');
    const localOnly = readFileSync(cacheFile);
    await run('default');
    expect(readFileSync(cacheFile).equals(localOnly)).toBe(true);
    // The datadog shipping code was not in it: written again, with both paths.
    await run('dd');
    expect(header(cacheFile)).toBe('paths run:datadog,run:local');
    const both = readFileSync(cacheFile);
    expect(both.equals(localOnly)).toBe(false);
    await run('dd');
    await run('default');
    expect(readFileSync(cacheFile).equals(both)).toBe(true);
  }, 60_000);

  it('is written by a busy run (V8 tuned for it on Node 20) so that the next runs accept it, not each replace it', async () => {
    rmSync(cacheFile, { force: true });
    // ~590 KB of output: past BUSY_RUN_BYTES, so Node 20's run raises V8's interrupt budget (core/jit-tuning.ts).
    const busy = async (): Promise<void> => {
      const r = await runCli(['run', '-q', '--log-store', 'dd', '--', 'seq', '1', '100000'], { home, env });
      expect(r.code).toBe(0);
      expect(r.stdout.endsWith('\n99999\n100000\n')).toBe(true);
    };
    await busy();
    const written = readFileSync(cacheFile);
    // A cache V8 rejected (stamped with other flags) would be written again by each of these.
    await run('dd');
    await busy();
    expect(readFileSync(cacheFile).equals(written)).toBe(true);
  }, 60_000);

  it('replaces a file without the paths line (an older cache) and still runs', async () => {
    writeFileSync(cacheFile, 'not a cache of ours');
    await run('dd');
    expect(header(cacheFile)).toBe('paths run:datadog');
  }, 30_000);
});

describe("run's bundle is read as Latin-1 only when it is ASCII (bin/run-with-code-cache.cjs)", () => {
  // A copy of the bin beside a bundle of our own making: the bin reads ../dist/bundle/run.cjs.
  const dir = mkdtempSync(join(tmpdir(), 'ddls-run-text-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
  const runBundle = (body: string): { stdout: string; status: number | null } => {
    writeFileSync(
      join(dir, 'dist', 'bundle', 'run.cjs'),
      `// ${'0'.repeat(32)}\n(function (exports, require, module, __ddBundleUrl, __ddImport) {${body}\n})`,
    );
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'dd-logstore.js'), 'run', '--', 'true'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' },
    });
    return { stdout: r.stdout, status: r.status };
  };

  it('reads a bundle with a character beyond ASCII as UTF-8', () => {
    const r = runBundle('exports.mainExitCode = async () => (process.stdout.write("h\u00e9 \u2713\\n"), 3);');
    expect(r).toEqual({ stdout: 'h\u00e9 \u2713\n', status: 3 });
  });

  it('reads an ASCII bundle to the same text', () => {
    const r = runBundle('exports.mainExitCode = async () => (process.stdout.write("h\\u00e9 \\u2713\\n"), 4);');
    expect(r).toEqual({ stdout: 'h\u00e9 \u2713\n', status: 4 });
  });
});
