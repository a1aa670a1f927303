/**
 * A running step's counts move (runs list, runs describe, the ui's API), where they read 0 until it ended; and once
 * its dd-logstore is killed, the run's duration ends at its last sign of life (it read 0) and the ui counts its
 * records as `runs list` does (it read 0 where runs list read them from the store). The built CLI, a local store.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cliEnv, runCli, tempHome } from '../cli/harness.js';
import { startUi } from './harness.js';

interface Listed {
  runId: string;
  status: string;
  durationMs: number;
  counts: { read: number; delivered: number };
}

/** A numbered line every 20 ms, for ever (until its pipe breaks). */
const CHILD = [process.execPath, '-e', `let i=0;setInterval(()=>console.log('line '+(i++)),20)`];

describe('counts of a running step, and of one whose dd-logstore was killed', () => {
  const { home, cleanup } = tempHome('ddls-live-');
  afterAll(cleanup);
  const listed = async (): Promise<Listed> => {
    const r = await runCli(['runs', 'list', '--output', 'json'], { home });
    return (JSON.parse(r.stdout) as Listed[]).find((x) => x.runId === 'live')!;
  };

  it('move while it runs, and after kill -9 read the same in runs list and the ui, with a duration', async () => {
    const child = spawn(process.execPath, [BIN, 'run', '--run-id', 'live', '--', ...CHILD], {
      env: cliEnv(home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const closed = new Promise((r) => child.on('close', r));
    let shown = 0;
    child.stdout.on('data', (c: Buffer) => (shown += c.toString().split('\n').length - 1));
    try {
      // Written every 2 s while it runs: polled until they show, for at most 20 s (a loaded machine).
      let running: Listed | undefined;
      const until = Date.now() + 20_000;
      while (Date.now() < until) {
        const l = await listed().catch(() => undefined);
        if (l !== undefined && l.status === 'running' && l.counts.read > 0) {
          running = l;
          break;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(running?.counts.read).toBeGreaterThan(0);
      expect(running!.counts.read).toBeLessThanOrEqual(shown);
      const described = await runCli(['runs', 'describe', 'live'], { home });
      expect(described.stdout).toMatch(/^records: read [1-9]\d*, delivered [1-9]/m);
    } finally {
      child.kill('SIGKILL');
      await closed;
    }

    const killed = await listed();
    expect(killed.status).toBe('interrupted');
    // Its last counts were written at least 2 s after it started.
    expect(killed.durationMs).toBeGreaterThanOrEqual(1500);
    expect(killed.counts.read).toBeGreaterThanOrEqual(shown);

    const ui = await startUi(home);
    try {
      const res = await fetch(`${ui.base}/api/runs?token=${ui.token}`);
      const { runs } = (await res.json()) as { runs: Listed[] };
      const inUi = runs.find((x) => x.runId === 'live')!;
      expect(inUi.counts.read).toBe(killed.counts.read);
      expect(inUi.durationMs).toBe(killed.durationMs);
      const detail = (await (await fetch(`${ui.base}/api/runs/live?token=${ui.token}`)).json()) as Listed;
      expect(detail.counts.read).toBe(killed.counts.read);
      // Counted once, then remembered (not every 2 s poll): with the step's counts zeroed in its record and its
      // files gone, the ui still says what it counted; runs list, which counts afresh, finds nothing.
      const file = join(home, 'runs', 'live.json');
      const record = JSON.parse(readFileSync(file, 'utf8')) as { steps: { counts: Record<string, number> }[] };
      record.steps[0]!.counts = { read: 0, delivered: 0, spooled: 0, dropped: 0, failed: 0 };
      writeFileSync(file, JSON.stringify(record));
      rmSync(join(home, 'logs', 'live'), { recursive: true, force: true });
      const again = (await (await fetch(`${ui.base}/api/runs?token=${ui.token}`)).json()) as { runs: Listed[] };
      expect(again.runs.find((x) => x.runId === 'live')!.counts.read).toBe(killed.counts.read);
      expect((await listed()).counts.read).toBe(0);
    } finally {
      await ui.stop();
    }
  }, 60_000);
});
