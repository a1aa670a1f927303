/**
 * Output cut short is an error, as `cat` makes it (`cat: write error: No space left on device`, exit 1): `logs > file`
 * on a full disk used to exit 0 with the file silently incomplete. A closed pipe (`logs | head`) stays a quiet exit 0:
 * the reader wanted no more. /dev/full (every write fails with ENOSPC) for the stream path; a small tmpfs, where
 * `mount` is allowed, for a regular file (written with `writeSync`).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cliEnv, runCli, tempHome } from './harness.js';

const FAILED = /^error: the output could not be written, it is incomplete: ENOSPC: no space left on device/m;

/** The CLI with its stdout on `path` (opened for writing); stderr and the exit code back. */
function withStdoutOn(home: string, path: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const fd = openSync(path, 'w');
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(home), stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  const errPipe = child.stderr;
  if (errPipe === null) throw new Error('spawn gave no stderr pipe');
  let stderr = '';
  errPipe.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('output that cannot be written (built CLI, local store)', () => {
  const { home, cleanup } = tempHome('ddls-outfull-');
  const mountPoint = join(home, 'full');
  let mounted = false;

  beforeAll(async () => {
    const script = `let s='';for(let i=0;i<20000;i++)s+='line '+i+' '+'x'.repeat(60)+'\\n';process.stdout.write(s)`;
    expect((await runCli(['run', '-q', '--run-id', 'out-1', '--', 'node', '-e', script], { home })).code).toBe(0);
    mkdirSync(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'ignore' });
      mounted = true;
    } catch {
      process.stderr.write('output-full: the regular-file case skipped: `mount -t tmpfs` is not allowed here\n');
    }
  }, 60_000);
  afterAll(() => {
    if (mounted) execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
    cleanup();
  });

  const devFull = existsSync('/dev/full') ? it : it.skip;
  devFull.each(['text', 'jsonl'])('logs --output %s > /dev/full: one line naming the failure, exit 1', async (o) => {
    const r = await withStdoutOn(home, '/dev/full', ['logs', '--run-id', 'out-1', '--output', o]);
    expect(r.stderr).toMatch(FAILED);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(1);
  });

  // --no-exit keeps a follow going after the run ended: without the check at each print it never stopped.
  devFull(
    'logs --follow --no-exit > /dev/full: ends at the next print with the same line, exit 1',
    async () => {
      const r = await withStdoutOn(home, '/dev/full', ['logs', '--run-id', 'out-1', '--follow', '--no-exit']);
      expect(r.stderr).toMatch(FAILED);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.code).toBe(1);
    },
    30_000,
  );

  devFull('runs list > /dev/full: exit 1 as well', async () => {
    const r = await withStdoutOn(home, '/dev/full', ['runs', 'list']);
    expect(r.stderr).toMatch(FAILED);
    expect(r.code).toBe(1);
  });

  it.each(['text', 'jsonl', 'json', 'table'])('logs --output %s > a file on a full disk: exit 1', async (o) => {
    if (!mounted) return;
    const r = await withStdoutOn(home, join(mountPoint, `out.${o}`), ['logs', '--run-id', 'out-1', '--output', o]);
    rmSync(join(mountPoint, `out.${o}`), { force: true });
    expect(r.stderr).toMatch(FAILED);
    expect(r.code).toBe(1);
  });

  // --follow --no-exit never ends by itself: before the check, `logs --follow | head` polled on after head left.
  it.each([[[]], [['--follow', '--no-exit']]])(
    'a reader that closes the pipe early (| head) is not an error: exit 0, nothing on stderr (%j)',
    async (extra: string[]) => {
      const child = spawn(process.execPath, [BIN, 'logs', '--run-id', 'out-1', ...extra], {
        env: cliEnv(home),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toBe('');
      expect(code).toBe(0);
    },
    30_000,
  );
});
