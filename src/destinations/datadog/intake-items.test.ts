/**
 * Two ways the intake items are written cheaper, each held to the same bytes as the plain way:
 * - the record builder marks records whose message needs no JSON escaping (core/log-record.ts `JsonSafeRecord`), and
 *   the serializer copies such a message without its check: for every input and every way it is cut into chunks;
 * - the exporter's batches chain their items (json-batch.ts `ChainedItems`: an item's tail and the next one's opening
 *   in one copy): the same body, the same item ends, the same batch sizes under every byte limit.
 */
import { describe, it, expect } from '@jest/globals';
import { testContext } from '../../../test/helpers/test-records.js';
import { NEEDS_JSON_ESCAPE } from '../../core/json-string.js';
import type { LogRecordData, StreamName } from '../../core/log-record.js';
import { createJsonBatchFactory, splitJsonBatch, type JsonBatch } from '../../pipeline/json-batch.js';
import { createRecordBuilder, MAX_PENDING_LINE_CHARS, type RecordMask } from '../../runner/record-builder.js';
import { createEscapeScan } from '../../runner/escape-scan.js';
import { createIntakeSerializer, ITEM_OPENING } from './serializer.js';

const SECRET = 'sk-live-0123456789abcdef';
const mask: RecordMask = {
  text: (t) => (t.includes(SECRET) ? t.replaceAll(SECRET, '****') : t),
  deep: <T>(v: T): T => JSON.parse(JSON.stringify(v).replaceAll(SECRET, '****')) as T,
};

function build(chunks: readonly [StreamName, Buffer][], rawLines: boolean, withMask: boolean): LogRecordData[] {
  const records: LogRecordData[] = [];
  const builder = createRecordBuilder({
    stderrLevel: 'error',
    now: () => 1_700_000_000_000,
    onRecord: (r) => records.push(r),
    rawLines,
    mask: withMask ? mask : undefined,
  });
  for (const [stream, chunk] of chunks) builder.push(stream, chunk);
  builder.end();
  return records;
}

/** Batches of intake items, chained as the exporter writes them or one item after the other. */
function batchFactory(chained: boolean): ReturnType<typeof createJsonBatchFactory> {
  const serializer = createIntakeSerializer(testContext());
  return createJsonBatchFactory(
    (out, r) => serializer.write(out, r),
    'array',
    chained ? { opening: ITEM_OPENING, write: (out, r) => serializer.writeChained(out, r) } : undefined,
  );
}

/**
 * The records as one intake batch: as the exporter writes them (chained, the hint used) and the plain way (each item
 * on its own, copies of the records: a copy drops the hint).
 */
function batches(records: readonly LogRecordData[]): { hinted: Buffer; plain: Buffer } {
  const body = (chained: boolean, rs: readonly LogRecordData[]): Buffer => {
    const batch = batchFactory(chained).createBatch();
    for (const r of rs) expect(batch.add(r, Number.MAX_SAFE_INTEGER)).toBe(true);
    return Buffer.from(batch.finish().body);
  };
  return {
    hinted: body(true, records),
    plain: body(
      false,
      records.map((r) => ({ ...r })),
    ),
  };
}

/** Checks one cut of the input; answers how many records carried the hint. */
function check(chunks: readonly [StreamName, Buffer][], rawLines: boolean, withMask: boolean): number {
  const records = build(chunks, rawLines, withMask);
  const hinted = records.filter((r) => r.jsonSafeMessage === true);
  for (const r of hinted) expect(NEEDS_JSON_ESCAPE.test(r.message)).toBe(false);
  // And ASCII: the serializer copies a marked message as Latin-1, which is its UTF-8 only then.
  for (const r of hinted) expect(Buffer.from(r.message, 'latin1').equals(Buffer.from(r.message, 'utf8'))).toBe(true);
  // The hint is not a field: the record's own keys are a LogRecordData's.
  for (const r of hinted)
    expect(Object.keys(r)).toEqual(['timestamp', 'seq', 'stream', 'level', 'message', 'attributes']);
  const { hinted: a, plain: b } = batches(records);
  expect(a.equals(b)).toBe(true);
  return hinted.length;
}

