import { describe, it, expect } from '@jest/globals';
import type { Level, LogRecordData, StreamName } from '../core/log-record.js';
import { createRecordBuilder, finalState, PART_ATTRIBUTE, PROGRESS_INTERVAL_MS } from './record-builder.js';
import { MAX_MESSAGE_BYTES } from './message-parts.js';
import { Redactor } from '../io/redact.js';
import { MAX_TRACEBACK_LINES, TRACEBACK_IDLE_FLUSH_MS } from './traceback.js';

function setup(stderrLevel: Level = 'error') {
  const records: LogRecordData[] = [];
  const clock = { t: 1_000_000 };
  const builder = createRecordBuilder({ stderrLevel, now: () => clock.t, onRecord: (r) => records.push(r) });
  const push = (stream: StreamName, text: string | Buffer) =>
    builder.push(stream, typeof text === 'string' ? Buffer.from(text) : text);
  const messages = () => records.map((r) => r.message);
  return { records, clock, builder, push, messages };
}

describe('lines', () => {
  it('splits on \\n and \\r\\n and records a last line without \\n at end()', () => {
    const { push, builder, messages } = setup();
    push('stdout', 'one\ntwo\r\nthr');
    push('stdout', 'ee\nlast without newline');
    expect(messages()).toEqual(['one', 'two', 'three']);
    builder.end();
    expect(messages()).toEqual(['one', 'two', 'three', 'last without newline']);
    builder.end();
    expect(messages()).toHaveLength(4);
  });

  it('gives the same records whatever the chunk boundaries, down to one byte at a time', () => {
    const text =
      'héllo wörld €100\r\n\x1b[31mERROR\x1b[0m red 😀\nprogress\r 10%\r 50%\r100%\n{"msg":"ü","level":"warn"}\ntail 😀';
    const whole = setup();
    whole.push('stdout', text);
    whole.builder.end();
    const bytes = Buffer.from(text);
    const split = setup();
    for (let i = 0; i < bytes.length; i++) split.push('stdout', bytes.subarray(i, i + 1));
    split.builder.end();
    expect(split.records).toEqual(whole.records);
    expect(whole.messages()).toEqual(['héllo wörld €100', 'ERROR red 😀', '100%', 'ü', 'tail 😀']);
  });

  it('replaces invalid UTF-8 bytes and a cut-off character at the end, never throws', () => {
    const { push, builder, messages } = setup();
    push('stdout', Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a]));
    push('stdout', Buffer.from([0x63, 0xe2, 0x82])); // "c" and the first two bytes of "€"
    builder.end();
    expect(messages()).toEqual(['a\ufffd\ufffdb', 'c\ufffd']);
  });

  it('skips blank lines and strips ANSI sequences', () => {
    const { push, messages } = setup();
    push('stdout', '\n   \n\x1b[1m\x1b[0m\n\x1b[32mgreen\x1b[0m text\n');
    expect(messages()).toEqual(['green text']);
  });

  it('numbers records across both streams in the order their lines completed, stamped with now()', () => {
    const { push, clock, records } = setup();
    push('stdout', 'a\nb');
    clock.t += 5;
    push('stderr', 'c\n');
    push('stdout', '\n');
    expect(records.map((r) => [r.seq, r.stream, r.message, r.timestamp])).toEqual([
      [0, 'stdout', 'a', 1_000_000],
      [1, 'stderr', 'c', 1_000_005],
      [2, 'stdout', 'b', 1_000_005],
    ]);
  });
});

