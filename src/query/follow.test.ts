import { describe, it, expect } from '@jest/globals';
import { follow } from './follow.js';
import type { FollowDeps } from './follow.js';
import type { LogEntry } from './log-entry.js';

/** One record of stream `s`, stamped `timestamp`; `storedAt` is when the store has it (Datadog indexes late). */
function entry(seq: number, timestamp: number): LogEntry {
  return {
    id: `id-${seq}`,
    timestamp,
    status: 'info',
    message: `line ${seq}`,
    service: 'zenml',
    host: undefined,
    tags: undefined,
    step: 'a',
    logId: 's',
    seq,
    hasSeq: true,
    attributes: {},
    nested: false,
  };
}

/**
 * A store on a clock that only moves when the loop sleeps: polls see what was stored by then, or fail while `down`
 * says so. The run ends at `endsAt` with every record delivered.
 */
function simulatedStore(records: { e: LogEntry; storedAt: number }[], down: (t: number) => boolean, endsAt: number) {
  let clock = 0;
  const printed: LogEntry[] = [];
  const deps: FollowDeps = {
    now: () => clock,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
    signal: new AbortController().signal,
    notice: () => undefined,
    print: (entries) => printed.push(...entries),
    progress: () =>
      Promise.resolve({ ended: clock >= endsAt, endedAt: clock >= endsAt ? endsAt : undefined, delivered: 3 }),
  };
  const source = {
    poll: () => {
      if (down(clock)) return Promise.reject(new Error('HTTP 500'));
      return Promise.resolve(records.filter((r) => r.storedAt <= clock).map((r) => r.e));
    },
  };
  return { deps, source, printed };
}

/** Polls every 250 ms, holds a record 1 s past its stamp, stops once the run ended and all was seen. */
const OPTIONS = {
  intervalMs: 250,
  holdMs: 1000,
  exitWhenDone: true,
  filter: {},
  countable: true,
  giveUpMs: 10_000,
};

describe('follow', () => {
  it('keeps order when a record is stored while polls fail: nothing is released past the last poll that answered', async () => {
    // B (stamped 600) is stored at 1500, within the hold (1000 ms) of its stamp, but polls fail from 1500 to 2000.
    // C (stamped 700) was seen at 1000. Releasing up to `now - hold` during the failure would print C before B.
    const { deps, source, printed } = simulatedStore(
      [
        { e: entry(1, 0), storedAt: 100 },
        { e: entry(2, 600), storedAt: 1500 },
        { e: entry(3, 700), storedAt: 800 },
      ],
      (t) => t >= 1500 && t <= 2000,
      3000,
    );
    const end = await follow(source, deps, OPTIONS);
    expect(end).toEqual({ kind: 'done', seen: 3 });
    expect(printed.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('still prints a record once the hold has passed (live, not at the end)', async () => {
    const { deps, source, printed } = simulatedStore([{ e: entry(1, 0), storedAt: 100 }], () => false, 60_000);
    deps.progress = () => Promise.resolve({ ended: deps.now() >= 60_000, endedAt: 60_000, delivered: 1 });
    let printedAt: number | undefined;
    const print = deps.print;
    deps.print = (entries) => {
      printedAt ??= deps.now();
      print(entries);
    };
    await follow(source, deps, OPTIONS);
    expect(printed.map((e) => e.seq)).toEqual([1]);
    expect(printedAt).toBeLessThanOrEqual(1500);
  });

  it('holds records as long as they are seen to arrive late, so a slow writer does not print out of order', async () => {
    // Two streams, a record every 100 ms, each stored 2.5 or 3.3 s after its stamp (a writer starved on a loaded machine):
    // more than the fixed hold (1 s), so releasing at `now - 1 s` prints a late record after later ones.
    const records: { e: LogEntry; storedAt: number }[] = [];
    for (let i = 0; i < 100; i++) records.push({ e: entry(i, i * 100), storedAt: i * 100 + 2500 + (i % 2) * 800 });
    const { deps, source, printed } = simulatedStore(records, () => false, 20_000);
    deps.progress = () =>
      Promise.resolve({
        ended: deps.now() >= 20_000,
        endedAt: deps.now() >= 20_000 ? 20_000 : undefined,
        delivered: records.length,
      });
    const end = await follow(source, deps, OPTIONS);
    expect(end).toEqual({ kind: 'done', seen: 100 });
    expect(printed.map((e) => e.seq)).toEqual(records.map((r) => r.e.seq));
  });
});
