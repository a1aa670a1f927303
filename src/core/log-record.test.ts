import { describe, expect, it } from '@jest/globals';
import { testContext } from '../../test/helpers/test-records.js';
import { contextAttributes } from './log-record.js';

// The shared test context, with the values these tests compare against.
const ctx = testContext({ runId: 'r1', logId: 'l1', tags: [], writer: 'w1', attributes: { 'git.branch': 'main' } });

describe('contextAttributes', () => {
  it('a tag never replaces what says whose record it is (it made the run unreadable by id), but replaces a CI attribute', () => {
    const attrs = contextAttributes({
      ...ctx,
      tags: [
        'zenml.run.id:other',
        'zenml.log.id:abc',
        'zenml.step.name:evil',
        'dd_logstore.writer:x',
        'git.branch:mine',
        'team:ml',
      ],
    });
    expect(attrs).toMatchObject({
      'zenml.run.id': 'r1',
      'zenml.log.id': 'l1',
      'zenml.step.name': 'train',
      'dd_logstore.writer': 'w1',
      'git.branch': 'mine',
      team: 'ml',
    });
  });
  it('nor one this stream does not carry (no step), in any case, nor the tags attribute itself', () => {
    const { stepName: _step, ...noStep } = ctx;
    const attrs = contextAttributes({
      ...noStep,
      attributes: { ddtags: 'team:ml' },
      tags: ['zenml.step.name:evil', 'ZENML.run.id:other', 'Dd_Logstore.seq:1', 'ddtags:x', 'team:ml'],
    });
    expect(attrs['zenml.step.name']).toBeUndefined();
    expect(attrs['zenml.run.id']).toBe('r1');
    expect(attrs['ZENML.run.id']).toBeUndefined();
    expect(attrs['Dd_Logstore.seq']).toBeUndefined();
    expect(attrs.ddtags).toBe('team:ml');
    expect(attrs.team).toBe('ml');
  });
});
