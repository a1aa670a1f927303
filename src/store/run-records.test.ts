import { describe, it, expect } from '@jest/globals';
import { runWindow, WINDOW_MARGIN_MS } from '../query/run-scope.js';
import {
  applyResent,
  applyUnreadJournal,
  emptyCounts,
  widenRecordRange,
  type RunRecord,
  type StepRecord,
} from './run-records.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function step(extra: Partial<StepRecord> = {}): StepRecord {
  return {
    name: 'train',
    logId: 'log-1',
    argv: ['python', 'train.py'],
    cwd: '/tmp',
    startedAt: iso(T0),
    endedAt: iso(T0 + 60_000),
    counts: { ...emptyCounts(), read: 10, delivered: 7, spooled: 3 },
    ...extra,
  };
}

function run(s: StepRecord): RunRecord {
  return {
    runId: 'r1',
    logStore: { id: 'ls', name: 'dd', flavor: 'datadog' },
    createdAt: s.startedAt,
    updatedAt: s.startedAt,
    steps: [s],
  };
}

describe('widenRecordRange', () => {
  it('records only what lies outside the step, and only ever widens', () => {
    const s = step();
    widenRecordRange(s, T0 + 1000, T0 + 2000);
    expect(s.recordsFrom).toBeUndefined();
    expect(s.recordsTo).toBeUndefined();
    widenRecordRange(s, T0 - 3_600_000, T0 + 30_000);
    expect(s.recordsFrom).toBe(iso(T0 - 3_600_000));
    expect(s.recordsTo).toBeUndefined();
    widenRecordRange(s, T0 - 60_000, T0 + 7_200_000);
    expect(s.recordsFrom).toBe(iso(T0 - 3_600_000));
    expect(s.recordsTo).toBe(iso(T0 + 7_200_000));
  });

  it('the search window covers the widened range', () => {
    const s = step();
    expect(runWindow(run(s), T0, undefined, undefined)).toEqual({
      from: T0 - WINDOW_MARGIN_MS,
      to: T0 + 60_000 + WINDOW_MARGIN_MS,
    });
    widenRecordRange(s, T0 - 3_600_000, T0 + 48 * 3_600_000);
    expect(runWindow(run(s), T0, undefined, undefined)).toEqual({
      from: T0 - 3_600_000 - WINDOW_MARGIN_MS,
      to: T0 + 48 * 3_600_000 + WINDOW_MARGIN_MS,
    });
  });
});

describe('applyResent', () => {
  it('moves spooled to delivered, stretches the range to the resent time, and marks the error resolved', () => {
    const r = run(step({ error: 'HTTP 403: API key is invalid' }));
    const later = T0 + 48 * 3_600_000;
    applyResent(r, 'log-1', 2, later);
    expect(r.steps[0]).toMatchObject({ counts: { delivered: 9, spooled: 1 }, error: 'HTTP 403: API key is invalid' });
    applyResent(r, 'log-1', 1, later);
    expect(r.steps[0]).toMatchObject({
      counts: { delivered: 10, spooled: 0 },
      recordsTo: iso(later),
      error: 'resolved: delivered later by flush (was: HTTP 403: API key is invalid)',
    });
  });
});

describe('applyUnreadJournal', () => {
  it('what was spooled is lost, with the reason; nothing is said recovered', () => {
    const r = run(step({ writer: 'w1' }));
    applyUnreadJournal(r, 'w1', 'bad header');
    const s = r.steps[0]!;
    expect(s.counts).toMatchObject({ read: 10, delivered: 7, spooled: 0, failed: 3 });
    expect(s.recovered).toBeUndefined();
    expect(s.error).toBe(
      "its spool journal is damaged (bad header): 3 records could not be resent (the journal is kept in the spool's corrupt/)",
    );
  });
  it('a killed step: its counts were its last progress write, so "at least"; a step of another writer is untouched', () => {
    const { endedAt: _end, ...killed } = step({ writer: 'w1', counts: { ...emptyCounts(), read: 10, delivered: 4 } });
    const r = run(killed);
    applyUnreadJournal(r, 'w2', 'bad header');
    expect(r.steps[0]!.error).toBeUndefined();
    applyUnreadJournal(r, 'w1', 'bad header');
    expect(r.steps[0]!.recovered).toBeUndefined();
    expect(r.steps[0]!.error).toMatch(/: at least 6 records could not be resent/);
  });
  it('nothing undelivered: no error', () => {
    const r = run(step({ writer: 'w1', counts: { ...emptyCounts(), read: 5, delivered: 5 } }));
    applyUnreadJournal(r, 'w1', 'bad header');
    expect(r.steps[0]!.error).toBeUndefined();
  });
});
