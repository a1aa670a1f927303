/**
 * A directory that cannot be made where mkdir(2) answers ENOENT under a parent that exists (any path under /proc):
 * Node's recursive mkdir loops there for ever at full CPU, ignoring SIGTERM, so `run` never started the command.
 * Now the command runs, its exit code comes back, its lines are kept in the spool, and `verify` names the directory.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { runCli, tempHome } from './harness.js';

const onLinux = existsSync('/proc/self');
const { home, cleanup } = tempHome();
afterAll(cleanup);

(onLinux ? describe : describe.skip)('a local store under /proc', () => {
  it('register, run and verify end, with the reason', async () => {
    const reg = await runCli(['log-store', 'register', 'procfs', '--flavor=local', '--path=/proc/dd-logstore-nope'], {
      home,
    });
    expect(reg.code).toBe(0);
    const run = await runCli(
      ['run', '--log-store', 'procfs', '--', process.execPath, '-e', 'console.log("x"); process.exit(4)'],
      {
        home,
        timeoutMs: 60_000,
      },
    );
    expect([run.signal, run.code, run.stdout]).toEqual([null, 4, 'x\n']);
    expect(run.stderr).toContain('1 spooled');
    expect(run.stderr).toContain("mkdir '/proc/dd-logstore-nope'");
    const verify = await runCli(['log-store', 'verify', 'procfs'], { home, timeoutMs: 60_000 });
    expect([verify.signal, verify.code]).toEqual([null, 1]);
    expect(verify.stdout + verify.stderr).toMatch(
      /directory\s+FAILED\s+cannot write to \/proc\/dd-logstore-nope: ENOENT/,
    );
  }, 150_000);

  it('as DD_LOGSTORE_HOME: a one-line error, not a hang', async () => {
    const r = await runCli(['stack', 'list'], { home: '/proc/dd-logstore-home', timeoutMs: 60_000 });
    expect(r.signal).toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('/proc/dd-logstore-home');
  }, 90_000);
});
