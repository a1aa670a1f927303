/**
 * The local flavor has no separate journal: `run` writes each chunk's records to the segment files before the chunk
 * is shown, so the files are the journal. `run` killed with SIGKILL mid-run (a CI timeout, the OOM killer): every line
 * that reached its stdout reads back with `logs`, exactly once, and the step reads `interrupted`.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cliEnv, runCli, tempHome } from './harness.js';

/** A numbered line every 5 ms, for ever (until its pipe breaks). */
const SLOW_CHILD = [process.execPath, '-e', `let i=0;setInterval(()=>process.stdout.write('tick '+(i++)+'\\n'),5)`];

describe('local store: nothing shown is lost to kill -9', () => {
  const { home, cleanup } = tempHome();
  afterAll(cleanup);

  it('run killed with SIGKILL mid-run: every line its stdout showed is in logs once; the step reads interrupted', async () => {
    const seen = await new Promise<string[]>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'run', '--run-id', 'killed', '--', ...SLOW_CHILD], {
        env: cliEnv(home),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let killed = false;
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        // Killed while lines flow: the last ones shown were read a moment ago. Lines first, so a slow start-up on a
        // loaded machine still gets a run with enough lines.
        if (!killed && out.length > 4000) {
          killed = true;
          setTimeout(() => child.kill('SIGKILL'), 500);
        }
      });
      child.on('error', reject);
      child.on('close', () => {
        const lines = out.split('\n');
        lines.pop(); // a line cut mid-write never reached the stdout whole
        resolve(lines);
      });
    });
    expect(seen.length).toBeGreaterThan(100);

    const logs = await runCli(['logs', '--run-id', 'killed', '--output', 'jsonl'], { home, timeoutMs: 60_000 });
    expect(logs.code).toBe(0);
    expect(logs.stderr).toBe(
      'the run was interrupted (dd-logstore was killed before it ended): these are the records it wrote\n',
    );
    const messages = logs.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { message: string }).message);
    const counted = new Map<string, number>();
    for (const m of messages) counted.set(m, (counted.get(m) ?? 0) + 1);
    expect(seen.filter((l) => counted.get(l) !== 1)).toEqual([]);
    // Nothing twice, and in order: tick 0, tick 1, ... (a line read but not yet shown when killed may follow).
    expect(messages).toEqual(messages.map((_, i) => `tick ${i}`));
    expect(messages.length).toBeGreaterThanOrEqual(seen.length);
    // Followed, it ends by itself and says why, as the read above does (it ended without a word).
    const tail = await runCli(['logs', 'tail', '--run-id', 'killed', '--output', 'jsonl'], { home, timeoutMs: 60_000 });
    expect(tail.stderr).toBe(
      'the run was interrupted (dd-logstore was killed before it ended): these are the records it wrote\n',
    );
    expect(tail.code).toBe(0);
    expect(tail.stdout.trim().split('\n')).toHaveLength(messages.length);

    // It is over: following it ends by itself once its records are printed (it waited for ever before).
    const follow = await runCli(['logs', '--run-id', 'killed', '--follow', '--output', 'jsonl'], {
      home,
      timeoutMs: 30_000,
    });
    expect([follow.signal, follow.code]).toEqual([null, 0]);
    expect(follow.stdout.trim().split('\n')).toHaveLength(messages.length);

    const describeRun = await runCli(['runs', 'describe', 'killed'], { home });
    expect(describeRun.stdout).toMatch(/— interrupted \(.*what it showed is in the log store/);
    // Its counts were never written: they are what its segments hold (every record logs read), not 0.
    const n = messages.length;
    expect(describeRun.stdout).toMatch(new RegExp(`^step 1 records:\\s+read ${n}, delivered ${n}, spooled 0`, 'm'));
    expect(describeRun.stdout).toMatch(new RegExp(`^records:\\s+read ${n}, delivered ${n}, spooled 0`, 'm'));
    // And `runs list` counts it alike (it said 0 read).
    const listed = await runCli(['runs', 'list', '--output', 'json'], { home });
    const row = (JSON.parse(listed.stdout) as { runId: string; counts: { read: number; delivered: number } }[]).find(
      (r) => r.runId === 'killed',
    );
    expect(row?.counts).toMatchObject({ read: n, delivered: n });
    // A config.json that cannot be read does not hide the runs: the killed step is then shown as recorded.
    writeFileSync(join(home, 'config.json'), '{ broken');
    const blind = await runCli(['runs', 'list', '--output', 'json'], { home });
    expect(blind.code).toBe(0);
    expect((JSON.parse(blind.stdout) as { runId: string }[]).map((r) => r.runId)).toContain('killed');
  }, 90_000);
});
