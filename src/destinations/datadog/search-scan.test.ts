import { describe, it, expect } from '@jest/globals';
import { jsonlLine } from '../../query/entry-json.js';
import type { LogEntry } from '../../query/log-entry.js';
import type { LogsSearchEvent } from './api-client.js';
import { entryFromEvent } from './log-entry.js';
import { scanSearchAnswer } from './search-scan.js';

/** The fields `logs` filters, orders and de-duplicates on. */
const FIELDS = ['id', 'timestamp', 'status', 'message', 'step', 'logId', 'seq', 'writer', 'hasSeq'] as const;

/**
 * The scanner's answer must be the object path's, record by record: the same `jsonl` line, byte for byte, and the
 * same fields. `scanned`: how many records are expected to come as bytes (the others are converted as objects).
 */
function same(text: string, scanned?: number): void {
  const bytes = Buffer.from(text, 'utf8');
  const answer = scanSearchAnswer(bytes);
  expect(answer).toBeDefined();
  const parsed = JSON.parse(text) as { data: LogsSearchEvent[]; meta?: unknown; links?: unknown };
  const records = answer?.scanned ?? [];
  expect(records).toHaveLength(parsed.data.length);
  expect(answer?.data).toEqual([]);
  expect(answer?.meta).toEqual(parsed.meta);
  expect(answer?.links).toEqual(parsed.links);
  parsed.data.forEach((ev, i) => {
    const want = entryFromEvent(ev);
    const got = records[i] as LogEntry;
    for (const k of FIELDS) expect([i, k, got[k]]).toEqual([i, k, want[k]]);
    const line = got.lineBytes?.toString('utf8', got.lineStart, got.lineEnd) ?? `${jsonlLine(got)}\n`;
    expect(line).toBe(`${jsonlLine(want)}\n`);
  });
  if (scanned !== undefined) expect(records.filter((r) => r.lineBytes !== undefined)).toHaveLength(scanned);
}

function event(i: number, attrs: Record<string, unknown> = {}, fields: Record<string, unknown> = {}): unknown {
  return {
    id: `AQAA${i}`,
    type: 'log',
    attributes: {
      timestamp: new Date(Date.UTC(2024, 4, 1, 12, 0, 0, Math.floor(i / 3))).toISOString(),
      message: `line ${i}`,
      status: i % 5 === 0 ? 'warn' : 'info',
      service: 'zenml',
      host: 'vm',
      tags: ['source:dd-logstore', 'env:ci'],
      attributes: {
        status: 'info',
        timestamp: 1714564800000 + i,
        dd_logstore: { seq: i, stream: 'stdout', writer: 'w1' },
        zenml: { log: { id: 'L1', source: 'step' }, run: { id: 'r1' }, step: { name: 'train' } },
        ...attrs,
      },
      ...fields,
    },
  };
}

const page = (events: unknown[], rest = ',"meta":{"status":"done","page":{"after":"abc"},"elapsed":12}}') =>
  `{"data":${JSON.stringify(events)}${rest}`;