describe('redraws', () => {
  it('records only the final state of a \\r-redrawn line', () => {
    expect(finalState('\rA\rB\rC')).toBe('C');
    expect(finalState('done\r')).toBe('done');
    expect(finalState('x\rdone\r\r')).toBe('done');
    expect(finalState('\r')).toBe('');
    const { push, messages } = setup();
    push('stderr', 'Downloading\r 10%\r 20%\r100% done\r\n');
    expect(messages()).toEqual(['100% done']);
  });

  it('turns a 1,000-redraw progress bar written chunk by chunk into one record of its final state', () => {
    const { push, builder, records } = setup();
    for (let i = 1; i <= 1000; i++) push('stderr', `\r${i}/1000 [${'#'.repeat(i % 40)}]`);
    push('stderr', '\n');
    push('stdout', 'after\n');
    builder.end();
    expect(records.map((r) => r.message)).toEqual([`1000/1000 [${'#'.repeat(1000 % 40)}]`, 'after']);
  });

  it('records a line that keeps redrawing at most once per interval, plus its final state', () => {
    const { push, clock, records, builder } = setup();
    // 35 s of redraws, one a second, never a \n.
    for (let s = 0; s <= 35; s++) {
      push('stderr', `\rstep ${s}`);
      clock.t += 1000;
    }
    // Each progress record is the last complete state before the interval ran out.
    expect(records.map((r) => r.message)).toEqual(['step 9', 'step 19', 'step 29']);
    builder.end();
    expect(records.map((r) => r.message)).toEqual(['step 9', 'step 19', 'step 29', 'step 35']);
  });

  it('tick() records a stalled progress line once, not again while it does not change', () => {
    const { push, clock, builder, messages } = setup();
    push('stdout', '\r 1%\r 2%\r');
    clock.t += PROGRESS_INTERVAL_MS - 1;
    builder.tick();
    expect(messages()).toEqual([]);
    clock.t += 1;
    builder.tick();
    expect(messages()).toEqual(['2%'.padStart(3)]);
    clock.t += PROGRESS_INTERVAL_MS;
    builder.tick();
    expect(messages()).toEqual([' 2%']);
    push('stdout', ' 3%\n');
    expect(messages()).toEqual([' 2%', ' 3%']);
  });

  it('keeps a \\r\\n split across chunks a line ending', () => {
    const { push, messages } = setup();
    push('stdout', 'abc\r');
    push('stdout', '\ndef\n');
    expect(messages()).toEqual(['abc', 'def']);
  });
});

describe('levels', () => {
  it('uses info for stdout, stderrLevel for stderr, and the level a line announces', () => {
    const { push, records } = setup('warn');
    push('stdout', 'plain\nERROR:app:bad\n');
    push('stderr', 'plain\nDEBUG:app:detail\nlevel=fatal msg=x\n');
    expect(records.map((r) => [r.stream, r.level])).toEqual([
      ['stdout', 'info'],
      ['stdout', 'error'],
      ['stderr', 'warn'],
      ['stderr', 'debug'],
      ['stderr', 'critical'],
    ]);
  });

  it('takes JSON lines apart', () => {
    const { push, records } = setup();
    push('stderr', '{"level":"info","ts":1700000000.25,"msg":"served","path":"/x"}\n{"msg":"no level"}\n');
    expect(records).toEqual([
      {
        seq: 0,
        stream: 'stderr',
        level: 'info',
        timestamp: 1700000000250,
        message: 'served',
        attributes: { path: '/x' },
      },
      { seq: 1, stream: 'stderr', level: 'error', timestamp: 1_000_000, message: 'no level', attributes: undefined },
    ]);
  });
});

