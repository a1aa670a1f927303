/**
 * A Python child under `run` stays live and in order without PYTHONUNBUFFERED: our sitecustomize flushes its
 * block-buffered stdout/stderr on a short timer, then runs the user's own sitecustomize.
 * These machines export PYTHONUNBUFFERED=1 in every shell; a user's plain shell does not, so it is unset here.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cliEnv, ROOT, runCli, tempHome } from './harness.js';

const PLAIN_SHELL = { PYTHONUNBUFFERED: undefined, PYTHONPATH: undefined };

describe('a Python child under run (built CLI, local store)', () => {
  const { home, cleanup } = tempHome();
  afterAll(cleanup);

  it('a line printed reaches our stdout while the child still runs, without PYTHONUNBUFFERED', async () => {
    const flag = join(home, 'seen-first-line');
    // The child prints a line, then waits (up to 20 s) for the test to have seen it; it exits 3 if nobody did.
    const script = [
      'import os, sys, time',
      'print("first line")',
      'deadline = time.time() + 20',
      `while not os.path.exists(${JSON.stringify(flag)}) and time.time() < deadline: time.sleep(0.02)`,
      `print("unbuffered=%s" % os.environ.get("PYTHONUNBUFFERED"))`,
      `sys.exit(0 if os.path.exists(${JSON.stringify(flag)}) else 3)`,
    ].join('\n');
    const child = spawn(
      process.execPath,
      [BIN, 'run', '--quiet', '--run-id', 'live-1', '--', 'python3', '-c', script],
      {
        env: cliEnv(home, PLAIN_SHELL),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('first line\n') && !existsSync(flag)) writeFileSync(flag, '');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(out).toBe('first line\nunbuffered=None\n');
    expect(code).toBe(0);
    const logs = await runCli(['logs', '--run-id', 'live-1', '--output', 'jsonl'], { home });
    expect(
      logs.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { message: string }).message),
    ).toEqual(['first line', 'unbuffered=None']);
  }, 60_000);

  it('keeps the order within each stream, explicit flush() included, on the terminal and in the records', async () => {
    const script = [
      'import sys',
      'for i in range(20000):',
      '    if i % 10 == 9: print("err %d" % i, file=sys.stderr)',
      '    else: print("out %d" % i)',
      '    if i % 1000 == 0: sys.stdout.flush()',
    ].join('\n');
    const r = await runCli(['run', '--quiet', '--run-id', 'order-1', '--', 'python3', '-c', script], {
      home,
      env: PLAIN_SHELL,
    });
    expect(r.code).toBe(0);
    const expected = { out: [] as string[], err: [] as string[] };
    for (let i = 0; i < 20000; i++)
      (i % 10 === 9 ? expected.err : expected.out).push(i % 10 === 9 ? `err ${i}` : `out ${i}`);
    expect(r.stdout).toBe(expected.out.map((l) => `${l}\n`).join(''));
    expect(r.stderr).toBe(expected.err.map((l) => `${l}\n`).join(''));
    const logs = await runCli(['logs', '--run-id', 'order-1', '--output', 'jsonl'], { home });
    const records = logs.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { message: string; attributes: Record<string, unknown> });
    const stream = (name: string) =>
      records.filter((x) => x.attributes['dd_logstore.stream'] === name).map((x) => x.message);
    expect(stream('stdout')).toEqual(expected.out);
    expect(stream('stderr')).toEqual(expected.err);
  }, 60_000);

  it('the flusher is stopped before Python exits: no fatal error on a lock held at shutdown', () => {
    // Our hook with a 10 µs period, so a flush is almost always running when the script ends: a daemon thread
    // still inside flush() at shutdown makes CPython abort (exit 134). The hook must join it first (atexit).
    const hook = readFileSync(join(ROOT, 'src', 'runner', 'python', 'sitecustomize.py'), 'utf8');
    const fast = hook.replace(/^_FLUSH_SECONDS = .*$/m, '_FLUSH_SECONDS = 0.00001');
    expect(fast).not.toBe(hook);
    const dir = join(home, 'fast-hook');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'sitecustomize.py'), fast);
    const script =
      'import sys\nfor i in range(3000): print("line %d" % i, file=sys.stderr if i % 10 == 9 else sys.stdout)';
    for (let i = 0; i < 20; i++) {
      const r = spawnSync('python3', ['-c', script], {
        env: { ...cliEnv(home, PLAIN_SHELL), PYTHONPATH: dir },
        encoding: 'utf8',
        maxBuffer: 16 << 20,
      });
      expect(r.stderr).not.toContain('Fatal Python error');
      expect(r.status).toBe(0);
      expect(r.stdout.split('\n')).toHaveLength(2701);
    }
  }, 60_000);

  it("runs the user's own sitecustomize, keeps their PYTHONPATH, and hides ours from sys.path", async () => {
    const userDir = join(home, 'user-site');
    mkdirSync(userDir, { recursive: true });
    writeFileSync(join(userDir, 'sitecustomize.py'), 'import sys\nsys.user_customized = True\n');
    const script = [
      'import sys, sitecustomize',
      'print(getattr(sys, "user_customized", False))',
      'print(sitecustomize.__file__)',
      `print(any("runner/python" in p for p in sys.path), ${JSON.stringify(userDir)} in sys.path)`,
    ].join('\n');
    const r = await runCli(['run', '--quiet', '--', 'python3', '-c', script], {
      home,
      env: { ...PLAIN_SHELL, PYTHONPATH: userDir },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`True\n${join(userDir, 'sitecustomize.py')}\nFalse True\n`);
  }, 60_000);

  it('a child that is not Python sees our hook directory first on PYTHONPATH and nothing else changed', async () => {
    const printEnv = join(ROOT, 'test', 'fixtures', 'print-env.mjs');
    const env = async (extra: NodeJS.ProcessEnv) =>
      JSON.parse(
        (
          await runCli(['run', '--quiet', '--', process.execPath, printEnv], {
            home,
            env: { ...PLAIN_SHELL, ...extra },
          })
        ).stdout,
      ) as Record<string, string | null>;
    const hook = join(ROOT, 'dist', 'runner', 'python');
    expect(await env({})).toMatchObject({ PYTHONPATH: hook, PYTHONUNBUFFERED: null });
    expect(await env({ PYTHONPATH: '/opt/mine' })).toMatchObject({ PYTHONPATH: `${hook}:/opt/mine` });
    // Opted out, or unbuffered by the user's choice: the environment is exactly the user's.
    expect(await env({ DD_LOGSTORE_PYTHON_FLUSH: '0', PYTHONPATH: '/opt/mine' })).toMatchObject({
      PYTHONPATH: '/opt/mine',
      PYTHONUNBUFFERED: null,
    });
    expect(await env({ PYTHONUNBUFFERED: '1' })).toMatchObject({ PYTHONPATH: null, PYTHONUNBUFFERED: '1' });
  }, 60_000);
});
