import { describe, it, expect } from '@jest/globals';
import { looksLikeJsonObject, parseJsonLine, toEpochMillis } from './json-line.js';

describe('parseJsonLine', () => {
  it('takes message, level and timestamp out and keeps the rest as attributes', () => {
    const line = '{"level":"warn","time":"2024-01-01T00:00:00.000Z","msg":"slow","path":"/x","ms":12}';
    expect(parseJsonLine(line)).toEqual({
      message: 'slow',
      level: 'warn',
      timestamp: Date.UTC(2024, 0, 1),
      attributes: { path: '/x', ms: 12 },
    });
  });

  it('prefers message over msg, which then stays an attribute', () => {
    expect(parseJsonLine('{"message":"m","msg":"other"}')).toMatchObject({
      message: 'm',
      attributes: { msg: 'other' },
    });
  });

  it('reads pino numeric levels and epoch-millisecond times', () => {
    expect(parseJsonLine('{"level":50,"time":1700000000000,"msg":"boom","pid":1}')).toEqual({
      message: 'boom',
      level: 'error',
      timestamp: 1700000000000,
      attributes: { pid: 1 },
    });
  });

  it('maps severity fatal to critical and keeps an unparsable timestamp as an attribute', () => {
    expect(parseJsonLine('{"severity":"FATAL","timestamp":"yesterday","message":"x"}')).toEqual({
      message: 'x',
      level: 'critical',
      timestamp: undefined,
      attributes: { timestamp: 'yesterday' },
    });
  });

  it('does not take an HTTP status for a level', () => {
    expect(parseJsonLine('{"status":500,"msg":"x"}')).toMatchObject({ level: undefined, attributes: { status: 500 } });
  });

  it('keeps the whole line as the message when there is no message field', () => {
    const line = '{"level":"error","event":"x"}';
    expect(parseJsonLine(line)).toEqual({ message: line, level: 'error', timestamp: undefined, attributes: undefined });
  });

  it('stringifies a non-string message and keeps __proto__ as data', () => {
    const parsed = parseJsonLine('{"msg":{"a":1},"__proto__":{"polluted":true}}');
    expect(parsed?.message).toBe('{"a":1}');
    expect(Object.getPrototypeOf(parsed?.attributes)).toBe(Object.prototype);
    expect(Object.keys(parsed?.attributes ?? {})).toEqual(['__proto__']);
  });

  it('is undefined for anything that is not a JSON object', () => {
    expect(parseJsonLine('{not json}')).toBeUndefined();
    expect(parseJsonLine('[1,2]')).toBeUndefined();
    expect(looksLikeJsonObject('{"a":1}')).toBe(true);
    expect(looksLikeJsonObject('[1]')).toBe(false);
  });
});

describe('reserved attributes', () => {
  it('keeps a line from setting zenml.* or dd_logstore.*, flat or nested, under attr.', () => {
    const parsed = parseJsonLine(
      JSON.stringify({
        msg: 'm',
        zenml: { run: { id: 'victim' } },
        dd_logstore: { seq: 0 },
        'zenml.log.id': 'x',
        'dd_logstore.part': '1/1',
        zenmlish: 1,
        other: { zenml: 2 },
      }),
    );
    expect(parsed?.attributes).toEqual({
      'attr.zenml': { run: { id: 'victim' } },
      'attr.dd_logstore': { seq: 0 },
      'attr.zenml.log.id': 'x',
      'attr.dd_logstore.part': '1/1',
      zenmlish: 1,
      other: { zenml: 2 },
    });
  });
});

describe('toEpochMillis', () => {
  it('guesses the unit of numbers', () => {
    expect(toEpochMillis(1700000000)).toBe(1700000000000);
    expect(toEpochMillis(1700000000.5)).toBe(1700000000500);
    expect(toEpochMillis(1700000000000)).toBe(1700000000000);
    expect(toEpochMillis(1700000000000000)).toBe(1700000000000);
    expect(toEpochMillis(1700000000000000000)).toBe(1700000000000);
    expect(toEpochMillis(-1)).toBeUndefined();
    expect(toEpochMillis('2024-01-01T00:00:00Z')).toBe(Date.UTC(2024, 0, 1));
  });
});