describe('tracebacks', () => {
  const simple = [
    'Traceback (most recent call last):',
    '  File "/app/main.py", line 10, in <module>',
    '    main()',
    '  File "/app/main.py", line 7, in main',
    '    raise ValueError("bad value")',
    '    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
    'ValueError: bad value',
  ];

  it('groups a traceback into one error record, on stdout too', () => {
    const { push, records } = setup();
    push('stdout', `before\n${simple.join('\n')}\nafter\n`);
    expect(records.map((r) => [r.level, r.message])).toEqual([
      ['info', 'before'],
      ['error', simple.join('\n')],
      ['info', 'after'],
    ]);
  });

  it('keeps chained tracebacks in the same record', () => {
    const chained = [
      ...simple,
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      ...simple.slice(0, 3),
      'KeyError: x',
      '',
      'The above exception was the direct cause of the following exception:',
      '',
      ...simple.slice(0, 3),
      'RuntimeError: wrapped',
    ];
    const { push, records, builder } = setup('info');
    push('stderr', `${chained.join('\n')}\n\nnext line\n`);
    builder.end();
    expect(records.map((r) => [r.level, r.message])).toEqual([
      ['error', chained.join('\n')],
      ['info', 'next line'],
    ]);
  });

  it('groups an exception group, which is indented as a whole', () => {
    const group = [
      '  + Exception Group Traceback (most recent call last):',
      '  |   File "<stdin>", line 1, in <module>',
      '  | ExceptionGroup: two (2 sub-exceptions)',
      '  +-+---------------- 1 ----------------',
      '    | ValueError: 1',
      '    +------------------------------------',
    ];
    const { push, messages } = setup();
    push('stderr', `${group.join('\n')}\nnext\n`);
    expect(messages()).toEqual([group.join('\n'), 'next']);
  });

  it('starts a new record past MAX_TRACEBACK_LINES', () => {
    const frames = Array.from({ length: MAX_TRACEBACK_LINES + 10 }, (_, i) => `  frame ${i}`);
    const { push, builder, records } = setup();
    push('stderr', `Traceback (most recent call last):\n${frames.join('\n')}\nValueError: x\n`);
    builder.end();
    expect(records).toHaveLength(2);
    expect(records[0]?.message.split('\n')).toHaveLength(MAX_TRACEBACK_LINES);
    expect(records.every((r) => r.level === 'error')).toBe(true);
    expect(records.map((r) => r.message).join('\n')).toBe(
      `Traceback (most recent call last):\n${frames.join('\n')}\nValueError: x`,
    );
  });

  it('emits a finished traceback before a later line of the other stream', () => {
    const { push, messages } = setup();
    push('stderr', `${simple.join('\n')}\n`);
    push('stdout', 'later on stdout\n');
    expect(messages()).toEqual([simple.join('\n'), 'later on stdout']);
  });

  it('lets a stdout line that completed during the traceback go first', () => {
    const { push, messages, builder } = setup();
    push('stderr', `${simple.slice(0, 3).join('\n')}\n`);
    push('stdout', 'meanwhile\n');
    push('stderr', `${simple.slice(3).join('\n')}\n`);
    builder.end();
    expect(messages()).toEqual(['meanwhile', simple.join('\n')]);
  });

  it('tick() emits a traceback that has been idle, end() one still held', () => {
    const { push, clock, builder, messages } = setup();
    push('stderr', `${simple.join('\n')}\n`);
    builder.tick();
    expect(messages()).toEqual([]);
    clock.t += TRACEBACK_IDLE_FLUSH_MS;
    builder.tick();
    expect(messages()).toEqual([simple.join('\n')]);
    push('stderr', 'Traceback (most recent call last):\n  File "x"\n');
    builder.end();
    expect(messages()).toEqual([simple.join('\n'), 'Traceback (most recent call last):\n  File "x"']);
  });
});

