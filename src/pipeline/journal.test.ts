import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogRecordData, StreamContext } from '../core/log-record.js';
import {
  ACK_WAIT_MS,
  GONE_PREFIX,
  createJournalWriter,
  journalDir,
  listJournals,
  readJournal,
  removeGoneJournals,
} from './journal.js';
import {
  BAD,
  SHORT,
  SKIPPED,
  createFrameDecoder,
  createFrameEncoder,
  createFrameSpan,
  decodeHeader,
  scanAcks,
  SEGMENT_VERSION,
  type FrameResult,
} from './segment-format.js';
import { createSegmentWriter } from './segment-writer.js';

const context: StreamContext & { writer: string } = {
  runId: 'r',
  logId: 'l',
  logSource: 'run',
  logStoreId: 'id',
  logStoreName: 'dd',
  tags: [],
  service: 'zenml',
  serviceVersion: '1',
  hostname: 'h',
  source: 'dd-logstore',
  writer: 'w1',
};

const record = (seq: number, timestamp = 1_700_000_000_000): LogRecordData => ({
  timestamp,
  seq,
  stream: 'stdout',
  level: 'info',
  message: `line ${seq}`,
});
const range = (from: number, to: number): LogRecordData[] =>
  Array.from({ length: to - from + 1 }, (_, i) => record(from + i));

