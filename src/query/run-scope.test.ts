import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import type { RunRecord, StepRecord } from '../store/run-records.js';
import { runProgress } from './run-scope.js';

/** A pid that was alive and is not any more: a child that has exited and been reaped. */
const GONE_PID = spawnSync(process.execPath, ['-e', '0']).pid;

function run(step: Partial<StepRecord>): RunRecord {
  return {
    runId: 'r',
    logStore: { id: 'id', name: 'dd', flavor: 'datadog' },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    steps: [
      {
        name: 'train',
        logId: 'l',
        argv: ['x'],
        cwd: '/',
        startedAt: '2026-01-01T00:00:00.000Z',
        counts: { read: 138, delivered: 138, spooled: 0, dropped: 0, failed: 0 },
        pid: GONE_PID,
        ...step,
      },
    ],
  };
}

describe('runProgress', () => {
  it('a killed step ended at its last sign of life: its last counts written (a follow gave up at once, from its start)', () => {
    const p = runProgress(run({ seenAt: '2026-01-01T01:00:00.000Z' }), undefined);
    expect(p).toEqual({ ended: true, endedAt: Date.parse('2026-01-01T01:00:00.000Z'), delivered: 138 });
  });
  it('or its latest record, else its start', () => {
    expect(runProgress(run({ recordsTo: '2026-01-01T00:30:00.000Z' }), undefined)?.endedAt).toBe(
      Date.parse('2026-01-01T00:30:00.000Z'),
    );
    expect(runProgress(run({}), undefined)?.endedAt).toBe(Date.parse('2026-01-01T00:00:00.000Z'));
  });
  it('a step still running has not ended', () => {
    expect(runProgress(run({ pid: process.pid }), undefined)?.ended).toBe(false);
  });
});
