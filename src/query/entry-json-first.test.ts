/**
 * The printer's first line in a process, for a record with no service, host or tags (an older local record, a
 * Datadog event without them). A file of its own: jsonlLine remembers the last record's parts for the process, so
 * this must be the first record it sees.
 */
import { it, expect } from '@jest/globals';
import { jsonlLine } from './entry-json.js';
import type { LogEntry } from './log-entry.js';

it('the first record without service, host or tags gets them as null and [] (before: the part was left out)', () => {
  const e: LogEntry = {
    id: 'a',
    timestamp: Date.UTC(2026, 11, 6, 12, 0, 0, 123),
    status: 'info',
    message: 'm',
    service: undefined,
    host: undefined,
    tags: undefined,
    step: undefined,
    logId: undefined,
    seq: 0,
    writer: undefined,
    hasSeq: false,
    attributes: {},
    nested: true,
  };
  const line = jsonlLine(e);
  expect(line).toBe(
    JSON.stringify({
      id: 'a',
      timestamp: '2026-12-06T12:00:00.123Z',
      status: 'info',
      message: 'm',
      service: null,
      host: null,
      tags: [],
      attributes: {},
    }),
  );
  expect(() => JSON.parse(line) as unknown).not.toThrow();
});