describe('scanSearchAnswer: the object path, without the objects', () => {
  it('reads a page of common records as bytes, the same lines and fields', () => {
    same(page(Array.from({ length: 1000 }, (_, i) => event(i))), 1000);
  });

  it('spells strings as JSON.stringify does: escapes, controls, ANSI, non-ASCII, surrogates', () => {
    const texts = [
      'say "hi"',
      'back\\slash and / slash',
      'tab\there\nnew line\r',
      '\u001b[31mred\u001b[0m',
      'caf\u00e9 \u00b5s \u2014 \u{1F600} \u2028\u2029',
      'lone \ud800 and \udc00 surrogates',
      '\u0000\u0001\u001f\u007f',
      '',
    ];
    const events = texts.map((t, i) =>
      event(i, { text: t, [`k${i}`]: { nested: t } }, { message: t, host: t, status: t === '' ? 'info' : t }),
    );
    same(page(events), texts.length);
    // Escapes the API's encoder may choose (Go writes < as \u003c) are spelled as we spell them.
    same(page([event(1)]).replace('line 1', 'a \\u003cb\\u003e \\/ \\u00e9'), 1);
    same(page([event(1, { tag: 'x' }, { tags: ['a"b', 'caf\u00e9'] })]), 1);
  });

  it('numbers, booleans, null, arrays and nested objects as the flattened object holds them', () => {
    const values = [0, -1, 3.25, -0, 1e21, 1.5e-7, 123456789012345, 2 ** 63, true, false, null];
    same(page(values.map((v, i) => event(i, { v, deep: { a: { b: { c: v } } }, empty: {} }))), values.length);
    same(page([event(1, { list: [1, 'two', { three: [3] }, null], zenml: { run: { id: 'r1' }, tags: [] } })]), 1);
    // Numbers spelled otherwise in the page: 1E2, 1.50, 1e400 (not finite: null), -0.
    const odd = page([event(1, { a: 111, b: 222, c: 333, d: 444 })])
      .replace('111', '1E2')
      .replace('222', '1.50')
      .replace('333', '1e400')
      .replace('444', '-0');
    same(odd, 1);
  });

  it('missing and null fields, another order of keys, spaces between tokens', () => {
    const bare = { id: 'AQAA1', type: 'log', attributes: { timestamp: '2024-05-01T12:00:00.000Z' } };
    const nulls = {
      id: 'AQAA2',
      type: 'log',
      attributes: { ...(bare.attributes as object), service: null, host: null, tags: null },
    };
    // Datadog's own order: attributes first, then id and type; inside, the nested attributes first.
    const alphabetical = {
      attributes: {
        attributes: { dd_logstore: { seq: 7 } },
        host: 'h',
        message: 'm',
        service: 's',
        status: 'error',
        tags: [],
        timestamp: '2024-05-01T12:00:01.000Z',
      },
      id: 'AQAA3',
      type: 'log',
    };
    same(page([bare, nulls, alphabetical]), 3);
    // Spaces and new lines between the tokens of the events (the page still starts `{"data":[`).
    const spaced = page([alphabetical, bare, event(3)]);
    same(spaced.slice(0, 9) + spaced.slice(9).replace(/,"/g, ' ,\n "').replace(/":/g, '" :\t'), 3);
  });

  it('the fields logs reads: seq as a string, empty or null, a null step name, the run name, a writer of another type', () => {
    const cases: Record<string, unknown>[] = [
      { dd_logstore: { seq: '42', writer: 'w2' } },
      { dd_logstore: { seq: '' } },
      { dd_logstore: { seq: null, writer: 7 } },
      { dd_logstore: { seq: false } },
      { dd_logstore: { seq: [1] } },
      { zenml: { step: { name: null, run: { name: 'run-step' } }, log: { id: 'L2' } } },
      { zenml: { step: { run: { name: 'only-run' } } } },
      { zenml: { step: { name: 3, run: { name: 'ignored' } } } },
      { zenml: { log: { id: 9 } } },
    ];
    same(page(cases.map((a, i) => event(i, a))));
  });

  it('converts an uncommon record as an object and keeps the page order', () => {
    const uncommon = [
      event(1, { 'dotted.key': 1 }),
      event(2, { '2': 'index-like' }),
      event(3, JSON.parse('{"__proto__":"x"}') as Record<string, unknown>),
      event(4, { dd_logstore: { seq: { deep: 1 } } }),
      event(5, {}, { tags: 'not-an-array' }),
      event(6, {}, { status: 3 }),
      event(7, {}, { timestamp: 'not a time' }),
      event(8, {}, { extra: { nested: 1 } }),
      event(9, {}, { attributes: 'not an object' }),
      { id: 10, type: 'log', attributes: { timestamp: '2024-05-01T12:00:00.000Z' } },
    ];
    const events = uncommon.flatMap((e, i) => [event(100 + i), e]);
    same(page(events), uncommon.length);
    // A repeated key: JSON.parse keeps the last value, in the first one's place.
    same(page([event(1), event(2)]).replace('"stream":"stdout"', '"stream":"stdout","writer":"w0","stream":"x"'), 1);
  });

  it('leaves to the object path a page it cannot read: not UTF-8, a BOM, another shape, no events, not JSON', () => {
    const good = page([event(1)]);
    const notUtf8 = Buffer.concat([
      Buffer.from(good.slice(0, 60)),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(good.slice(60)),
    ]);
    expect(scanSearchAnswer(notUtf8)).toBeUndefined();
    expect(scanSearchAnswer(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]))).toBeUndefined();
    expect(scanSearchAnswer(Buffer.from(`{"meta":{},"data":${JSON.stringify([event(1)])}}`))).toBeUndefined();
    expect(scanSearchAnswer(Buffer.from('{"data":[],"meta":{}}'))).toBeUndefined();
    expect(scanSearchAnswer(Buffer.from(good.slice(0, -1)))).toBeUndefined();
    expect(scanSearchAnswer(Buffer.from(good.replace('"type":"log"', '"type":lo')))).toBeUndefined();
    expect(scanSearchAnswer(Buffer.from(good.replace('line 1', 'bad \\x escape')))).toBeUndefined();
    expect(scanSearchAnswer(Buffer.from(`{"data":[{"id":"x","type":"log"}]}`))).toBeUndefined();
    expect(scanSearchAnswer(Buffer.from(good.replace('],"meta"', '],"data":[1],"meta"')))).toBeUndefined();
  });

  it('pseudo-random records that share, change and mix shapes', () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
    const values = ['a', 'caf\u00e9', 'q"uote', '\u001b[1m', 1, -2.5, 0, true, null, [1, 'x'], {}, { x: { y: 'z' } }];
    const names = ['alpha', 'beta', 'zenml', 'dd_logstore', 'seq', 'x_y', 'Name', 'a b'];
    const events = Array.from({ length: 500 }, (_, i) => {
      const attrs: Record<string, unknown> = {};
      for (let k = rnd(6); k > 0; k--)
        attrs[pick(names)] = rnd(3) === 0 ? { [pick(names)]: pick(values) } : pick(values);
      return event(i, attrs, rnd(10) === 0 ? { message: pick(['', 'x\ny', 'caf\u00e9']) } : {});
    });
    same(page(events));
  });
});
