import { describe, it, expect } from '@jest/globals';
import { firstMatch, parsePythonLogLine, PATTERNS } from './python-logging.js';

describe('parsePythonLogLine', () => {
  const table: Array<[string, [string, string | undefined, string] | undefined]> = [
    // logging.basicConfig's default
    ['WARNING:root:disk almost full', ['warn', 'root', 'disk almost full']],
    ['ERROR:app.db:connection lost: retrying', ['error', 'app.db', 'connection lost: retrying']],
    ['INFO:__main__:', ['info', '__main__', '']],
    // the cookbook's format, padded level, and without a name
    ['2024-05-01 12:00:00,123 - train - INFO - epoch 1 - loss 0.3', ['info', 'train', 'epoch 1 - loss 0.3']],
    ['2024-05-01 12:00:00,123 - train - WARNING  - lr high', ['warn', 'train', 'lr high']],
    ['2024-05-01 12:00:00,123 - CRITICAL - out of memory', ['critical', undefined, 'out of memory']],
    // [asctime] levelname name: message, and variants
    ['[2024-05-01 12:00:00,123] INFO uvicorn.error: Started', ['info', 'uvicorn.error', 'Started']],
    ['2024-05-01T12:00:00.123Z DEBUG urllib3.connectionpool: GET /', ['debug', 'urllib3.connectionpool', 'GET /']],
    ['2024-05-01 12:00:00 [ERROR] app: boom', ['error', 'app', 'boom']],
    ['12:00:00 WARNING   zenml.steps: slow', ['warn', 'zenml.steps', 'slow']],
    ['2024-05-01 12:00:00,001 INFO [MyService] ready', ['info', 'MyService', 'ready']],
    ['[2024-05-01 12:00:00] [werkzeug] [INFO] 127.0.0.1 GET', ['info', 'werkzeug', '127.0.0.1 GET']],
    ['2024-05-01 12:00:00.5 | ERROR | app.io | disk full', ['error', 'app.io', 'disk full']],
    ['[2024-05-01 12:00:00] [INFO] app: up', ['info', 'app', 'up']],
    ['[12:00:00] WARNING [Svc] late', ['warn', 'Svc', 'late']],
    ['FATAL:x:y', ['critical', 'x', 'y']],
    ['CRITICAL:x:y', ['critical', 'x', 'y']],
    ['WARN:x:y', ['warn', 'x', 'y']],
    ['DEBUG:x:y', ['debug', 'x', 'y']],
    ['[12:00:00] [x] [ERROR] z', ['error', 'x', 'z']],
    ['[INFO] worker-3 step 9 finished', undefined],
    ['DEBUG - not a time', undefined],
    // not Python logging: left to detectLevel, message kept whole
    ['12:00:00 INFO Starting: the server', undefined],
    ['INFO:     Started server process [1]', undefined],
    ['Error: something', undefined],
    ['warning: unused variable', undefined],
    ['2024-05-01 12:00:00 INFO plain text', undefined],
    ['epoch 1/3 loss=0.3', undefined],
    ['', undefined],
  ];
  it.each(table)('%s', (line, expected) => {
    const got = parsePythonLogLine(line);
    expect(got === undefined ? undefined : [got.level, got.logger, got.message]).toEqual(expected);
  });
});

describe('parsePythonLogLine tries only the patterns a line can match', () => {
  // Every pattern in order is the reference: the dispatch on the line's start (and on what follows the time) may only
  // skip patterns that cannot match. Times with each optional part, cut short, too long; each separator; each start.
  const times = [
    '2024-05-01 12:00:00,123',
    '2024-05-01T12:00:00.123456789Z',
    '2024-05-01 12:00:00.1234567890',
    '12:00:00',
    '12:00:00.5+05:00',
    '12:00:00-0500',
    '12:00:00+05:0',
    '12:00:00Z',
    '12:00:0',
    '2024-05-01 12:00',
    '2024-05-0112:00:00',
    '1',
  ];
  const after = [
    ' - app.db - WARNING - m',
    ' - ERROR - m',
    '  - INFO - m',
    ' -INFO - m',
    ' INFO app.worker: m',
    '  [ERROR] mod: m',
    ' WARNING [Name] m',
    ' | INFO | app | m',
    '| DEBUG |x|m',
    '   |INFO|a|',
    ' info x: m',
    ' - ',
    '-',
    '|',
    ' [',
    ' W',
    '',
  ];
  const lines: string[] = [];
  for (const t of times)
    for (const a of after) {
      lines.push(t + a, `[${t}]${a}`, `[${t}] [app]${a.replace(/^ -? ?/, ' [')}`);
      lines.push(`[${t}] [werkzeug] [INFO] m`, `[ ${t}]${a}`);
    }
  it('gives every line what trying every pattern in order gives', () => {
    // One test over the ~850 lines (one test each made the suite's count hard to read); a failure lists the lines.
    const differ = [...new Set(lines)].filter(
      (line) => JSON.stringify(parsePythonLogLine(line)) !== JSON.stringify(firstMatch(line, PATTERNS)),
    );
    expect(differ).toEqual([]);
  });
  it('matches some of them', () => {
    expect(lines.filter((l) => parsePythonLogLine(l) !== undefined).length).toBeGreaterThan(40);
  });
});
