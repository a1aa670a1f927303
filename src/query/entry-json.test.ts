import { describe, it, expect } from '@jest/globals';
import { jsonlLine } from './entry-json.js';
import { flattenAttributes } from './log-entry.js';
import type { LogEntry } from './log-entry.js';
import { createPrinter } from './render.js';
import { createColor } from '../io/color.js';

/** The line as the printer spelled it before jsonlLine: JSON.stringify of the stable object. */
function oracle(e: LogEntry): string {
  return JSON.stringify({
    id: e.id,
    timestamp: Number.isFinite(e.timestamp) ? new Date(e.timestamp).toISOString() : null,
    status: e.status,
    message: e.message,
    service: e.service ?? null,
    host: e.host ?? null,
    tags: e.tags ?? [],
    attributes: e.nested ? flattenAttributes(e.attributes) : e.attributes,
  });
}

function entry(attributes: Record<string, unknown>, over: Partial<LogEntry> = {}): LogEntry {
  return {
    id: 'AQAAAE1',
    timestamp: Date.UTC(2026, 11, 6, 12, 0, 0, 123),
    status: 'info',
    message: 'hello',
    service: 'zenml',
    host: 'vm',
    tags: ['source:dd-logstore'],
    step: undefined,
    logId: undefined,
    seq: 0,
    writer: undefined,
    hasSeq: false,
    attributes,
    nested: true,
    ...over,
  };
}

/** Attributes as Datadog returns them: parsed from JSON text (so `__proto__` is an own key, as JSON.parse makes it). */
const parsed = (json: string): Record<string, unknown> => JSON.parse(json) as Record<string, unknown>;

const ODD_STRINGS = [
  '',
  'plain ascii',
  'quote " and backslash \\ and slash /',
  'tab\there, newline\nthere, CR\r, NUL \u0000, unit separator \u001f, DEL \u007f',
  'line separator \u2028 and paragraph separator \u2029',
  'non-ASCII: é, ü, 日本語, \u00a0 (no-break space), \u0085 (NEL)',
  'emoji 😀 (a surrogate pair)',
  'lone high \ud800 surrogate',
  'lone low \udfff surrogate',
  'reversed pair \udc00\ud800',
  '<script>&</script>',
  '\\u0000 spelled out',
];

const ODD_NUMBERS = [0, -0, 1, -12.5, 1e21, 1.5e-7, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity];

describe('jsonlLine', () => {
  it('spells odd strings in every field as JSON.stringify does', () => {
    for (const s of ODD_STRINGS) {
      const e = entry(
        { a: s, nested: { deeper: { b: s } }, list: [s, { c: s }] },
        { id: s, status: s, message: s, service: s, host: s, tags: [s, 'x'] },
      );
      expect(jsonlLine(e)).toBe(oracle(e));
    }
  });

  it('spells numbers, booleans, null, arrays and empty objects as JSON.stringify does', () => {
    for (const n of ODD_NUMBERS) {
      const e = entry({ n, b: true, f: false, z: null, arr: [1, [2, { x: null }], 'a'], empty: {}, o: { e: {} } });
      expect(jsonlLine(e)).toBe(oracle(e));
    }
    const e = entry({}, { timestamp: NaN, service: undefined, host: undefined, tags: undefined });
    expect(jsonlLine(e)).toBe(oracle(e));
    expect(jsonlLine(e)).toContain('"timestamp":null,');
  });

  it('keeps the flattened order and values where keys collide, repeat or look like indexes', () => {
    const cases = [
      '{"b":1,"10":2,"2":{"x":3},"a":{"1":4,"0":5}}',
      '{"b":1,"10":2,"2":3,"a":{"1":4,"0":5}}',
      '{"b":{"10":{"2":1}},"3":{}}',
      '{"a.b":1,"a":{"b":2}}',
      '{"a":{"b":2},"a.b":1}',
      '{"":{"a":1},"a":2}',
      '{"":1,"a":{"":2,"b":{"":3}}}',
      '{"__proto__":{"x":1},"y":2}',
      '{"__proto__":[1,2],"y":2}',
      '{"__proto__":null,"y":2}',
      '{"__proto__":5,"y":2}',
      '{"a":{"__proto__":1},"toJSON":2,"constructor":{"x":3}}',
      '{"d":{"e":{"f":{"g":{"h":{"i":"deep"}}}}}}',
      '{"k\\"ey":1,"k\\\\ey":{"\\u0001":2},"ké":{"日本":3},"sur\\ud800":4}',
    ];
    for (const json of cases) {
      const e = entry(parsed(json));
      expect(jsonlLine(e)).toBe(oracle(e));
    }
  });

  it('spells flat (local) attributes and odd field types as JSON.stringify does', () => {
    const odd: Partial<LogEntry>[] = [
      { nested: false },
      { id: 7 as unknown as string },
      { status: undefined as unknown as string },
      { message: null as unknown as string },
      { service: 3 as unknown as string },
      { host: null as unknown as string },
      { tags: [1, null, 'a'] as unknown as string[] },
      { tags: 'a,b' as unknown as string[] },
      { tags: [] },
    ];
    for (const over of odd) {
      const e = entry(parsed('{"zenml.run.id":"r1","seq":3,"__proto__":{"x":1},"0":"zero"}'), over);
      expect(jsonlLine(e)).toBe(oracle(e));
    }
    const undef = entry({ u: undefined, fn: () => 1, ok: 1 });
    expect(jsonlLine(undef)).toBe(oracle(undef));
  });

  it('gives each record its own values when records share their shape, and when the shape changes', () => {
    // Seeded pseudo-random records from a small pool of names and values: the per-key caches are hit, missed and
    // replaced, and shapes change between records.
    let seed = 42;
    const rand = (n: number): number => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const names = ['run', 'id', 'seq', 'log', 'a', 'b', '0', '7', '10', 'x.y', 'z'];
    const values: unknown[] = [...ODD_STRINGS, ...ODD_NUMBERS.filter(Number.isFinite), true, false, null, [1, 'a']];
    const object = (depth: number): Record<string, unknown> => {
      const o: Record<string, unknown> = {};
      const n = rand(5);
      for (let i = 0; i < n; i++) {
        const k = names[rand(names.length)] as string;
        o[k] = depth < 3 && rand(3) === 0 ? object(depth + 1) : values[rand(values.length)];
      }
      return o;
    };
    const shared = object(0);
    for (let i = 0; i < 3000; i++) {
      // Half the records repeat one shape with its values, some of them changed.
      const attrs = rand(2) === 0 ? parsed(JSON.stringify(shared)) : parsed(JSON.stringify(object(0)));
      if (rand(4) === 0) attrs.run = values[rand(values.length)];
      const e = entry(attrs, {
        timestamp: 1_700_000_000_000 + rand(3),
        status: rand(2) === 0 ? 'info' : 'error',
        message: ODD_STRINGS[rand(ODD_STRINGS.length)] as string,
        service: rand(5) === 0 ? undefined : 'zenml',
        tags: rand(5) === 0 ? ['source:x', 'k:v'] : ['source:dd-logstore'],
      });
      expect(jsonlLine(e)).toBe(oracle(e));
    }
  });

  it('is what the jsonl printer writes, one line a record', () => {
    const entries = ODD_STRINGS.map((s, i) => entry(parsed(JSON.stringify({ i, s, o: { s } })), { message: s }));
    let out = '';
    const printer = createPrinter(
      'jsonl',
      { write: (text) => void (out += text), flush: () => {} },
      createColor(false),
    );
    printer.print(entries);
    printer.end();
    expect(out).toBe(entries.map((e) => `${oracle(e)}\n`).join(''));
  });
});
