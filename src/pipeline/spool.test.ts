import { describe, it, expect, afterEach } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportOutcome } from '../core/http/http-outcome.js';
import { ORIGINAL_TIMESTAMP } from '../core/log-record.js';
import { MAX_RECORD_AGE_MS } from '../destinations/datadog/limits.js';
import { flushSpool, type SpoolExporter } from './resend.js';
import {
  claimableFiles,
  countSpoolLines,
  createSpoolWriter,
  readSpoolFile,
  spoolLine,
  spoolLines,
  type SpoolEntry,
} from './spool.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ddls-spool-'));
  dirs.push(d);
  return d;
}
const item = (seq: number, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ message: `line ${seq}`, timestamp: 1_000 + seq, 'dd_logstore.seq': seq, ...extra });

/** A real SpoolExporter that keeps what it accepted; `respond` scripts its answers. */
function memoryResend(respond: (batch: SpoolEntry[]) => ExportOutcome = () => ({ kind: 'success' })) {
  const accepted: SpoolEntry[] = [];
  const exporter: SpoolExporter = {
    export(batch) {
      const outcome = respond(batch);
      if (outcome.kind === 'success') accepted.push(...batch);
      return Promise.resolve(outcome);
    },
    split: (batch) =>
      batch.length < 2
        ? undefined
        : [
            { batch: batch.slice(0, batch.length >> 1), count: batch.length >> 1 },
            { batch: batch.slice(batch.length >> 1), count: batch.length - (batch.length >> 1) },
          ],
    shutdown: () => Promise.resolve(),
  };
  return { exporter, accepted };
}

describe('spool writer', () => {
  it('appends lines with run id and reason to an .open file, published as .jsonl on close', () => {
    const dir = tempDir();
    const w = createSpoolWriter({ dir, runId: 'r1', logId: 'l1', now: () => 42 });
    expect(w.append([item(0), item(1)], 'queue full')).toBe(true);
    expect(w.file()).toMatch(/\.open$/);
    // Being written by a live process: not claimable yet.
    expect(claimableFiles(dir)).toEqual([]);
    w.close();
    const [name] = readdirSync(dir);
    expect(name).toMatch(/^42-\d+-[0-9a-f]+\.jsonl$/);
    const { entries, bad } = readSpoolFile(join(dir, name!));
    expect(bad).toBe(0);
    expect(entries).toEqual([
      { runId: 'r1', logId: 'l1', reason: 'queue full', spooledAt: 42, item: JSON.parse(item(0)) },
      { runId: 'r1', logId: 'l1', reason: 'queue full', spooledAt: 42, item: JSON.parse(item(1)) },
    ]);
  });

  it('an .open file left by a dead process is claimable', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '5-999999-aa.open'), '');
    expect(claimableFiles(dir, () => false, 1)).toEqual(['5-999999-aa.open']);
    expect(claimableFiles(dir, () => true, 1)).toEqual([]);
  });

  it("a file claimed under a pid now another process's (reused) is claimable; its claimer's own pid alive keeps it", () => {
    const dir = tempDir();
    writeFileSync(join(dir, '5-1-aa.sending-4242'), '');
    // The progress names the claimer: pid 4242 started at another time, gone (this pid is someone else now).
    const gone = { pid: 4242, host: hostname(), startTicks: 1 };
    writeFileSync(join(dir, '5-1-aa.progress'), JSON.stringify({ offset: 0, bad: 0, owner: gone }));
    expect(claimableFiles(dir, () => true, 1)).toEqual(['5-1-aa.sending-4242']);
    // A progress that names another process (written by an earlier flusher, not yet by this one): the pid decides.
    writeFileSync(join(dir, '5-1-aa.progress'), JSON.stringify({ offset: 0, bad: 0, owner: { ...gone, pid: 77 } }));
    expect(claimableFiles(dir, () => true, 1)).toEqual([]);
    expect(claimableFiles(dir, () => false, 1)).toEqual(['5-1-aa.sending-4242']);
  });
});

