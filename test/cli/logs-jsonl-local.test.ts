/**
 * `logs --output jsonl` of a local run spells each record's attributes from the stream's members rendered once
 * (destinations/local/store-reader.ts `attributesJson`) instead of stringifying an object built per record. The lines
 * must be what `--output json` holds for the same records, re-stringified: every kind of attribute a record can carry
 * (none, a logger, a JSON line's values of each type, nested objects and arrays, keys JSON.stringify would reorder,
 * rename or drop, escapes), and a stream whose own members have an index-like key (a `--tag 123:x`).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCli, tempHome } from './harness.js';

const CHILD = `
const lines = [
  'plain ascii line',
  'WARNING:app.db:slow query took 1532 ms',
  '2024-05-01 12:00:00,123 INFO app.worker: processed item 1 of the batch',
  JSON.stringify({ message: 'typed', level: 'warn', user: 'bob', n: 3, f: 1.5, big: 1e21, b: true, z: null }),
  JSON.stringify({ message: 'nested', nested: { a: 1, b: [1, 2], c: { d: 'e' } }, arr: [1, 'x', null] }),
  JSON.stringify({ message: 'index-like keys', 0: 'zero', 10: 'ten', k: 'v' }),
  JSON.stringify({ message: 'reserved keys', version: 'mine', 'attr.version': 'also', service: 'svc' }),
  '{"message":"proto","__proto__":{"polluted":true},"after":1}',
  JSON.stringify({ message: 'escapes', 'k\\u00e9"y': 'v\\n\\u2028\\u0001', emoji: '\\u{1f600}' }),
  JSON.stringify({ message: 'empty object', e: {}, s: '' }),
];
for (const l of lines) console.log(l);
console.error('Traceback (most recent call last):');
console.error('  File "x.py", line 1, in <module>');
console.error('ValueError: bad');
`;

describe('logs --output jsonl of a local run (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const cli = (args: string[]) => runCli(args, { home });
  beforeAll(async () => {
    for (const [id, tags] of [
      ['plain', ['--tag', 'team:ml']],
      ['indexed', ['--tag', '123:x', '--tag', 'team:ml']],
    ] as const) {
      const r = await cli(['run', '--run-id', id, ...tags, '--', process.execPath, '-e', CHILD]);
      expect(r.code).toBe(0);
    }
  });
  afterAll(() => cleanup());

  for (const id of ['plain', 'indexed'])
    it(`prints what --output json holds, line for line (${id})`, async () => {
      const jsonl = await cli(['logs', '--run-id', id, '--output', 'jsonl']);
      const json = await cli(['logs', '--run-id', id, '--output', 'json']);
      expect(jsonl.code).toBe(0);
      expect(json.code).toBe(0);
      const expected = (JSON.parse(json.stdout) as unknown[]).map((o) => JSON.stringify(o));
      const lines = jsonl.stdout.split('\n').slice(0, -1);
      expect(lines).toEqual(expected);
      // Every record, and the attributes that make each case.
      expect(lines).toHaveLength(11);
      // The stream's index-like tag key comes first in every record of that run.
      const first = id === 'indexed' ? '"attributes":{"123":"x",' : '"attributes":{';
      expect(jsonl.stdout).toContain(`${first}"logger.name":"app.db","dd_logstore.seq":1,`);
      // An own key the stream holds is renamed, and an own `attr.version` then takes its place.
      expect(jsonl.stdout).toContain(`${first}"attr.version":"also","service":"svc","dd_logstore.seq":6,`);
      expect(jsonl.stdout).toContain(`${first}"after":1,"dd_logstore.seq":7,`);
      expect(jsonl.stdout).not.toContain('polluted');
      expect(jsonl.stdout).toContain('"error.kind":"ValueError"');
      // Index-like own keys first too, in their order.
      expect(jsonl.stdout).toContain(
        id === 'indexed'
          ? '"attributes":{"0":"zero","10":"ten","123":"x","k":"v",'
          : '"attributes":{"0":"zero","10":"ten","k":"v",',
      );
    });
});
