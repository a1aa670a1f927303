import { describe, it, expect } from '@jest/globals';
import type { LogEntry, LogFilter } from './log-entry.js';
import { createInOrder, finishEntries, settled } from './run-reader.js';

function entry(timestamp: number, seq: number, extra: Partial<LogEntry> = {}): LogEntry {
  return {
    id: `id-${timestamp}-${seq}-${extra.logId ?? 'l'}`,
    timestamp,
    status: 'info',
    message: `m${seq}`,
    service: 'zenml',
    host: 'h',
    tags: [],
    step: 's',
    logId: 'l',
    seq,
    hasSeq: true,
    attributes: {},
    nested: false,
    ...extra,
  };
}

/** Pages as Datadog gives them: by timestamp only, records of one millisecond in any seq order. */
const pages: LogEntry[][] = [
  [entry(1, 1), entry(1, 0), entry(2, 3), entry(3, 5)],
  // The millisecond 3 goes on over the page boundary with a lower seq, and a record delivered twice comes back.
  [entry(3, 4), entry(1, 1, { id: 'dup' }), entry(4, 6, { status: 'error' }), entry(4, 7)],
  [entry(4, 2, { logId: 'other' }), entry(5, 8, { message: 'needle' }), entry(6, 9)],
];

function inOrder(filter: LogFilter, limit?: number): { batches: LogEntry[][]; settledAt: number | undefined } {
  const batches: LogEntry[][] = [];
  const order = createInOrder(filter, (b) => batches.push(b));
  let settledAt: number | undefined;
  pages.forEach((p, i) => {
    if (order.add(p, limit) && settledAt === undefined) settledAt = i;
  });
  order.end();
  return { batches, settledAt };
}

describe('createInOrder', () => {
  for (const [name, filter] of [
    ['no filter', {}],
    ['--level error', { level: 'error' }],
    ['--grep', { grep: 'NEEDLE' }],
    ['--since/--until', { since: 2, until: 4 }],
  ] as [string, LogFilter][]) {
    it(`hands on what finishEntries gives for the whole read, in the same order (${name})`, () => {
      const { batches } = inOrder(filter);
      expect(batches.flat()).toEqual(finishEntries(pages.flat(), filter));
    });
  }

  it('holds the records of a page’s last millisecond until the next page', () => {
    const { batches } = inOrder({});
    expect(batches.map((b) => b.map((e) => `${e.timestamp}/${e.seq}`))).toEqual([
      ['1/0', '1/1', '2/3'],
      ['3/4', '3/5'],
      ['4/2', '4/6', '4/7', '5/8'],
      ['6/9'],
    ]);
  });

  it('says the first N are settled on the page where `settled` says it of everything read so far', () => {
    for (let limit = 1; limit <= 10; limit++) {
      const expected = pages.findIndex((_, i) => settled(pages.slice(0, i + 1).flat(), {}, limit));
      expect([limit, inOrder({}, limit).settledAt ?? -1]).toEqual([limit, expected]);
    }
  });
});
