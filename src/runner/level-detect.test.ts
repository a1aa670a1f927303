import { describe, it, expect } from '@jest/globals';
import { detectLevel, levelFromValue } from './level-detect.js';

describe('detectLevel', () => {
  const table: Array<[string, string | undefined]> = [
    // Python logging default format and friends
    ['WARNING:root:disk almost full', 'warn'],
    ['ERROR:app.db:connection lost', 'error'],
    ['CRITICAL:app:meltdown', 'critical'],
    ['DEBUG:urllib3:starting', 'debug'],
    ['INFO:zenml:step started', 'info'],
    // LEVEL msg at line start
    ['ERROR something broke', 'error'],
    ['WARN  low memory', 'warn'],
    ['FATAL cannot continue', 'critical'],
    ['INFO[0000] logrus tty format', 'info'],
    ['npm ERR! code 1', undefined],
    ['ERR! boom', 'error'],
    ['WRN zerolog console', 'warn'],
    // lower / capitalised words need a colon
    ['info: winston line', 'info'],
    ['warning: git says so', 'warn'],
    ['Error: Cannot find module x', 'error'],
    ['Error handling was improved', undefined],
    ['error handling was improved', undefined],
    ['Information is power', undefined],
    ['Warnings: none', undefined],
    // [LEVEL]
    ['[INFO] maven style', 'info'],
    ['[error] lower case bracket', 'error'],
    ['[2024-01-01 12:00:00] [WARNING] bracketed timestamp', 'warn'],
    ['[2024-01-01 12:00:00,123] ERROR in app: flask style', 'error'],
    // timestamp then level (Python asctime, Java, zap console, Spring)
    ['2024-01-01 12:00:00,123 INFO app: started', 'info'],
    ['2024-01-01T12:00:00.000Z\tWARN\tzap console line', 'warn'],
    ['12:00:00.123 [main] ERROR com.example.App - failed', 'error'],
    ['2024-01-01T12:00:00.123Z  INFO 1234 --- [main] o.s.Application : Started', 'info'],
    ['2024-01-01 12:00:00 [main] DEBUG com.x.Y - detail', 'debug'],
    ['2024/01/01 12:00:00 plain go log line', undefined],
    ['2024/01/01 12:00:00 processed 5 items', undefined],
    // - LEVEL -
    ['2024-01-01 12:00:00,123 - myapp - WARNING - watch out', 'warn'],
    ['myapp - ERROR - failed', 'error'],
    ['a - b - c', undefined],
    // logfmt
    ['level=warn msg="slow"', 'warn'],
    ['time=2024-01-01T12:00:00Z level=INFO msg=hello', 'info'],
    ['time="2024-01-01" level=error msg="x"', 'error'],
    ['ts=1 lvl=info nope', undefined],
    // glog / klog
    ['I1125 12:00:00.000000    1234 main.go:12] started', 'info'],
    ['W1125 12:00:00.000000    1234 main.go:12] careful', 'warn'],
    ['E1125 12:00:00.000000    1234 main.go:12] broken', 'error'],
    ['F1125 12:00:00.000000    1234 main.go:12] dead', 'critical'],
    // nothing
    ['', undefined],
    ['hello world', undefined],
    ['Processing shard 5', undefined],
    ['   indented text', undefined],
  ];
  it.each(table)('%j -> %s', (line, expected) => {
    expect(detectLevel(line)).toBe(expected);
  });
});

describe('levelFromValue', () => {
  it('maps words in any case, fatal and critical to critical, warning to warn', () => {
    expect(levelFromValue('WARNING')).toBe('warn');
    expect(levelFromValue('fatal')).toBe('critical');
    expect(levelFromValue('Critical')).toBe('critical');
    expect(levelFromValue('trace')).toBe('debug');
    expect(levelFromValue(' err ')).toBe('error');
    expect(levelFromValue('whatever')).toBeUndefined();
  });
  it('maps pino numbers only when asked', () => {
    expect(levelFromValue(30, true)).toBe('info');
    expect(levelFromValue(40, true)).toBe('warn');
    expect(levelFromValue(50, true)).toBe('error');
    expect(levelFromValue(60, true)).toBe('critical');
    expect(levelFromValue(20, true)).toBe('debug');
    expect(levelFromValue(50)).toBeUndefined();
    expect(levelFromValue(200, true)).toBeUndefined();
  });
});
