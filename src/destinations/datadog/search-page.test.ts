import { describe, it, expect } from '@jest/globals';
import { parseSearchAnswer, splitSearchAnswer } from './search-page.js';

/** parseSearchAnswer must give what JSON.parse of the text gives, key order included. */
function same(text: string, split = true): void {
  // The page is read in runs of events (not handed to JSON.parse whole) when it has the usual shape.
  expect(splitSearchAnswer(Buffer.from(text, 'utf8')) !== undefined).toBe(split);
  const got = parseSearchAnswer(Buffer.from(text, 'utf8'));
  expect(JSON.stringify(got)).toBe(JSON.stringify(JSON.parse(text)));
  expect(got).toEqual(JSON.parse(text));
}

function event(i: number, attributes: Record<string, unknown> = {}, message = `line ${i}`): Record<string, unknown> {
  return {
    id: `AQAA${i}`,
    type: 'log',
    attributes: {
      timestamp: '2024-05-01T12:00:00.000Z',
      message,
      status: 'info',
      tags: ['source:dd-logstore'],
      attributes: { zenml: { run: { id: 'r1' } }, dd_logstore: { seq: i }, ...attributes },
    },
  };
}

function page(
  events: unknown[],
  rest = ',"meta":{"status":"done","page":{"after":"abc"}},"links":{"next":"x"}}',
): string {
  return `{"data":${JSON.stringify(events)}${rest}`;
}

/** Enough events that the page is parsed in several runs (each of ~100 KiB). */
const many = (n: number, f: (i: number) => Record<string, unknown> = (i) => event(i)) =>
  Array.from({ length: n }, (_, i) => f(i));

describe('parseSearchAnswer', () => {
  it('gives what JSON.parse gives for a page of several runs of events', () => {
    same(page(many(1000)));
    same(page(many(1)));
    same(page([]), false);
    same('{"data":[]}', false);
    same(page(many(3), '}'));
  });

  it('is not fooled by `},{"` or `}]` inside a message, a key or a nested array, at any place in the page', () => {
    const tricky = [
      '{"a":1},{"b":2}',
      'x}]y',
      '},{"',
      '}],"meta":{"page":{"after":"evil"}}}',
      '\\"},{\\"',
      'tab\there "quoted" \\ back',
    ];
    for (let at = 0; at < 1000; at += 97) {
      const events = many(1000, (i) =>
        i === at || i === at + 1
          ? event(
              i,
              {
                items: [{ id: 'a' }, { id: 'b', more: [{ c: 1 }, { d: '}]' }] }],
                'k},{"': { '}]': [{}] },
              },
              tricky.join(' | '),
            )
          : event(i),
      );
      same(page(events));
    }
    // Every event holds cuts that are not event ends: each run's first cut past ~100 KiB falls inside one.
    same(page(many(1500, (i) => event(i, { items: [{ id: 'a' }, { id: 'b' }, { c: [{}, { d: 'x}]' }] }] }))));
    // The last event ends with a nested array of objects.
    same(page([...many(5), event(5, { z: [{ a: 1 }, { b: 2 }] })]));
  });

  it('reads meta warnings and keys after data as JSON.parse does, and leaves odd shapes to it', () => {
    same(page(many(10), ',"meta":{"warnings":[{"code":"w1"},{"code":"w2"}],"status":"timeout"}}'));
    // Other key orders, whitespace, and a body that is not a page.
    same(`{"meta":{"status":"done"},"data":${JSON.stringify(many(3))}}`, false);
    same(JSON.stringify({ data: many(3), meta: { status: 'done' } }, null, 2), false);
    same('{"errors":["Forbidden"]}', false);
    same(page(many(3), '}   \n'));
  });

  it('keeps non-ASCII text whole and skips a byte order mark', () => {
    const events = many(600, (i) => event(i, { who: 'Ünïcødé ☃' }, `é ${'€'.repeat(i % 50)} 😀 line ${i}`));
    same(page(events));
    const text = page(events);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    expect(parseSearchAnswer(withBom)).toEqual(JSON.parse(text));
  });

  it('throws on what is not JSON, as JSON.parse does', () => {
    expect(() => parseSearchAnswer(Buffer.from('<html>bad gateway</html>'))).toThrow(SyntaxError);
    expect(() => parseSearchAnswer(Buffer.from('{"data":[{"id":"a"},{"id":'))).toThrow(SyntaxError);
    expect(() => parseSearchAnswer(Buffer.from(page(many(300)).slice(0, -5)))).toThrow(SyntaxError);
  });
});