describe('flushSpool', () => {
  it('resends, removes what was delivered and keeps the rest with the new reason', async () => {
    const dir = tempDir();
    const w = createSpoolWriter({ dir, runId: 'r1' });
    w.append(
      [0, 1, 2, 3, 4, 5].map((i) => item(i)),
      'retries exhausted',
    );
    w.close();
    const { exporter, accepted } = memoryResend((batch) =>
      batch.some((e) => e.item.message === 'line 3')
        ? { kind: 'failure', status: 400, message: 'HTTP 400: bad' }
        : { kind: 'success' },
    );
    const report = await flushSpool({ dir, exporter });
    expect(report).toMatchObject({ files: 1, read: 6, delivered: 5, kept: 1, rejected: 1 });
    expect(accepted.map((e) => e.item['dd_logstore.seq'])).toEqual([0, 1, 2, 4, 5]);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const left = readSpoolFile(join(dir, files[0]!)).entries;
    expect(left.map((e) => [e.item.message, e.reason])).toEqual([['line 3', 'HTTP 400: bad']]);
    expect(report.deliveredByStream.get('r1\u0000')?.count).toBe(5);
  });

  it('re-stamps records older than 18 h, keeping the original time', async () => {
    const dir = tempDir();
    const now = 100 * 3_600_000;
    const w = createSpoolWriter({ dir, runId: 'r1' });
    w.append([item(0, { timestamp: now - 19 * 3_600_000 }), item(1, { timestamp: now - 1000 })], 'x');
    w.close();
    const { exporter, accepted } = memoryResend();
    const report = await flushSpool({ dir, exporter, restampOlderThanMs: MAX_RECORD_AGE_MS, now: () => now });
    expect(report.restamped).toBe(1);
    expect(accepted.map((e) => [e.item.timestamp, e.item[ORIGINAL_TIMESTAMP]])).toEqual([
      [now, now - 19 * 3_600_000],
      [now - 1000, undefined],
    ]);
  });

  it('moves a corrupt file aside, resends its readable lines, and stops (keeping all) on 401/403', async () => {
    const dir = tempDir();
    const line = (seq: number) =>
      JSON.stringify({ v: 1, run_id: 'r', reason: 'x', spooled_at: 1, item: JSON.parse(item(seq)) as unknown });
    writeFileSync(join(dir, '1-1-aa.jsonl'), `${line(0)}\nnot json\n${line(1)}\n`);
    writeFileSync(join(dir, '2-1-bb.jsonl'), `${line(2)}\n`);
    const warnings: string[] = [];
    const { exporter } = memoryResend(() => ({ kind: 'failure', status: 403, message: 'HTTP 403: Forbidden' }));
    const report = await flushSpool({ dir, exporter, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/1-1-aa\.jsonl has 1 unreadable line: moved to .*corrupt/)]);
    expect(existsSync(join(dir, 'corrupt', '1-1-aa.jsonl'))).toBe(true);
    expect(report).toMatchObject({ files: 1, delivered: 0, kept: 2, authError: { status: 403 } });
    // The second file was never claimed: the 403 stopped the flush.
    expect(existsSync(join(dir, '2-1-bb.jsonl'))).toBe(true);
    const rewritten = readdirSync(dir).filter((n) => n.endsWith('.jsonl') && n !== '2-1-bb.jsonl');
    expect(rewritten).toHaveLength(1);
    expect(readSpoolFile(join(dir, rewritten[0]!)).entries).toHaveLength(2);
  });

  it("`flush`'s countUntried: after a 401/403 the files not tried are counted as kept, never sent", async () => {
    const dir = tempDir();
    const line = (seq: number) =>
      JSON.stringify({ v: 1, run_id: 'r', reason: 'x', spooled_at: 1, item: JSON.parse(item(seq)) as unknown });
    writeFileSync(join(dir, '1-1-aa.jsonl'), `${line(0)}\n${line(1)}\n`);
    writeFileSync(join(dir, '2-1-bb.jsonl'), `${line(2)}\n${line(3)}\n${line(4)}\n`);
    const sent: number[] = [];
    const { exporter } = memoryResend((batch) => {
      sent.push(batch.length);
      return { kind: 'failure', status: 403, message: 'HTTP 403: Forbidden' };
    });
    const report = await flushSpool({ dir, exporter, countUntried: true });
    expect(report).toMatchObject({ files: 2, read: 5, delivered: 0, kept: 5, authError: { status: 403 } });
    expect(sent).toEqual([2]);
    expect(readSpoolFile(join(dir, '2-1-bb.jsonl')).entries).toHaveLength(3);
  });
});

describe('spool lines, read and counted', () => {
  it('countSpoolLines counts what spoolLines hands out: blank lines (white space only) skipped by both', () => {
    const dir = tempDir();
    const entry = (seq: number): string =>
      spoolLine({ runId: 'r', reason: 'x', spooledAt: 1, item: JSON.parse(item(seq)) as Record<string, unknown> });
    const body = entry(1) + '   \n' + '\t\r\n' + '\n' + entry(2) + ' \u00a0 \n' + '\r\n' + entry(3) + '{"torn": ';
    const cases: [string, string, number][] = [
      // name, contents, lines handed out (3 entries, the U+00A0 line unreadable, the torn tail unreadable)
      ['torn tail', body, 5],
      ['blank torn tail', body.slice(0, body.lastIndexOf('{')) + ' \t ', 4],
      ['no tail', body.slice(0, body.lastIndexOf('{')), 4],
    ];
    for (const [name, contents, expected] of cases) {
      const path = join(dir, `${name}.jsonl`);
      writeFileSync(path, contents);
      // Small chunks: blank lines and entries cut across chunk boundaries.
      for (const chunk of [5, 64, 1 << 20]) {
        const lines = [...spoolLines(path, 0, chunk)];
        expect({ name, chunk, n: lines.length }).toEqual({ name, chunk, n: expected });
        expect(lines.filter((l) => l.entry !== undefined).map((l) => l.entry?.item.message)).toEqual([
          'line 1',
          'line 2',
          'line 3',
        ]);
      }
      expect({ name, counted: countSpoolLines(path) }).toEqual({ name, counted: expected });
    }
  });
});
