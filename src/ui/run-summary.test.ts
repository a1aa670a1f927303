import { describe, expect, it } from '@jest/globals';
import { emptyCounts } from '../store/run-records.js';
import type { RunRecord, StepRecord } from '../store/run-records.js';
import { newestFirst, summarizeRun } from './run-summary.js';

function step(name: string, startedAt: string, end: Partial<StepRecord> = {}): StepRecord {
  return {
    name,
    logId: `log-${name}`,
    argv: ['python', `${name}.py`],
    cwd: '/',
    startedAt,
    counts: emptyCounts(),
    ...end,
  };
}

function run(runId: string, steps: StepRecord[]): RunRecord {
  return {
    runId,
    logStore: { id: 'ls', name: 'default', flavor: 'local' },
    createdAt: steps[0]!.startedAt,
    updatedAt: steps[0]!.startedAt,
    steps,
  };
}

const NOW = Date.parse('2026-01-01T00:10:00Z');

describe('summarizeRun', () => {
  it('is ok when every step exited 0, with the time from the first start to the last end', () => {
    const s = summarizeRun(
      run('r', [
        step('prepare', '2026-01-01T00:00:00Z', { endedAt: '2026-01-01T00:00:05Z', exitCode: 0 }),
        step('train', '2026-01-01T00:00:06Z', { endedAt: '2026-01-01T00:01:00Z', exitCode: 0 }),
      ]),
      NOW,
    );
    expect([s.status, s.exitCode, s.durationMs, s.endedAt]).toEqual(['ok', null, 60_000, '2026-01-01T00:01:00.000Z']);
    expect(s.steps.map((x) => [x.name, x.status, x.command])).toEqual([
      ['prepare', 'ok', 'python prepare.py'],
      ['train', 'ok', 'python train.py'],
    ]);
  });

  it("shows a step's command quoted as runs describe does, to copy and paste into a shell", () => {
    const s = summarizeRun(
      run('q', [step('a', '2026-01-01T00:00:00Z', { argv: ['sh', '-c', "exit 3 # it's"], exitCode: 3 })]),
      NOW,
    );
    expect(s.steps[0]?.command).toBe("sh -c 'exit 3 # it'\\''s'");
  });

  it('is failed with the failing exit code, interrupted with the signal, running while a step runs', () => {
    const failed = summarizeRun(
      run('f', [step('a', '2026-01-01T00:00:00Z', { endedAt: '2026-01-01T00:00:01Z', exitCode: 3 })]),
      NOW,
    );
    expect([failed.status, failed.exitCode]).toEqual(['failed', 3]);
    const killed = summarizeRun(
      run('k', [
        step('a', '2026-01-01T00:00:00Z', { endedAt: '2026-01-01T00:00:01Z', exitCode: 130, signal: 'SIGINT' }),
      ]),
      NOW,
    );
    expect([killed.status, killed.signal]).toEqual(['interrupted', 'SIGINT']);
    const running = summarizeRun(
      run('r', [
        step('a', '2026-01-01T00:00:00Z', { endedAt: '2026-01-01T00:00:01Z', exitCode: 1 }),
        step('b', '2026-01-01T00:05:00Z'),
      ]),
      NOW,
    );
    expect([running.status, running.endedAt, running.durationMs]).toEqual(['running', null, 600_000]);
  });

  it('is interrupted, not running, once its dd-logstore is gone: the duration stops at its last record', () => {
    const recovered = summarizeRun(
      run('g', [
        step('a', '2026-01-01T00:00:00Z', {
          recordsTo: '2026-01-01T00:00:30Z',
          recovered: { read: 30, delivered: 30 },
        }),
      ]),
      NOW,
    );
    expect([recovered.status, recovered.durationMs, recovered.endedAt]).toEqual([
      'interrupted',
      30_000,
      '2026-01-01T00:00:30.000Z',
    ]);
    // No such process (above any pid_max): killed with SIGKILL before it recorded an end.
    const killed = summarizeRun(run('k', [step('a', '2026-01-01T00:00:00Z', { pid: 2 ** 22 + 1 })]), NOW);
    expect([killed.status, killed.steps[0]!.status, killed.durationMs]).toEqual(['interrupted', 'interrupted', 0]);
  });

  it('orders runs by their latest step start, newest first', () => {
    const old = summarizeRun(run('old', [step('a', '2026-01-01T00:00:00Z'), step('b', '2026-01-01T00:09:00Z')]), NOW);
    const mid = summarizeRun(run('mid', [step('a', '2026-01-01T00:05:00Z')]), NOW);
    expect([mid, old].sort(newestFirst).map((r) => r.runId)).toEqual(['old', 'mid']);
  });
});