/** Every frame of a segment file after its header, decoded as the journal's reader does. */
function framesOf(file: string): FrameResult[] {
  const bytes = readFileSync(file);
  const h = decodeHeader(bytes);
  if (h.kind !== 'ok') throw new Error(`${file}: ${h.kind}`);
  const d = createFrameDecoder();
  const out: FrameResult[] = [];
  for (let at = h.bodyStart; at < bytes.length;) {
    const r = d.decode(bytes, at);
    out.push(r);
    if (r.kind === 'short' || r.kind === 'bad') break;
    at = r.next;
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('ack frames (the journal checkpoint inside its segments)', () => {
  it('round-trip in front of a chunk: the records after them keep their absolute base and deltas', () => {
    const enc = createFrameEncoder();
    enc.begin();
    enc.encodeAcks([0, 499, 1000, 1000, 2 ** 40, 2 ** 40 + 7]);
    // Frames (not a block): each after the first is a delta from the one before, the ack frame between none.
    for (const r of [record(5, 10), record(6, 12), record(9, 11)]) enc.encode(r);
    const bytes = enc.bytes();
    const d = createFrameDecoder();
    const first = d.decode(bytes, 0);
    expect(first).toMatchObject({ kind: 'acks', ranges: [0, 499, 1000, 1000, 2 ** 40, 2 ** 40 + 7] });
    const seqs: number[] = [];
    const times: number[] = [];
    for (let at = first.kind === 'acks' ? first.next : bytes.length; at < bytes.length;) {
      const r = d.decode(bytes, at);
      if (r.kind !== 'record') throw new Error(r.kind);
      seqs.push(r.record.seq);
      times.push(r.record.timestamp);
      at = r.next;
    }
    expect(seqs).toEqual([5, 6, 9]);
    expect(times).toEqual([10, 12, 11]);

    // The acks alone, without decoding the records; the local store's span reader passes them over.
    const out: number[] = [];
    expect(scanAcks(bytes, 0, out)).toEqual({ at: bytes.length, short: false });
    expect(out).toEqual([0, 499, 1000, 1000, 2 ** 40, 2 ** 40 + 7]);
    const span = createFrameSpan();
    expect(createFrameDecoder().decodeSpan(bytes, 0, span)).toBe(SKIPPED);
    expect(span.next).toBe(first.kind === 'acks' ? first.next : -1);
  });

  it('cut short or damaged: short, or refused, never ranges that are not there', () => {
    const enc = createFrameEncoder();
    enc.begin();
    enc.encodeAcks([3, 9]);
    const bytes = Buffer.from(enc.bytes());
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(createFrameDecoder().decode(bytes.subarray(0, cut), 0).kind).toBe('short');
      const out: number[] = [];
      expect(scanAcks(bytes.subarray(0, cut), 0, out)).toMatchObject({ at: 0, short: true });
      expect(out).toEqual([]);
      expect(createFrameDecoder().salvage(bytes.subarray(0, cut), 0)).toEqual([]);
    }
    // A range count larger than the body holds.
    const damaged = Buffer.from(bytes);
    damaged[2] = 5;
    expect(createFrameDecoder().decode(damaged, 0)).toEqual({ kind: 'bad', reason: 'damaged ack frame' });
    const out: number[] = [];
    expect(scanAcks(damaged, 0, out).bad).toBe('damaged ack frame');
    expect(out).toEqual([]);
    // Not a frame kind at all: the scan stops there.
    expect(scanAcks(Buffer.from([2, 0xff, 0]), 0, []).bad).toBe('unknown frame flags');
    expect(createFrameDecoder().decodeSpan(Buffer.from([3, 0xff, 0, 0]), 0, createFrameSpan())).toBe(BAD);
    expect(createFrameDecoder().decodeSpan(bytes.subarray(0, 2), 0, createFrameSpan())).toBe(SHORT);
  });
});

describe('the journal writer and its reader', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'journal-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("acks go in front of the next chunk's frames (one write), else alone once their wait ran out", async () => {
    const spoolDir = tempDir();
    const journal = createJournalWriter({ spoolDir, context });
    expect(journal.append(range(0, 9))).toBe(true);
    journal.ack([0, 4]);
    // A chunk read a few turns later: the acks go with it.
    await sleep(1);
    expect(journal.acked).toBe(0);
    expect(journal.append(range(10, 19))).toBe(true);
    expect(journal.acked).toBe(5);
    journal.ack([5, 9, 12, 12]);
    const ackedAt = performance.now();
    // No chunk within ACK_WAIT_MS: alone, once the wait ran out. This test may resume later than it asked on a loaded
    // machine (CI once resumed it after the ack timer had run), so "not yet" is checked only while it is not yet.
    expect(journal.acked).toBe(5);
    await sleep(ACK_WAIT_MS / 4);
    // Half the wait as the margin: Node starts a timer from the loop's cached time, which the append before made old.
    if (performance.now() - ackedAt < ACK_WAIT_MS / 2) expect(journal.acked).toBe(5);
    for (let waited = 0; journal.acked === 5 && waited < 5000; waited += ACK_WAIT_MS) await sleep(ACK_WAIT_MS);
    expect(journal.acked).toBe(11);
    const [file] = readdirSync(journalDir(spoolDir, 'w1')).filter((n) => n.endsWith('.seg'));
    const kinds = framesOf(join(journalDir(spoolDir, 'w1'), file!)).map((f) =>
      f.kind === 'acks' ? `acks ${f.ranges.join(',')}` : f.kind,
    );
    expect(kinds).toEqual(['records', 'acks 0,4', 'records', 'acks 5,9,12,12']);
    // No `acks` file: the checkpoint is in the segments.
    expect(existsSync(join(journalDir(spoolDir, 'w1'), 'acks'))).toBe(false);

    // Not all delivered: kept, with what is still due written first.
    journal.ack([10, 11]);
    expect(journal.finish()).toBe('kept');
    await journal.removed();
    const onDisk = await readJournal(journalDir(spoolDir, 'w1'));
    const delivered = range(0, 19).filter((r) => onDisk.acked.has(r.seq));
    expect(delivered.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(onDisk.ended).toBe(true);
  });

  it('all delivered: renamed out of sight at once, removed on the thread pool; leftovers removed, never listed', async () => {
    const spoolDir = tempDir();
    const journal = createJournalWriter({ spoolDir, context });
    expect(journal.append(range(0, 9))).toBe(true);
    journal.ack([0, 9]);
    // Acknowledged in the very turn the run ends: not written (the journal goes), counted.
    expect(journal.finish()).toBe('removed');
    expect(journal.acked).toBe(10);
    expect(existsSync(journalDir(spoolDir, 'w1'))).toBe(false);
    expect(listJournals(spoolDir)).toEqual([]);
    await journal.removed();
    expect(readdirSync(spoolDir)).toEqual([]);

    // What a run that exited before its removal ended leaves: never listed (even if it were named like a journal).
    for (const name of [`${GONE_PREFIX}w2`, `${GONE_PREFIX}w3.journal`]) {
      mkdirSync(join(spoolDir, name, 'sub'), { recursive: true });
      writeFileSync(join(spoolDir, name, 'journal-0000.seg'), 'x');
    }
    // A journal of this version (a leading dot, hidden from versions before ack frames) and one they left.
    mkdirSync(journalDir(spoolDir, 'w4'));
    mkdirSync(join(spoolDir, 'w5.journal'));
    expect(listJournals(spoolDir)).toEqual(['.w4.journal', 'w5.journal']);
    await removeGoneJournals(spoolDir);
    expect(readdirSync(spoolDir).sort()).toEqual(['.w4.journal', 'w5.journal']);
  });

  it('acks of an earlier part in a later one (rotation), and an `acks` file (older journals, flushers): all read', async () => {
    const dir = journalDir(tempDir(), 'w1');
    const w = createSegmentWriter({
      dir,
      baseName: 'journal',
      header: { v: SEGMENT_VERSION, kind: 'journal', writer: 'w1', context, createdAt: 0 },
      maxFileBytes: 200,
    });
    const enc = createFrameEncoder();
    const write = (acks: number[] | undefined, records: LogRecordData[]): void => {
      enc.begin();
      if (acks) enc.encodeAcks(acks);
      for (const r of records) enc.encode(r);
      expect(w.append(enc.bytes())).toBe(true);
    };
    write(undefined, range(0, 9));
    write(undefined, range(10, 19));
    write([0, 9], range(20, 29));
    write([10, 14, 20, 21], []);
    w.close();
    expect(w.files().length).toBeGreaterThanOrEqual(3);
    // Part 0 holds records 0-9 and none of their acks.
    expect(framesOf(w.files()[0]!).some((f) => f.kind === 'acks')).toBe(false);
    writeFileSync(join(dir, 'acks'), '15 16\n28 29\n');
    const acked = (await readJournal(dir)).acked;
    const left = range(0, 29)
      .map((r) => r.seq)
      .filter((s) => !acked.has(s));
    expect(left).toEqual([17, 18, 19, 22, 23, 24, 25, 26, 27]);
  });
});
