import { describe, it, expect } from '@jest/globals';
import { fitToWidth, visibleLength } from './output.js';

/** The width cli-table3 draws with these column widths: the cells plus n + 1 borders. */
const drawn = (widths: number[]) => widths.reduce((a, b) => a + b, 0) + widths.length + 1;

describe('fitToWidth', () => {
  const hint =
    'api_url overrides the site host: is the proxy or emulator it names running? (dd-logstore log-store update dd --api_url=URL)';
  const rows = [
    ['CHECK', 'RESULT', 'DETAIL', 'WHAT TO DO'],
    ['network: api', 'FAILED', 'cannot reach http://127.0.0.1:1/api/v1/validate: ECONNREFUSED', hint],
  ];

  it('leaves a table alone when it fits or when there is no width limit', () => {
    expect(fitToWidth(rows, undefined)).toEqual({});
    expect(fitToWidth(rows, 1000)).toEqual({});
    expect(fitToWidth([['a', 'b']], 20)).toEqual({});
  });

  it('caps the widest columns so the table fits, with word wrapping on', () => {
    const fit = fitToWidth(rows, 100);
    expect(fit.wordWrap).toBe(true);
    expect(fit.wrapOnWordBoundary).toBe(true);
    const widths = fit.colWidths ?? [];
    expect(drawn(widths)).toBeLessThanOrEqual(100);
    // The narrow columns keep their natural width; only the long ones are capped.
    expect(widths[0]).toBe('network: api'.length + 2);
    expect(widths[1]).toBe('FAILED'.length + 2);
    expect(widths[3]).toBeLessThan(hint.length + 2);
  });

  it('never makes a column narrower than its longest word: ids and URLs are not cut', () => {
    const id = '88a421d8-af5c-4957-9a58-53cf27231493';
    const fit = fitToWidth(
      [
        ['id', id],
        ['site', 'datadoghq.com (default)'],
      ],
      30,
    );
    expect(fit.colWidths?.[1]).toBe(id.length + 2);
  });

  it('measures coloured cells by what shows', () => {
    expect(visibleLength('\u001b[31mFAILED\u001b[39m')).toBe(6);
    const fit = fitToWidth([['\u001b[31m' + 'x'.repeat(50) + '\u001b[39m', 'y '.repeat(40)]], 60);
    expect(fit.colWidths?.[0]).toBe(52);
  });
});
