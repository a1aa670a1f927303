import { describe, it, expect } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIntakeSerializer } from '../datadog/serializer.js';
import { sinkTo } from '../../../test/helpers/sink-to.js';
import { createManualTimers } from '../../../test/helpers/manual-timers.js';
import { testContext, testRecord } from '../../../test/helpers/test-records.js';
import { createLocalExporter } from './exporter.js';
import { localLogPath, localLogUri, safeSegment } from './paths.js';

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'dd-logstore-local-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('local exporter', () => {
  it('appends the intake items plus a unique id as JSONL to <dir>/<run-id>/<log-id>.jsonl, in order', () =>
    withTempDir(async (dir) => {
      const ctx = testContext({ logUri: localLogUri(dir, testContext().runId, testContext().logId) });
      const sink = sinkTo({ flavor: 'local', dir }, ctx, {
        batching: { maxExportBatchSize: 7 },
        timers: createManualTimers(),
      });
      const records = Array.from({ length: 50 }, (_, i) => testRecord(i, { message: `m${i} "q"` }));
      for (const r of records) sink.emit(r);
      expect(await sink.shutdown()).toEqual({ read: 50, delivered: 50, spooled: 0, dropped: 0, failed: 0 });

      const file = join(dir, ctx.runId, `${ctx.logId}.jsonl`);
      const lines = (await readFile(file, 'utf8')).split('\n');
      expect(lines.pop()).toBe('');
      const items = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const serializer = createIntakeSerializer(ctx);
      expect(items.map(({ id: _id, ...rest }) => rest)).toEqual(
        records.map((r) => JSON.parse(serializer.serialize(r))),
      );
      expect(new Set(items.map((i) => i['id'])).size).toBe(50);
      expect(items[0]?.['zenml.log.uri']).toBe(`file://${file}`);
    }));

  it('appends to an existing file across runs of the same stream, with ids that do not collide', () =>
    withTempDir(async (dir) => {
      for (let run = 0; run < 2; run++) {
        const exporter = createLocalExporter({ dir, context: testContext() });
        const batch = exporter.createBatch();
        batch.add(testRecord(0), Infinity);
        batch.add(testRecord(1), Infinity);
        expect(await exporter.export(batch.finish())).toEqual({ kind: 'success' });
        await exporter.shutdown();
      }
      const file = localLogPath(dir, testContext().runId, testContext().logId);
      const ids = (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id);
      expect(ids).toHaveLength(4);
      expect(new Set(ids).size).toBe(4);
    }));

  it('answers failure (counted failed) when the directory cannot be created', () =>
    withTempDir(async (dir) => {
      const blocker = join(dir, 'file');
      await import('node:fs/promises').then((fs) => fs.writeFile(blocker, 'x'));
      const sink = sinkTo({ flavor: 'local', dir: blocker }, testContext(), {
        timers: createManualTimers(),
      });
      sink.emit(testRecord(0));
      expect(await sink.shutdown()).toEqual({ read: 1, delivered: 0, spooled: 0, dropped: 0, failed: 1 });
      expect(sink.firstErrors().failure?.message).toMatch(/^cannot write /);
    }));

  it('keeps user-given run ids inside the logs directory', () => {
    expect(safeSegment('../../etc')).toBe('.._.._etc');
    expect(safeSegment('..')).toBe('_..');
    expect(safeSegment('')).toBe('_');
    expect(localLogPath('/l', 'a/b', 'c')).toBe('/l/a_b/c.jsonl');
  });
});