const lines = [
  'plain line',
  'say "hello" to the quotes',
  'a back\\slash and a \\n that is not a newline',
  'tab\tseparated\tcolumns',
  'bell \x07 and backspace \x08 and form feed \x0c and unit sep \x1f and nul \x00',
  'DEL \x7f is not escaped',
  '\x1b[31mERROR\x1b[0m red with ANSI',
  'ünïcødé ✓ and an emoji \u{1f600}',
  '2024-05-01 12:00:00,123 INFO app.worker: processed "item" 7',
  '2024-05-01 12:00:00,123 INFO app.worker: processed item 8',
  'WARNING:app.db:slow query took 1532 ms',
  'INFO:app:a\ttab after a logger',
  '[INFO] worker-3 step 9 finished',
  '{"level":"info","msg":"json \\"quoted\\" line","path":"/x"}',
  `the key ${SECRET} printed`,
  'progress 10%\rprogress 100%',
  '',
  '   ',
  'Traceback (most recent call last):',
  '  File "x.py", line 1, in <module>',
  'ValueError: "bad"',
  'after the traceback',
  'last plain line',
];

describe('records marked JSON-safe by the record builder', () => {
  const text = Buffer.from(lines.join('\n') + '\n', 'utf8');
  const withInvalid = Buffer.concat([Buffer.from('bytes \xff\xfe here\n', 'latin1'), text]);

  it.each([
    ['journal on, a secret in the mask', true, true],
    ['journal on, no mask', true, false],
    ['journal off', false, false],
  ])('give the same intake bytes as unmarked copies, the input cut at every byte (%s)', (_, rawLines, withMask) => {
    let marked = 0;
    for (const input of [text, withInvalid]) {
      for (let cut = 0; cut <= input.length; cut++) {
        marked += check(
          [
            ['stdout', input.subarray(0, cut)],
            ['stdout', input.subarray(cut)],
          ],
          rawLines,
          withMask,
        );
      }
    }
    // Most cuts leave the plain lines wholly in one ASCII chunk: marked (else the test checks nothing).
    expect(marked).toBeGreaterThan(2 * text.length);
  });

  it('marks only lines with nothing to escape, wholly in one ASCII chunk', () => {
    const ascii = Buffer.from(lines.filter((l) => !l.includes('ü')).join('\n') + '\n', 'utf8');
    const records = build([['stdout', ascii]], true, true);
    const marked = records.filter((r) => r.jsonSafeMessage === true).map((r) => r.message);
    expect(marked).toEqual([
      'plain line',
      'DEL \x7f is not escaped',
      'processed item 8',
      'slow query took 1532 ms',
      '[INFO] worker-3 step 9 finished',
      'after the traceback',
      'last plain line',
    ]);
    // With ü and the emoji the chunk is not ASCII: nothing of it is marked.
    expect(
      build([['stdout', Buffer.concat([text, Buffer.from('ü\n')])]], false, false).some((r) => r.jsonSafeMessage),
    ).toBe(false);
  });

  it('each byte a JSON string escapes, alone in its line, keeps the line unmarked', () => {
    const escaped = [0x22, 0x5c, ...Array.from({ length: 0x20 }, (_, b) => b).filter((b) => b !== 0x0a)];
    const input = Buffer.from(
      escaped.map((b) => `before ${String.fromCharCode(b)} after ${b}\nclean ${b}\n`).join(''),
      'latin1',
    );
    const records = build([['stdout', input]], true, false);
    expect(records.filter((r) => r.jsonSafeMessage === true).map((r) => r.message)).toEqual(
      escaped.map((b) => `clean ${b}`),
    );
    check([['stdout', input]], true, false);
  });

  it('random lines, random chunks, both streams', () => {
    // A small deterministic generator: the same inputs every run.
    let state = 0x2545f491;
    const rand = (n: number): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const alphabet = ['a', 'b', ' ', '"', '\\', '\t', '\x01', '\x1f', '\x7f', '\x1b[1m', 'é', '\r', '{', '}', ':'];
    const starts = ['', 'INFO:app:', 'ERROR ', '2024-05-01 12:00:00,123 WARNING x.y: ', '[INFO] ', '{"msg":"'];
    let marked = 0;
    for (let round = 0; round < 300; round++) {
      let s = '';
      const n = 1 + rand(12);
      for (let i = 0; i < n; i++) {
        s += starts[rand(starts.length)];
        const len = rand(30);
        for (let j = 0; j < len; j++) s += rand(3) === 0 ? (alphabet[rand(alphabet.length)] as string) : 'x';
        s += '\n';
      }
      const bytes = Buffer.from(s, 'utf8');
      const chunks: [StreamName, Buffer][] = [];
      for (let at = 0; at < bytes.length;) {
        const size = 1 + rand(40);
        chunks.push([rand(4) === 0 ? 'stderr' : 'stdout', bytes.subarray(at, at + size)]);
        at += size;
      }
      marked += check(chunks, rand(2) === 0, rand(2) === 0);
    }
    expect(marked).toBeGreaterThan(100);
  });

  it('CR/LF lines, a non-ASCII chunk between ASCII ones, a secret across chunks', () => {
    const ascii = (n: number): string => `line ${n} of plain ASCII text, nothing to escape\n`;
    const parts = [
      Buffer.from(ascii(1) + ascii(2) + `the key ${SECRET.slice(0, 7)}`),
      Buffer.from(`${SECRET.slice(7)} printed\r\n` + ascii(3)),
      Buffer.from('non-ASCII: é ✓\r\n' + ascii(4), 'utf8'),
      Buffer.from(ascii(5) + 'a CR/LF line\r\n' + ascii(6)),
      // A character split across two chunks: the decoder holds its first byte, so the next chunk is not marked.
      Buffer.from('split ✓', 'utf8').subarray(0, -1),
      Buffer.concat([Buffer.from('✓', 'utf8').subarray(-1), Buffer.from('\n' + ascii(7))]),
      Buffer.from(ascii(8)),
    ];
    for (const withMask of [true, false]) {
      const records = build(
        parts.map((p) => ['stdout', p]),
        true,
        withMask,
      );
      // Lines of wholly ASCII chunks with nothing held before are marked; a CR/LF line is not (`\r` is escaped).
      expect(records.filter((r) => r.jsonSafeMessage === true).map((r) => r.message)).toEqual(
        [1, 2, 3, 5, 6, 8].map((n) => `line ${n} of plain ASCII text, nothing to escape`),
      );
      expect(records.some((r) => r.message.includes(SECRET))).toBe(!withMask);
      check(
        parts.map((p) => ['stdout', p]),
        true,
        withMask,
      );
    }
  });

  it('a line too long to hold, cut at the limit, a secret across the cut', () => {
    // Held up to MAX_PENDING_LINE_CHARS, then recorded in pieces; the mask's `cut` keeps the secret whole.
    const cutMask: RecordMask = { ...mask, cut: (t) => (t.includes(SECRET) ? t.indexOf(SECRET) : t.length) };
    const before = 'z'.repeat(MAX_PENDING_LINE_CHARS - 10);
    const input = Buffer.from(`short\n${before}${SECRET}${'w'.repeat(100_000)}\nafter\n`);
    const records: LogRecordData[] = [];
    const builder = createRecordBuilder({
      stderrLevel: 'error',
      now: () => 1_700_000_000_000,
      onRecord: (r) => records.push(r),
      rawLines: true,
      mask: cutMask,
    });
    for (let at = 0; at < input.length; at += 65_536) builder.push('stdout', input.subarray(at, at + 65_536));
    builder.end();
    expect(records.filter((r) => r.jsonSafeMessage === true).map((r) => r.message)).toEqual(['short', 'after']);
    expect(records.some((r) => r.message.includes(SECRET))).toBe(false);
    expect(records.map((r) => r.message).join('')).toBe(`short${before}****${'w'.repeat(100_000)}after`);
    const { hinted, plain } = batches(records);
    expect(hinted.equals(plain)).toBe(true);
  });

  it('a line over the part size is not marked, and goes out in parts as before', () => {
    const long = 'y'.repeat(1024 * 1024);
    const input = Buffer.from(`short\n${long}\nafter\n`);
    for (const cut of [3, 10, 65_536, 500_000, input.length - 3])
      check(
        [
          ['stdout', input.subarray(0, cut)],
          ['stdout', input.subarray(cut)],
        ],
        true,
        false,
      );
  });
});