describe('big records', () => {
  it('splits a 2 MB line into parts that join back to the original, each with dd_logstore.part', () => {
    const line = Array.from({ length: (2 * 1024 * 1024) / 16 }, (_, i) => `${String(i).padStart(7, '0')}-€-😀-`).join(
      '',
    );
    const bytes = Buffer.from(`${line}\n`);
    const { push, records } = setup();
    for (let i = 0; i < bytes.length; i += 65536) push('stdout', bytes.subarray(i, i + 65536));
    const n = Math.ceil((bytes.length - 1) / MAX_MESSAGE_BYTES);
    expect(records).toHaveLength(n);
    expect(records.map((r) => r.attributes?.[PART_ATTRIBUTE])).toEqual(
      Array.from({ length: n }, (_, i) => `${i + 1}/${n}`),
    );
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(records.map((r) => r.message).join('')).toBe(line);
    for (const r of records) expect(Buffer.byteLength(r.message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it('numbers the parts of a line too long to hold across the whole line (20 MB): i/? while it goes on, n/n last', () => {
    const { push, records, builder } = setup();
    const end = () => builder.end();
    const chunk = 'abcdefghij'.repeat(6554); // ~64 KB
    let sent = '';
    while (sent.length < 20 * 1024 * 1024) {
      push('stdout', chunk);
      sent += chunk;
    }
    push('stdout', 'tail\nnext line\n');
    end();
    const parts = records.filter((r) => r.attributes?.[PART_ATTRIBUTE] !== undefined);
    const n = parts.length;
    expect(n).toBeGreaterThan(20);
    expect(parts.map((r) => r.attributes?.[PART_ATTRIBUTE])).toEqual(
      Array.from({ length: n }, (_, i) => (i === n - 1 ? `${n}/${n}` : `${i + 1}/?`)),
    );
    expect(parts.map((r) => r.message).join('')).toBe(sent + 'tail');
    expect(records.at(-1)?.message).toBe('next line');
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i));
  });

  it('keeps JSON attributes on every part', () => {
    const { push, records } = setup();
    push('stdout', `${JSON.stringify({ msg: 'z'.repeat(MAX_MESSAGE_BYTES + 5), job: 7 })}\n`);
    expect(records.map((r) => r.attributes)).toEqual([
      { job: 7, [PART_ATTRIBUTE]: '1/2' },
      { job: 7, [PART_ATTRIBUTE]: '2/2' },
    ]);
  });

  it('sizes parts by their JSON: a 1.2 MB line of JSON text (no message field) makes parts under 900 KiB as JSON', () => {
    const dump = JSON.stringify(
      Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`layer_${i}`, { act: 'relu' }])),
    );
    const { push, records } = setup();
    push('stdout', `${dump}\n`);
    expect(records.length).toBeGreaterThan(1);
    expect(records.map((r) => r.message).join('')).toBe(dump);
    for (const r of records)
      expect(Buffer.byteLength(JSON.stringify(r.message))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES + 2);
  });

  it('sends a JSON line whose own fields are too big to go beside each part as its text, in parts, at its level', () => {
    const line = JSON.stringify({ msg: 'request done', level: 'warning', body: 'x'.repeat(1_500_000) });
    const { push, records } = setup();
    push('stdout', `${line}\n`);
    expect(records.map((r) => r.message).join('')).toBe(line);
    expect(records.map((r) => r.attributes)).toEqual([{ [PART_ATTRIBUTE]: '1/2' }, { [PART_ATTRIBUTE]: '2/2' }]);
    expect(records.map((r) => r.level)).toEqual(['warn', 'warn']);
    // Fields that fit in one record with the message stay fields, even big ones: only a record that cannot fit goes
    // as text.
    for (const size of [20_000, 300_000]) {
      const kept = setup();
      kept.push('stdout', `${JSON.stringify({ msg: 'ok', level: 'warning', body: 'y'.repeat(size) })}\n`);
      expect(kept.records.map((r) => [r.message, r.level, r.attributes])).toEqual([
        ['ok', 'warn', { body: 'y'.repeat(size) }],
      ]);
    }
  });

  it('measures a traceback of control characters with its attributes, though its message alone fits one part', () => {
    const { push, records, builder } = setup();
    // 150,000 control characters: 900 KB as JSON, and error.stack and error.message repeat them.
    push(
      'stderr',
      `Traceback (most recent call last):\n  File "x.py", line 1\nValueError: ${'\u0001'.repeat(150_000)}\n`,
    );
    builder.end();
    for (const r of records)
      expect(Buffer.byteLength(JSON.stringify({ message: r.message, ...r.attributes }))).toBeLessThan(960_000);
  });

  it("keeps a traceback's records under the intake's 1 MB with error.stack and error.message beside the message", () => {
    const { push, records, builder } = setup();
    const exception = `ValueError: ${'é'.repeat(500_000)}`;
    push('stderr', `Traceback (most recent call last):\n  File "train.py", line 3, in <module>\n${exception}\n`);
    builder.end();
    // (Lengths and flags compared, not the texts: a failure would print 800 KB.)
    const withError = records.filter((r) => r.attributes?.['error.kind'] === 'ValueError');
    expect(withError.length).toBeGreaterThan(1);
    expect(withError.map((r) => r.message).join('') === exception).toBe(true);
    for (const r of records)
      expect(Buffer.byteLength(JSON.stringify({ message: r.message, ...r.attributes }))).toBeLessThan(960_000);
    for (const r of withError) {
      const message = String(r.attributes?.['error.message']);
      expect([message.length, message.endsWith('... (495904 characters left out)')]).toEqual([4096 + 32, true]);
      expect(
        String(r.attributes?.['error.stack']).includes("characters left out: the whole traceback is the log's message"),
      ).toBe(true);
    }
  });
});

