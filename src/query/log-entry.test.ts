import { describe, it, expect } from '@jest/globals';
import { createEntrySet, entryFromFlat, flattenAttributes } from './log-entry.js';

describe('flattenAttributes', () => {
  it('flattens nested objects to dotted keys, the same leaf name under different parents kept apart', () => {
    const nested = {
      zenml: { run: { id: 'r1' }, log: { id: 'l1', source: 'step' } },
      dd_logstore: { seq: 3 },
      tags: ['a'],
    };
    const flat = {
      'zenml.run.id': 'r1',
      'zenml.log.id': 'l1',
      'zenml.log.source': 'step',
      'dd_logstore.seq': 3,
      tags: ['a'],
    };
    expect(flattenAttributes(nested)).toEqual(flat);
    // A second record of the same shape (the dotted keys now come from the cache) gives the same keys.
    expect(flattenAttributes({ ...nested, zenml: { ...nested.zenml, run: { id: 'r2' } } })).toEqual({
      ...flat,
      'zenml.run.id': 'r2',
    });
  });

  it('keeps null and arrays as values and an empty object as no key', () => {
    expect(flattenAttributes({ a: null, b: [1, { c: 2 }], d: {} })).toEqual({ a: null, b: [1, { c: 2 }] });
  });

  it('gives the right keys for many distinct attribute names (past the cache bound)', () => {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < 2500; i++) obj[`p${i}`] = { k: i };
    const flat = flattenAttributes(obj);
    expect(Object.keys(flat)).toHaveLength(2500);
    expect(flat['p0.k']).toBe(0);
    expect(flat['p2499.k']).toBe(2499);
  });
});

describe('createEntrySet', () => {
  const item = (id: string, extra: Record<string, unknown>) =>
    entryFromFlat({ id, timestamp: 1, message: id, 'zenml.log.id': 'L', ...extra }, id);

  it('keeps one of a record delivered twice: same (zenml.log.id, dd_logstore.seq), two ids', () => {
    const set = createEntrySet();
    expect(set.addNew([item('a', { 'dd_logstore.seq': 1 }), item('b', { 'dd_logstore.seq': 1 })])).toHaveLength(1);
  });

  it("keeps every record of a stream without dd_logstore.seq (ZenML's own), told apart by id", () => {
    const set = createEntrySet();
    const three = [item('a', {}), item('b', {}), item('c', {})];
    expect(set.addNew(three).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(set.addNew([item('b', {})])).toHaveLength(0);
  });

  it('tells seqs apart the way a Set of numbers does: large, negative, fractional, NaN, -0, per log id and writer', () => {
    const seqs = [0, 1, 31, 32, 33, 1023, 4096, 70_000, 2 ** 24 - 1, 2 ** 24, 2 ** 40, -1, -0, 1.5, 2 ** 31, NaN];
    // Every seq twice, in another order the second time, and once more from another writer and another log id.
    const entries = [...seqs, ...[...seqs].reverse()].map((seq, i) => ({
      ...item(`x${i}`, {}),
      seq,
      hasSeq: true,
    }));
    const set = createEntrySet();
    const kept = set.addNew(entries);
    const model = new Set<number>();
    expect(kept.map((e) => e.id)).toEqual(
      entries.filter((e) => !model.has(e.seq) && model.add(e.seq)).map((e) => e.id),
    );
    expect(kept).toHaveLength(seqs.length - 1); // 0 and -0 are one record
    for (const e of entries) expect(set.has(e)).toBe(true);
    expect(set.has({ ...item('y', {}), seq: 2, hasSeq: true })).toBe(false);
    expect(set.has({ ...item('y', {}), seq: 2 ** 24 + 1, hasSeq: true })).toBe(false);
    expect(set.addNew(entries.map((e) => ({ ...e, writer: 'w2' })))).toHaveLength(seqs.length - 1);
    expect(set.addNew(entries.map((e) => ({ ...e, logId: 'M' })))).toHaveLength(seqs.length - 1);
    expect(set.size).toBe(3 * (seqs.length - 1));
  });
});
