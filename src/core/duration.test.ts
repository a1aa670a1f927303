import { describe, expect, it } from '@jest/globals';
import { parseDuration, parseWhen } from './duration.js';

describe('parseDuration', () => {
  it('takes a unit, a bare number of seconds, and the compound form (1h30m)', () => {
    expect(parseDuration('30s', '--x')).toBe(30_000);
    expect(parseDuration('1500ms', '--x')).toBe(1500);
    expect(parseDuration('7', '--x')).toBe(7000);
    expect(parseDuration('1.5m', '--x')).toBe(90_000);
    expect(parseDuration('1h30m', '--x')).toBe(5_400_000);
    expect(parseDuration('2d12h', '--x')).toBe(216_000_000);
    expect(parseDuration('1m30s500ms', '--x')).toBe(90_500);
  });

  it('refuses what is not one, naming the flag', () => {
    for (const bad of ['', 'h', '1x', '1h 30m', '-5s', '1h30', 'm30', '1.h'])
      expect(() => parseDuration(bad, '--flush-timeout')).toThrow(/--flush-timeout must be a duration/);
  });

  it('bounds it by max', () => {
    expect(() => parseDuration('1h1s', '--x', 3_600_000)).toThrow(/at most 1h/);
  });
});

describe('parseWhen', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  it('a duration is that long before now, compound or not', () => {
    expect(parseWhen('1h', '--since', now)).toBe(now - 3_600_000);
    expect(parseWhen('1h30m', '--since', now)).toBe(now - 5_400_000);
    expect(parseWhen('90', '--since', now)).toBe(now - 90_000);
  });

  it('a bare number of 1e9 and more is a Unix time, in seconds, or in milliseconds from 1e11', () => {
    expect(parseWhen('1765108800', '--since', now)).toBe(1_765_108_800_000);
    expect(parseWhen('1765108800.5', '--since', now)).toBe(1_765_108_800_500);
    expect(parseWhen('1765108800123', '--until', now)).toBe(1_765_108_800_123);
    expect(parseWhen('999999999', '--since', now)).toBe(now - 999_999_999_000);
  });

  it('an ISO time is itself; anything else is refused naming the flag', () => {
    expect(parseWhen('2026-12-07T10:00:00Z', '--since', now)).toBe(Date.parse('2026-12-07T10:00:00Z'));
    expect(() => parseWhen('yesterday', '--until', now)).toThrow(/--until must be a duration .* got 'yesterday'/);
  });
});
