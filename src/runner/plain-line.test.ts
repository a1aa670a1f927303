import { describe, expect, it } from '@jest/globals';
import { PLAIN_LINE_VERSION, plainLineRecord } from './plain-line.js';

describe('plain lines (what the journal reads its parsed lines frames with)', () => {
  it(`version ${PLAIN_LINE_VERSION}: a change here is a new PLAIN_LINE_VERSION (journals written before read with it)`, () => {
    const cases: [string, string, unknown][] = [
      ['plain text', 'error', { message: 'plain text', level: 'error', attributes: undefined }],
      ['ERROR something failed', 'info', { message: 'ERROR something failed', level: 'error', attributes: undefined }],
      [
        '2024-05-01 12:00:00,123 INFO app.worker: processed',
        'error',
        { message: 'processed', level: 'info', attributes: { 'logger.name': 'app.worker' } },
      ],
      ['WARNING:app.db:slow', 'info', { message: 'slow', level: 'warn', attributes: { 'logger.name': 'app.db' } }],
      // An empty message: the whole line.
      ['INFO:root:', 'error', { message: 'INFO:root:', level: 'info', attributes: { 'logger.name': 'root' } }],
      [
        '2024-05-01 12:00:00,123 - ERROR - nameless',
        'info',
        { message: 'nameless', level: 'error', attributes: undefined },
      ],
      ['level=warn msg=x', 'info', { message: 'level=warn msg=x', level: 'warn', attributes: undefined }],
      ['{"not": json', 'debug', { message: '{"not": json', level: 'debug', attributes: undefined }],
    ];
    for (const [line, defaultLevel, expected] of cases)
      expect(plainLineRecord(line, defaultLevel as 'info')).toStrictEqual(expected);
  });
});