describe('escape scan', () => {
  it('finds every escaped byte, asked in order or not', () => {
    const chunk = Buffer.from('ab"cd\\ef\tgh\x01ij\nkl', 'latin1');
    const scan = createEscapeScan();
    expect(scan.clean(0, 2)).toBe(false);
    scan.begin(chunk);
    const expected = (start: number, end: number): boolean =>
      chunk.subarray(start, end).every((b) => b !== 0x22 && b !== 0x5c && (b >= 0x20 || b === 0x0a));
    for (let start = 0; start < chunk.length; start++)
      for (let end = start; end <= chunk.length; end++) {
        scan.begin(chunk);
        expect([start, end, scan.clean(start, end)]).toEqual([start, end, expected(start, end)]);
      }
    // Without a new begin: starts going up, then back to the beginning.
    scan.begin(chunk);
    for (const [start, end] of [
      [0, 2],
      [3, 5],
      [6, 8],
      [9, 11],
      [12, 14],
      [15, 17],
      [0, 1],
      [2, 3],
    ] as const)
      expect([start, end, scan.clean(start, end)]).toEqual([start, end, expected(start, end)]);
  });
});

describe('chained intake items', () => {
  const ascii = Buffer.from(lines.filter((l) => !l.includes('ü')).join('\n') + '\nü\n' + lines.join('\n'), 'utf8');
  const records = build(
    [
      ['stdout', ascii.subarray(0, 200)],
      ['stderr', ascii.subarray(200)],
    ],
    true,
    false,
  );
  records.push({ ...(records[0] as LogRecordData), seq: 99, stream: 'combined', attributes: { 'logger.name': 'x' } });

  /** Batches of at most `maxBytes` as the batching processor makes them: a refused record starts the next batch. */
  function fill(chained: boolean, maxBytes: number): JsonBatch[] {
    const factory = batchFactory(chained);
    const out: JsonBatch[] = [];
    let batch = factory.createBatch();
    for (const r of records) {
      if (batch.add(r, maxBytes)) continue;
      out.push(batch.finish());
      batch = factory.createBatch();
      expect(batch.add(r, maxBytes)).toBe(true);
    }
    out.push(batch.finish());
    return out;
  }

  it('has records with escapes, attributes and the hint among them', () => {
    expect(records.some((r) => r.jsonSafeMessage === true)).toBe(true);
    expect(records.some((r) => NEEDS_JSON_ESCAPE.test(r.message))).toBe(true);
    expect(records.some((r) => r.attributes !== undefined)).toBe(true);
  });

  it('makes the same batches as items written one by one, under every byte limit', () => {
    const whole = fill(false, Number.MAX_SAFE_INTEGER)[0]?.body.length ?? 0;
    for (let maxBytes = 1; maxBytes <= whole + 1; maxBytes += 7) {
      const a = fill(true, maxBytes);
      const b = fill(false, maxBytes);
      expect(a.map((x) => [x.count, x.ends, x.body.toString()])).toEqual(
        b.map((x) => [x.count, x.ends, x.body.toString()]),
      );
      for (const x of a) {
        JSON.parse(x.body.toString());
        const halves = splitJsonBatch(x, 'array');
        if (halves) for (const h of halves) JSON.parse(h.batch.body.toString());
      }
    }
  });

  it('gives each item the end of its own logger and stream, with more loggers than the serializer recalls', () => {
    // Six names over three streams, interleaved and repeated: the recent names are checked first, then the Map.
    const names = ['app.worker', 'app.db', 'app', 'urllib3.connectionpool', 'app.db', 'torch', 'x', 'y', 'app.worker'];
    const streams: StreamName[] = ['stdout', 'stderr', 'combined'];
    const base = records[0] as LogRecordData;
    const logged: LogRecordData[] = [];
    for (let i = 0; i < 60; i++) {
      // Each stream in turn gets all the names (its own recent names and Map), then the next stream.
      const name = names[i % names.length] as string;
      const stream = streams[Math.floor(i / names.length) % 3] as StreamName;
      logged.push({ ...base, seq: i, stream, attributes: { 'logger.name': name } });
    }
    const body = (chained: boolean): string => {
      const batch = batchFactory(chained).createBatch();
      for (const r of logged) expect(batch.add(r, Number.MAX_SAFE_INTEGER)).toBe(true);
      return batch.finish().body.toString();
    };
    const text = body(true);
    expect(text).toBe(body(false));
    const items = JSON.parse(text) as Record<string, unknown>[];
    expect(items.map((x) => [x['logger.name'], x['dd_logstore.stream']])).toEqual(
      logged.map((r) => [r.attributes?.['logger.name'], r.stream]),
    );
  });

  it('an empty batch is [] and a released buffer is reused as the plain way', () => {
    const factory = batchFactory(true);
    expect(factory.createBatch().finish().body.toString()).toBe('[]');
    const first = factory.createBatch();
    first.add(records[1] as LogRecordData, Number.MAX_SAFE_INTEGER);
    const done = first.finish();
    const text = done.body.toString();
    factory.release(done);
    const again = factory.createBatch();
    again.add(records[1] as LogRecordData, Number.MAX_SAFE_INTEGER);
    expect(again.finish().body.toString()).toBe(text);
  });
});
