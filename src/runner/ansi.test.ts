import { describe, it, expect } from '@jest/globals';
import { stripAnsi } from './ansi.js';

describe('stripAnsi', () => {
  it.each([
    ['\x1b[31mred\x1b[0m', 'red'],
    ['\x1b[1;38;5;208mbold orange\x1b[m done', 'bold orange done'],
    ['\x1b[2K\x1b[1Gprogress', 'progress'],
    ['\x1b[?25lhidden cursor\x1b[?25h', 'hidden cursor'],
    ['\x1b]0;window title\x07text', 'text'],
    ['\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\', 'link'],
    ['\x1bP1$r0m\x1b\\after DCS', 'after DCS'],
    ['\x1b(Bcharset', 'charset'],
    ['\x1b7saved\x1b8', 'saved'],
    ['\x1bMreverse index', 'reverse index'],
    ['dangling at end \x1b', 'dangling at end '],
    ['unterminated CSI \x1b[31', 'unterminated CSI '],
    ['unterminated OSC \x1b]0;title', 'unterminated OSC '],
    ['no escapes at all', 'no escapes at all'],
    ['ünïcödé \x1b[32m✓\x1b[0m', 'ünïcödé ✓'],
  ])('%j -> %j', (input, expected) => {
    expect(stripAnsi(input)).toBe(expected);
  });

  it('returns the same string when there is nothing to strip', () => {
    const s = 'plain';
    expect(stripAnsi(s)).toBe(s);
  });
});
