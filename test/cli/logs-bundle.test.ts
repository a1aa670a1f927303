import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, EMULATOR_KEYS, ROOT, runCli, tempHome, useEmulatorLogStore } from './harness.js';
import type { CliResult } from './harness.js';

/** The split ESM bundle's entry: what every command but `run` and `logs` loads (bin/dd-logstore.js). */
const SPLIT_MAIN = join(ROOT, 'dist', 'bundle', 'main.js');
const LOGS_BUNDLE = join(ROOT, 'dist', 'bundle', 'logs.cjs');

/** The CLI through the split bundle, without the bin: `logs` as it ran before it had a bundle of its own. */
function runSplit(args: readonly string[], home: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SPLIT_MAIN, ...args], { env: cliEnv(home, env) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end();
  });
}

describe('dd-logstore logs from its code-cached bundle (dist/bundle/logs.cjs)', () => {
  const { home, cleanup } = tempHome();
  // A temporary directory of the test's own: the code cache is written there, where the test can look for it.
  const tmp = mkdtempSync(join(tmpdir(), 'ddls-logs-bundle-'));
  const env = { ...EMULATOR_KEYS, TMPDIR: tmp };

  useEmulatorLogStore(home);
  beforeAll(async () => {
    for (const step of ['prep', 'train']) {
      const r = await runCli(
        [
          'run',
          '--log-store',
          'dd',
          '--run-id',
          'bundled-1',
          '--step',
          step,
          '--',
          'sh',
          '-c',
          `for i in 1 2 3 4 5; do echo "${step} line $i"; echo "WARNING: ${step} warn $i" >&2; done`,
        ],
        { home, env },
      );
      expect(r.code).toBe(0);
    }
  }, 60_000);
  afterAll(() => {
    cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('prints what the split bundle prints, for every output and filter, with and without its code cache', async () => {
    const cases = [
      ['--output', 'jsonl'],
      ['--output', 'json'],
      ['--output', 'text'],
      ['--output', 'table'],
      ['--output', 'jsonl', '--level', 'warn', '--step', 'train'],
      ['--output', 'text', '--limit', '3'],
      ['--output', 'text', '--tail', '2', '--grep', 'line'],
    ];
    const hash = /^\/\/ ([0-9a-f]{32})\n/.exec(readFileSync(LOGS_BUNDLE, 'utf8'))?.[1];
    expect(hash).toBeDefined();
    const cacheFile = join(
      tmp,
      `dd-logstore-code-cache-${process.getuid?.() ?? ''}`,
      `${hash ?? ''}-${process.version}-${process.arch}.bin`,
    );
    expect(existsSync(cacheFile)).toBe(false);
    for (const flags of cases) {
      const args = ['logs', '--run-id', 'bundled-1', ...flags];
      const before = await runSplit(args, home, env);
      expect(before.code).toBe(0);
      expect(before.stdout).not.toBe('');
      // The first bundled run writes the cache, the next ones read it; then with the cache turned off.
      for (const extra of [{}, {}, { NODE_DISABLE_COMPILE_CACHE: '1' }]) {
        const bundled = await runCli(args, { home, env: { ...env, ...extra } });
        expect({ ...bundled, flags }).toEqual({ ...before, flags });
      }
      expect(existsSync(cacheFile)).toBe(true);
    }
  }, 120_000);

  it('fails, asks for help and refuses flags as the split bundle does', async () => {
    for (const args of [
      ['logs', '--run-id', 'no-such-run'],
      ['logs', '--help'],
      ['logs', '--output', 'yaml', '--run-id', 'bundled-1'],
      ['logs'],
    ]) {
      const before = await runSplit(args, home, env);
      const bundled = await runCli(args, { home, env });
      expect({ ...bundled, args }).toEqual({ ...before, args });
    }
  }, 60_000);
});
