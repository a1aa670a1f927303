import { describe, expect, it } from '@jest/globals';
import { MASK, Redactor } from './redact.js';
import { formatErrorLine } from '../core/errors.js';
import { escapeControlChars } from '../core/control-chars.js';

describe('Redactor', () => {
  it('masks every registered value, longest first', () => {
    const r = new Redactor();
    r.add('abc123');
    r.add('abc123456');
    expect(r.redact('key=abc123456 other=abc123 x')).toBe(`key=${MASK} other=${MASK} x`);
  });
  it('masks a value with control characters in an error line too, where they are shown escaped', () => {
    const r = new Redactor();
    r.add('pa\tss\u001bword');
    const line = formatErrorLine(new Error('bad value pa\tss\u001bword'));
    expect(line).toBe('error: bad value pa\\tss\\x1bword');
    expect(r.redact(line)).toBe(`error: bad value ${MASK}`);
    expect(r.redact('raw pa\tss\u001bword')).toBe(`raw ${MASK}`);
    // A warning keeps newlines and a tab, and escapes the rest.
    r.add('line1\r\nline2');
    expect(r.redact(`warning: ${escapeControlChars('bad line1\r\nline2', true)}`)).toBe(`warning: bad ${MASK}`);
  });
  it('leaves text alone with nothing registered and ignores tiny values', () => {
    const r = new Redactor();
    r.add('a');
    r.add('');
    expect(r.redact('a b c')).toBe('a b c');
  });
  it('masks regexp metacharacters literally and inside JSON', () => {
    const r = new Redactor();
    r.add('p.a$s+');
    expect(r.redactDeep({ argv: ['--key', 'p.a$s+'] })).toEqual({ argv: ['--key', MASK] });
    expect(r.redact('pXa$s+')).toBe('pXa$s+');
  });
  it('redactIfPresent masks only when a value occurs, and returns the same string otherwise', () => {
    const r = new Redactor();
    const line = 'nothing secret here';
    expect(r.redactIfPresent(line)).toBe(line);
    r.add('s3cr3t-value');
    expect(r.redactIfPresent(line)).toBe(line);
    expect(r.redactIfPresent('key=s3cr3t-value;')).toBe(`key=${MASK};`);
  });

  it('redactDeepIfPresent: the same object when no secret is in it; keys and numbers that spell one are masked', () => {
    const r = new Redactor();
    r.add('987654321');
    r.add('emulator-api-key');
    const clean = { a: 'x', n: 5, nested: [{ b: 'y' }] };
    expect(r.redactDeepIfPresent(clean)).toBe(clean);
    expect(
      r.redactDeepIfPresent({ pin: 987654321, 'emulator-api-key': 1, deep: [{ s: 'k=emulator-api-key' }] }),
    ).toEqual({
      pin: '****',
      '****': 1,
      deep: [{ s: 'k=****' }],
    });
  });
  it('safeCut: never inside a secret, and far enough from the end that a secret started there is still whole', () => {
    const r = new Redactor();
    expect(r.safeCut('abcdef')).toBe(6);
    r.add('SECRET');
    // No secret in it: the last 5 characters (a secret's start) are carried over.
    expect(r.safeCut('xxxxxxxxxx')).toBe(5);
    // Across the would-be cut at 5: the cut moves to the secret's start.
    expect(r.safeCut('xxxSECRETxx')).toBe(3);
    expect(r.safeCut('SECRETxxxxx')).toBe(6);
    expect(r.safeCut('SEC')).toBe(0);
  });
});