describe('Python, as Datadog reads it', () => {
  it('records a warning and the source line under it as one warn record, on stderr', () => {
    const { push, records, builder, clock } = setup();
    push('stderr', '/app/train.py:12: UserWarning: lr is high\n  warnings.warn("lr is high")\n');
    push('stderr', '/app/x.py:3: numpy.VisibleDeprecationWarning: ragged\n');
    push('stderr', 'next\n');
    push('stderr', '/app/y.py:4: FutureWarning: soon\n');
    clock.t += 1000;
    builder.tick();
    push('stderr', '  late indented line\n');
    builder.end();
    expect(records.map((r) => [r.level, r.message])).toEqual([
      ['warn', '/app/train.py:12: UserWarning: lr is high\n  warnings.warn("lr is high")'],
      ['warn', '/app/x.py:3: numpy.VisibleDeprecationWarning: ragged'],
      ['error', 'next'],
      ['warn', '/app/y.py:4: FutureWarning: soon'],
      ['error', '  late indented line'],
    ]);
  });

  it('finds every warning of a chunk, one at its very end of line too, as it does one byte at a time', () => {
    // Lines wholly in an ASCII chunk are looked up in one search of the chunk for `Warning: `; cut into single bytes,
    // no line is, and each is searched alone.
    const text =
      'plain\nprose with Warning: inside\n/a.py:1: UserWarning: \n  src()\nmid\n/b.py:2: UserWarning: two\n' +
      '/c.py:3: DeprecationWarning: three\nWarning: \nend Warning:\n/d.py:4: FutureWarning: '.padEnd(200, 'x') +
      '\n';
    const whole = setup();
    whole.push('stderr', text);
    whole.builder.end();
    const split = setup();
    for (const b of Buffer.from(text)) split.push('stderr', Buffer.from([b]));
    split.builder.end();
    expect(whole.records.map((r) => [r.level, r.message])).toEqual(split.records.map((r) => [r.level, r.message]));
    expect(whole.records.map((r) => r.level)).toEqual([
      'error',
      'error',
      'warn',
      'error',
      'warn',
      'warn',
      'warn',
      'error',
      'warn',
    ]);
  });

  it('keeps the order when the other stream writes while a warning is held', () => {
    const { push, records } = setup();
    push('stderr', '/app/a.py:1: UserWarning: w\n');
    push('stdout', 'printed after\n');
    expect(records.map((r) => [r.stream, r.message])).toEqual([
      ['stderr', '/app/a.py:1: UserWarning: w'],
      ['stdout', 'printed after'],
    ]);
  });

  it('takes a logging line apart: level, logger.name, the message without the prefix', () => {
    const { push, records } = setup();
    push('stderr', 'WARNING:app.db:slow query\n');
    push('stdout', '2024-05-01 12:00:00,123 - train - INFO - epoch 1\n');
    expect(records.map((r) => [r.level, r.message, r.attributes])).toEqual([
      ['warn', 'slow query', { 'logger.name': 'app.db' }],
      ['info', 'epoch 1', { 'logger.name': 'train' }],
    ]);
  });

  it("puts error.kind, error.message and error.stack on a traceback's record", () => {
    const { push, records, builder } = setup();
    const tb = ['Traceback (most recent call last):', '  File "a.py", line 1, in <module>', "KeyError: 'x'"];
    push('stderr', `${tb.join('\n')}\n`);
    push('stderr', 'Traceback (most recent call last):\n  File "b.py", line 2, in f\nKeyboardInterrupt\n');
    builder.end();
    expect(records.map((r) => r.attributes)).toEqual([
      { 'error.kind': 'KeyError', 'error.message': "'x'", 'error.stack': tb.join('\n') },
      {
        'error.kind': 'KeyboardInterrupt',
        'error.stack': 'Traceback (most recent call last):\n  File "b.py", line 2, in f\nKeyboardInterrupt',
      },
    ]);
  });

  it('names the last exception of a chain', () => {
    const { push, records, builder } = setup();
    const chain = [
      'Traceback (most recent call last):',
      '  File "a.py", line 1, in <module>',
      'KeyError: 1',
      '',
      'The above exception was the direct cause of the following exception:',
      '',
      'Traceback (most recent call last):',
      '  File "a.py", line 3, in <module>',
      'mylib.errors.ConfigError: bad config: lr',
    ];
    push('stderr', `${chain.join('\n')}\n`);
    builder.end();
    expect(records[0]?.attributes).toMatchObject({
      'error.kind': 'mylib.errors.ConfigError',
      'error.message': 'bad config: lr',
    });
  });
});

