import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRunPages } from './run-pages.js';

const dir = mkdtempSync(join(tmpdir(), 'ddls-pages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 1);
const STATUSES = ['info', 'info', 'warn', 'error', 'debug'];

/** A step's JSONL file as the local exporter writes it: `n` records, `everyMs` apart from `startMs`. */
function writeStep(runId: string, step: string, n: number, startMs: number, everyMs: number, shuffle = false): void {
  mkdirSync(join(dir, runId), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const pad = 'x'.repeat(400); // about the size of a real record, so the files pass the first chunk
    lines.push(
      JSON.stringify({
        id: `${step}-${i}`,
        message: `${step} record ${i} ${pad}`,
        status: STATUSES[i % STATUSES.length],
        timestamp: startMs + i * everyMs,
        'dd_logstore.seq': i,
        service: 'zenml',
        'zenml.log.id': `log-${step}`,
        'zenml.run.id': runId,
        'zenml.step.name': step,
      }),
    );
  }
  if (shuffle) [lines[0], lines[n - 1]] = [lines[n - 1]!, lines[0]!];
  writeFileSync(join(dir, runId, `log-${step}.jsonl`), lines.join('\n') + '\n');
}

const open = (runId: string) =>
  createLocalRunPages(dir, {
    runId,
    run: () => undefined,
    now: () => Date.now(),
    sleep: async () => undefined,
    notice: () => undefined,
  });

describe('createLocalRunPages', () => {
  // Two steps whose records interleave in time: the order is by time across the two files.
  writeStep('two-steps', 'a', 6000, T0, 2);
  writeStep('two-steps', 'b', 6000, T0 + 1, 2);

  it('serves a first page before the run is indexed, the same page the full index gives', async () => {
    const pages = open('two-steps');
    const early = await pages.page({}, undefined, 500);
    expect(early.indexing).toBe(true);
    expect(early.total).toBeUndefined();
    expect(early.records.map((r) => r.id).slice(0, 4)).toEqual(['a-0', 'b-0', 'a-1', 'b-1']);
    const second = await pages.page({}, early.next, 500);
    expect(second.indexing).toBeUndefined();
    expect(second.total).toBe(12000);
    const full = await open('two-steps').page({}, undefined, 500);
    const again = await pages.page({}, undefined, 500);
    expect(again.records).toEqual(early.records);
    expect(again.records.map((r) => r.id)).toEqual(full.records.map((r) => r.id));
    expect(second.records[0]!.id).toBe('a-250');
  });

  it('pages by offset to the end, by step, by level and by text', async () => {
    const pages = open('two-steps');
    await pages.page({}, 'o:10000', 10); // past any prefix: the whole run is indexed
    const last = await pages.page({}, 'end', 3);
    expect(last.records.map((r) => r.id)).toEqual(['b-5998', 'a-5999', 'b-5999']);
    expect(last.offset).toBe(11997);
    expect(last.next).toBeUndefined();
    expect(last.resume).toBe('o:12000');
    const b = await pages.page({ step: 'b' }, undefined, 1000);
    expect(b.total).toBe(6000);
    expect(b.records.every((r) => r.step === 'b')).toBe(true);
    const errors = await pages.page({ levels: ['error'] }, undefined, 1000);
    expect(errors.total).toBe(2400);
    expect(errors.records.every((r) => r.level === 'error')).toBe(true);
    const text = await pages.page({ text: 'B RECORD 599' }, undefined, 100);
    expect(text.records.map((r) => r.id)).toEqual(['b-599', ...Array.from({ length: 10 }, (_, i) => `b-${5990 + i}`)]);
    const h = await pages.histogram({ levels: ['warn'] }, 4);
    expect(h.counts.map((c) => c[2])).toEqual([600, 600, 600, 600]);
    expect(h.counts.every((c) => c[1] === 0)).toBe(true);
  });

  it('reads a file whose records are out of order in full before answering', async () => {
    writeStep('shuffled', 'c', 6000, T0, 1, true);
    const first = await open('shuffled').page({}, undefined, 2);
    expect(first.indexing).toBeUndefined();
    expect(first.records.map((r) => r.id)).toEqual(['c-0', 'c-1']);
    expect(first.total).toBe(6000);
  });

  it('never serves more than a page', async () => {
    const r = await open('two-steps').page({}, undefined, 1e9);
    expect(r.records).toHaveLength(1000);
  });
});
