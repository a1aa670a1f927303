/**
 * The child's FIFOs come from spares an earlier run made (src/runner/child-pipes.ts): one `mkfifo` exec makes a
 * run's own pair and 8 spares, and the next runs claim one each. Built CLI, local store, a TMPDIR of its own.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, tempHome } from './harness.js';

describe('run: spare FIFOs', () => {
  const { home, cleanup } = tempHome();
  const tmp = mkdtempSync(join(tmpdir(), 'ddls-spares-'));
  afterAll(() => {
    cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });
  const spareDir = join(tmp, `dd-logstore-fifos-${process.getuid?.()}`);
  const names = (ext: string) => readdirSync(spareDir).filter((n) => n.endsWith(ext));
  const whole = () => names('.out').filter((n) => names('.err').includes(n.replace(/\.out$/, '.err')));
  // The child says whether its stdout and stderr are FIFOs (a plain pipe, as under `cmd | tee`), then prints a token.
  const run = (token = 'x') =>
    runCli(['run', '-q', '--', 'sh', '-c', `test -p /dev/stdout && test -p /dev/stderr && echo fifo; echo ${token}`], {
      home,
      env: { TMPDIR: tmp },
      timeoutMs: 30_000,
    });

  it("the exec that makes a run's pair makes 8 spares; the next run takes one and its child writes to it", async () => {
    expect(await run()).toMatchObject({ code: 0, stdout: 'fifo\nx\n' });
    expect(statSync(spareDir).mode & 0o777).toBe(0o700);
    expect(whole()).toHaveLength(8);
    expect(readdirSync(spareDir)).toHaveLength(16);
    for (const name of readdirSync(spareDir)) expect(lstatSync(join(spareDir, name)).isFIFO()).toBe(true);
    expect(await run()).toMatchObject({ code: 0, stdout: 'fifo\nx\n' });
    // Both names of the pair taken are gone: the pipes live on in the open descriptors.
    expect(whole()).toHaveLength(7);
    expect(readdirSync(spareDir)).toHaveLength(14);
  });

  it('runs started together each take a pair of their own: none sees the output of another', async () => {
    const tokens = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
    const results = await Promise.all(tokens.map((t) => run(t)));
    results.forEach((r, i) => expect(r).toMatchObject({ code: 0, stdout: `fifo\n${tokens[i]}\n` }));
    expect(whole()).toHaveLength(1);
  });

  it('a spare without its stderr half is dropped on the way; the run that finds none left makes new ones', async () => {
    expect(await run()).toMatchObject({ code: 0, stdout: 'fifo\nx\n' });
    expect(readdirSync(spareDir)).toEqual([]);
    // A half a killed run could leave behind.
    expect(spawnSync('mkfifo', ['-m', '600', join(spareDir, 'lone.out')]).status).toBe(0);
    expect(await run()).toMatchObject({ code: 0, stdout: 'fifo\nx\n' });
    expect(names('.out')).not.toContain('lone.out');
    expect(whole()).toHaveLength(8);
    expect(readdirSync(spareDir)).toHaveLength(16);
  });

  it('a spare directory others may write to is neither used nor filled', async () => {
    chmodSync(spareDir, 0o777);
    const before = readdirSync(spareDir).sort();
    expect(await run()).toMatchObject({ code: 0, stdout: 'fifo\nx\n' });
    expect(readdirSync(spareDir).sort()).toEqual(before);
  });
});
