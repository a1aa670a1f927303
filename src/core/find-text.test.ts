import { describe, it, expect } from '@jest/globals';
import { createFindText } from './find-text.js';

describe('createFindText', () => {
  it('finds what indexOf finds, from every start, with the head repeated and overlapping', () => {
    const needles = ['Warning: ', 'Warn', 'aaaaaaab', 'abcabcabcd', ''];
    const texts = [
      '',
      'Warning: x',
      'UserWarning: deprecated',
      'Warnin Warning Warning:Warning: done',
      'aaaaaaaaaaaaaaab aaaaaaab',
      'abcabcabcabcabcdabcabcabcd',
      'no match here at all',
    ];
    for (const needle of needles) {
      const find = createFindText(needle);
      for (const text of texts)
        for (let from = 0; from <= text.length + 1; from++)
          expect([needle, text, from, find(text, from)]).toEqual([needle, text, from, text.indexOf(needle, from)]);
    }
  });

  it('searches from the start when no start is given', () => {
    expect(createFindText('Warning: ')('a Warning: b')).toBe(2);
    expect(createFindText('Warning: ')('a Warning b')).toBe(-1);
  });
});
