import { describe, expect, it } from '@jest/globals';
import { pageQuery } from './run-pages.js';

describe('pageQuery', () => {
  it('searches the run and the step under both their names, the levels with all their Datadog words, and the text', () => {
    expect(pageQuery('zenml', 'r-1', { step: 'train', levels: ['warn', 'critical'], text: 'loss "nan"' })).toBe(
      'service:"zenml" (@zenml.run.id:"r-1" OR @zenml.pipeline.run.id:"r-1") ' +
        '(@zenml.step.name:"train" OR @zenml.step.run.name:"train") ' +
        '(status:warn OR status:warning OR status:critical OR status:alert OR status:emergency) "loss \\"nan\\""',
    );
    expect(pageQuery('zenml', 'r-1', { levels: ['debug', 'info', 'warn', 'error', 'critical'] })).toBe(
      'service:"zenml" (@zenml.run.id:"r-1" OR @zenml.pipeline.run.id:"r-1")',
    );
  });
});