describe('combined stream', () => {
  it('keeps one order; a line that does not say its level is info', () => {
    const { push, records, builder } = setup();
    push('combined', 'out 1\nerr 1\nERROR:app:failed\n');
    builder.end();
    expect(records.map((r) => [r.stream, r.level, r.message, r.seq])).toEqual([
      ['combined', 'info', 'out 1', 0],
      ['combined', 'info', 'err 1', 1],
      ['combined', 'error', 'failed', 2],
    ]);
  });
});

describe('secrets with the journal on (rawLines)', () => {
  // The builder skips the per-line search for lines wholly in a chunk that holds no secret: every other way a
  // secret can reach a message must still be masked, whatever the chunk boundaries.
  const SECRET = 'sk-live-0123456789abcdef';
  function masked(chunks: string[]): string[] {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const records: LogRecordData[] = [];
    const builder = createRecordBuilder({
      stderrLevel: 'error',
      now: () => 1_000_000,
      onRecord: (r) => records.push(r),
      rawLines: true,
      mask: {
        text: (t) => redactor.redactIfPresent(t),
        deep: (v) => redactor.redactDeepIfPresent(v),
        cut: (t) => redactor.safeCut(t),
      },
    });
    for (const c of chunks) builder.push('stdout', Buffer.from(c));
    builder.end();
    return records.map((r) => r.message + (r.attributes ? ' ' + JSON.stringify(r.attributes) : ''));
  }

  it('masks a secret in a clean-looking line, split across chunks, made by ANSI, in JSON escapes and logger names', () => {
    const lines = [
      'plain line',
      `key is ${SECRET} here`,
      `INFO:${SECRET}:logger name`,
      `2024-05-01 12:00:00,123 INFO app.worker: ${SECRET}`,
      `sk-live-0123\x1b[0m456789abcdef joined by ANSI`,
      `{"message":"sk-live-\\u0030123456789abcdef","level":"info"}`,
      'another plain line',
    ];
    const text = lines.join('\n') + '\n';
    const expected = masked([text]);
    expect(expected.join('\n')).not.toContain(SECRET);
    expect(expected).toContain('key is **** here');
    // Every cut point: the secret split between two chunks, a line across chunks, a clean chunk after a dirty one.
    for (let cut = 1; cut < text.length; cut++) {
      const got = masked([text.slice(0, cut), text.slice(cut)]);
      expect(got).toEqual(expected);
    }
  });

  it('leaves lines of a chunk without a secret as they came', () => {
    expect(masked(['one\nINFO:app:two\nthree\n'])).toEqual(['one', 'two {"logger.name":"app"}', 'three']);
  });
});
