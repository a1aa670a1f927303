import { describe, expect, it } from '@jest/globals';
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogRecordData, StreamContext, StreamName } from '../core/log-record.js';
import { createRecordBuilder, type RawLines, type RecordMask } from '../runner/record-builder.js';
import { PLAIN_LINE_VERSION, plainLineParser } from '../runner/plain-line.js';
import {
  createFrameDecoder,
  createFrameEncoder,
  decodeHeader,
  encodeHeader,
  SEGMENT_VERSION,
  type FrameEncoder,
  type FrameFilter,
} from './segment-format.js';
import { encodeChunk as encodeJournalChunk } from './journal.js';
import { readSegmentFile } from './segment-reader.js';
import { createSegmentWriter, type SegmentWriter } from './segment-writer.js';

/** Appends `n` records `line <i>`, each as a write of its own (a frame with an absolute time and seq). */
function appendLines(w: SegmentWriter, n: number): void {
  const enc = createFrameEncoder();
  for (let i = 0; i < n; i++) {
    enc.begin();
    enc.encode({ timestamp: 1000 + i, seq: i, stream: 'stdout', level: 'info', message: `line ${i}` });
    expect(w.append(enc.bytes())).toBe(true);
  }
}

const context: StreamContext = {
  runId: 'r',
  logId: 'l',
  logSource: 'run',
  logStoreId: 'id',
  logStoreName: 'default',
  tags: ['team:ml'],
  service: 'zenml',
  serviceVersion: '1',
  hostname: 'h',
  source: 'dd-logstore',
  writer: 'w1',
};

const records: LogRecordData[] = [
  { timestamp: 1_700_000_000_000, seq: 0, stream: 'stdout', level: 'info', message: 'first' },
  { timestamp: 1_700_000_000_000, seq: 1, stream: 'stderr', level: 'error', message: 'ünïcødé ✓ \u{1f600}' },
  // A JSON line's own time, earlier than the previous record: a negative delta.
  { timestamp: 1_600_000_000_000, seq: 2, stream: 'stdout', level: 'warn', message: '', attributes: { a: 1, b: 'x' } },
  { timestamp: 1_700_000_000_005, seq: 7, stream: 'stdout', level: 'critical', message: 'x'.repeat(70_000) },
  { timestamp: 1_700_000_000_006, seq: 8, stream: 'stdout', level: 'debug', message: 'last' },
];

function decodeAll(buf: Buffer): LogRecordData[] {
  const d = createFrameDecoder();
  const out: LogRecordData[] = [];
  let at = 0;
  while (at < buf.length) {
    const r = d.decode(buf, at);
    if (r.kind !== 'record') throw new Error(`frame at ${at}: ${r.kind}`);
    out.push(r.record);
    at = r.next;
  }
  return out;
}

describe('segment format', () => {
  it('round-trips records: times and seqs as deltas, levels, streams, unicode, attributes, long messages', () => {
    const enc = createFrameEncoder(16);
    enc.begin();
    for (const r of records) enc.encode(r);
    const bytes = Buffer.from(enc.bytes());
    expect(decodeAll(bytes)).toEqual(records);
    // Compact: the constant part is not repeated, a record costs a few bytes beyond its message.
    const messages = records.reduce((n, r) => n + Buffer.byteLength(r.message), 0);
    expect(bytes.length - messages).toBeLessThan(60);
  });

  it('round-trips seqs and deltas on both sides of 2^31 and unicode attributes as long as the message', () => {
    const big: LogRecordData[] = [
      { timestamp: 1_700_000_000_000, seq: 2 ** 31 - 2, stream: 'stdout', level: 'info', message: 'a' },
      { timestamp: 1_700_000_000_001, seq: 2 ** 31 + 5, stream: 'stdout', level: 'info', message: 'b' },
      // A delta of 2^31 and more, both ways (a JSON line's own time far from the previous record's).
      { timestamp: 1_700_000_000_001 + 2 ** 32, seq: 2 ** 33, stream: 'stdout', level: 'info', message: 'c' },
      { timestamp: 1, seq: 2 ** 33 + 1, stream: 'stderr', level: 'warn', message: 'é'.repeat(70_000) },
      {
        timestamp: 2,
        seq: 2 ** 33 + 2,
        stream: 'stdout',
        level: 'info',
        message: 'd',
        attributes: { 'logger.name': 'ünï ✓ \u{1f600}', long: 'é'.repeat(70_000), n: 2 ** 40 },
      },
    ];
    const enc = createFrameEncoder(16);
    enc.begin();
    for (const r of big) enc.encode(r);
    expect(decodeAll(Buffer.from(enc.bytes()))).toEqual(big);
  });

  it('writes attributes as JSON.stringify spells them, the remembered single-key ones included', () => {
    const inherited = Object.create({ hidden: 'x' }) as Record<string, unknown>;
    const attributeSets: (Record<string, unknown> | undefined)[] = [
      { 'logger.name': 'app.worker' },
      { 'logger.name': 'app.worker' },
      { 'logger.name': 'app.db' },
      { 'logger.name': 'quote " back \\ nl \n ünï \ud800' },
      { 'logger.name': 'quote " back \\ nl \n ünï \ud800' },
      { n: 1 },
      { u: undefined },
      { a: 'x', b: 'y' },
      {},
      inherited,
      undefined,
      // Past the per-key bound the cache starts over; the JSON stays right.
      ...Array.from({ length: 1100 }, (_, i) => ({ 'logger.name': `l${i % 1050}` })),
      ...Array.from({ length: 70 }, (_, i) => ({ [`k${i}`]: 'v' })),
    ];
    const recs = attributeSets.map((attributes, seq): LogRecordData => ({
      timestamp: 1_700_000_000_000,
      seq,
      stream: 'stdout',
      level: 'info',
      message: `m${seq}`,
      ...(attributes === undefined ? {} : { attributes }),
    }));
    const enc = createFrameEncoder(16);
    enc.begin();
    for (const r of recs) enc.encode(r);
    const decoded = decodeAll(Buffer.from(enc.bytes()));
    // What the decoder read is what JSON.stringify wrote: no attributes where there were no keys.
    const expected = recs.map((r) => {
      const json = r.attributes === undefined ? undefined : JSON.stringify(r.attributes);
      // Keys as for...in sees them (the inherited one too): an object without any has no attributes in the frame.
      let keys = 0;
      for (const _ in r.attributes ?? {}) keys++;
      const { attributes: _, ...rest } = r;
      return keys > 0 && json !== undefined ? { ...rest, attributes: JSON.parse(json) as unknown } : rest;
    });
    expect(decoded).toEqual(expected);
    expect(decoded[4]?.attributes).toEqual({ 'logger.name': 'quote " back \\ nl \n ünï \ud800' });
    expect(decoded[9]?.attributes).toEqual({});
  });

  it('a write unit starts absolute: two writes decode in one pass, each alone too', () => {
    const enc = createFrameEncoder();
    enc.begin();
    enc.encode(records[0] as LogRecordData);
    enc.encode(records[1] as LogRecordData);
    const first = Buffer.from(enc.bytes());
    enc.begin();
    enc.encode(records[3] as LogRecordData);
    enc.encode(records[4] as LogRecordData);
    const second = Buffer.from(enc.bytes());
    expect(decodeAll(Buffer.concat([first, second]))).toEqual([records[0], records[1], records[3], records[4]]);
    expect(decodeAll(second)).toEqual([records[3], records[4]]);
  });

  it('a frame cut short is `short`, garbage is `bad`, never a crash', () => {
    const enc = createFrameEncoder();
    enc.begin();
    enc.encode(records[1] as LogRecordData);
    const bytes = enc.bytes();
    for (let cut = 0; cut < bytes.length; cut++)
      expect(createFrameDecoder().decode(bytes.subarray(0, cut), 0).kind).toBe('short');
    expect(createFrameDecoder().decode(Buffer.from([3, 0xff, 0, 0]), 0).kind).toBe('bad');
  });

  it('filters a frame on its level and time before building the record', () => {
    const enc = createFrameEncoder();
    enc.begin();
    for (const r of records) enc.encode(r);
    const d = createFrameDecoder();
    const bytes = enc.bytes();
    const kept: string[] = [];
    for (let at = 0; at < bytes.length;) {
      const r = d.decode(bytes, at, (level) => level === 'error' || level === 'critical');
      if (r.kind === 'record') kept.push(r.record.level);
      if (r.kind !== 'record' && r.kind !== 'skip') throw new Error(r.kind);
      at = r.next;
    }
    expect(kept).toEqual(['error', 'critical']);
  });

  it('headers round-trip and refuse what is not a segment', () => {
    const header = { v: SEGMENT_VERSION, kind: 'local' as const, writer: 'w1', context, createdAt: 1 };
    const bytes = encodeHeader(header);
    expect(decodeHeader(bytes)).toEqual({ kind: 'ok', header, bodyStart: bytes.length });
    expect(decodeHeader(bytes.subarray(0, 10)).kind).toBe('short');
    expect(decodeHeader(Buffer.from('{"not":"a segment"}\n')).kind).toBe('bad');
  });
});

/** Records from frames and block frames alike; the kinds of frame met, in order. */
function decodeMixed(buf: Buffer, keep?: FrameFilter): { records: LogRecordData[]; kinds: string[] } {
  const d = createFrameDecoder();
  const records: LogRecordData[] = [];
  const kinds: string[] = [];
  let at = 0;
  while (at < buf.length) {
    const r = d.decode(buf, at, keep);
    if (r.kind === 'record') records.push(r.record);
    else if (r.kind === 'records') records.push(...r.records);
    else if (r.kind !== 'skip') throw new Error(`frame at ${at}: ${r.kind}`);
    kinds.push(r.kind);
    at = r.next;
  }
  return { records, kinds };
}

/** ASCII records as the journal gets them from a chunk: levels, both streams, attributes, gaps and jumps. */
const asciiRecords: LogRecordData[] = [
  { timestamp: 1_700_000_000_000, seq: 41, stream: 'stdout', level: 'info', message: 'plain line' },
  { timestamp: 1_700_000_000_000, seq: 42, stream: 'stderr', level: 'error', message: 'boom', attributes: { a: 1 } },
  { timestamp: 1_600_000_000_000, seq: 43, stream: 'stdout', level: 'warn', message: '', attributes: { b: 'x' } },
  {
    timestamp: 1_700_000_000_007,
    seq: 2 ** 33,
    stream: 'stdout',
    level: 'debug',
    message: 'x'.repeat(300),
    attributes: { 'logger.name': 'app.db' },
  },
  { timestamp: 1_700_000_000_007, seq: 2 ** 33 + 1, stream: 'stdout', level: 'critical', message: 'tab\there {"j":1}' },
  { timestamp: 1_700_000_000_006, seq: 2 ** 33 + 5, stream: 'stderr', level: 'info', message: 'last' },
];

/** What `encode` of each record writes. */
function framesOf(recs: readonly LogRecordData[]): Buffer {
  const enc = createFrameEncoder(16);
  enc.begin();
  for (const r of recs) enc.encode(r);
  return Buffer.from(enc.bytes());
}

describe('block frames (encodeAll, the journal)', () => {
  it('a chunk of ASCII records is one block frame that decodes to the same records, before and after frames', () => {
    const enc = createFrameEncoder(16);
    enc.begin();
    enc.encodeAll(asciiRecords);
    const block = Buffer.from(enc.bytes());
    expect(decodeMixed(block)).toEqual({ records: asciiRecords, kinds: ['records'] });
    // In one write unit: a frame, the block, a frame after it (a delta from the block's last record).
    const before: LogRecordData = { timestamp: 5, seq: 1, stream: 'stdout', level: 'info', message: 'first' };
    const after: LogRecordData = {
      timestamp: 1_700_000_000_009,
      seq: 2 ** 33 + 6,
      stream: 'stdout',
      level: 'warn',
      message: 'z',
    };
    enc.begin();
    enc.encode(before);
    enc.encodeAll(asciiRecords);
    enc.encode(after);
    enc.encodeAll(asciiRecords.map((r) => ({ ...r, seq: r.seq + 100 })));
    const mixed = decodeMixed(Buffer.from(enc.bytes()));
    expect(mixed.kinds).toEqual(['record', 'records', 'record', 'records']);
    expect(mixed.records).toEqual([
      before,
      ...asciiRecords,
      after,
      ...asciiRecords.map((r) => ({ ...r, seq: r.seq + 100 })),
    ]);
  });

  it('writes frames, the same bytes as encode, for non-ASCII text, a few records, or too much text', () => {
    const cases: LogRecordData[][] = [
      asciiRecords.map((r, i) => (i === 4 ? { ...r, message: 'ünïcødé' } : r)),
      asciiRecords.map((r, i) => (i === 5 ? { ...r, attributes: { 'logger.name': 'é' } } : r)),
      asciiRecords.map((r, i) => (i === 0 ? { ...r, message: 'lone \ud800' } : r)),
      asciiRecords.slice(0, 3),
      asciiRecords.map((r) => ({ ...r, message: 'y'.repeat(200_000) })),
    ];
    for (const recs of cases) {
      const enc = createFrameEncoder(16);
      enc.begin();
      enc.encodeAll(recs);
      const bytes = Buffer.from(enc.bytes());
      expect(bytes.equals(framesOf(recs))).toBe(true);
      expect(decodeMixed(bytes).kinds.every((k) => k === 'record')).toBe(true);
    }
  });

  it('a block cut short gives the records whose text is whole (`salvage`); cut in its table, none', () => {
    const enc = createFrameEncoder();
    enc.begin();
    enc.encodeAll(asciiRecords);
    const bytes = Buffer.from(enc.bytes());
    // The last record's text is 'last': cut in it, every record but the last; cut before it, those before.
    expect(createFrameDecoder().salvage(bytes.subarray(0, bytes.length - 2), 0)).toEqual(asciiRecords.slice(0, -1));
    expect(createFrameDecoder().salvage(bytes.subarray(0, bytes.length - 4), 0)).toEqual(asciiRecords.slice(0, -1));
    const textStart = bytes.indexOf(Buffer.from('plain line'));
    expect(createFrameDecoder().salvage(bytes.subarray(0, textStart + 10), 0)).toEqual(asciiRecords.slice(0, 1));
    expect(createFrameDecoder().salvage(bytes.subarray(0, textStart + 9), 0)).toEqual([]);
    expect(createFrameDecoder().salvage(bytes.subarray(0, textStart - 3), 0)).toEqual([]);
    // A frame (one record) is all or nothing.
    const frames = framesOf(asciiRecords);
    expect(createFrameDecoder().salvage(frames.subarray(0, 12), 0)).toEqual([]);
  });

  it('filters a block record by record', () => {
    const enc = createFrameEncoder();
    enc.begin();
    enc.encodeAll(asciiRecords);
    const kept = decodeMixed(Buffer.from(enc.bytes()), (level, time) => level !== 'info' && time > 1_650_000_000_000);
    expect(kept.records.map((r) => r.seq)).toEqual([42, 2 ** 33, 2 ** 33 + 1]);
  });

  it('a block cut short is `short`; a damaged one is `bad`, never a crash nor wrong records', () => {
    const enc = createFrameEncoder();
    enc.begin();
    enc.encodeAll(asciiRecords);
    const bytes = Buffer.from(enc.bytes());
    for (let cut = 0; cut < bytes.length; cut++)
      expect(createFrameDecoder().decode(bytes.subarray(0, cut), 0).kind).toBe('short');
    // The frame's length prefix (reserved wide) ends at the first byte under 0x80; the block's flags follow.
    const flagsAt = bytes.findIndex((b) => b < 0x80) + 1;
    expect(bytes[flagsAt]).toBe(0x40);
    const damage = (at: number, value: number): string => {
      const copy = Buffer.from(bytes);
      copy[at] = value;
      return createFrameDecoder().decode(copy, 0).kind;
    };
    // One record more or less than the table holds.
    expect(damage(flagsAt + 1, asciiRecords.length + 1)).toBe('bad');
    expect(damage(flagsAt + 1, asciiRecords.length - 1)).toBe('bad');
    // A record's flags with a bit no record has: the table's first entry, after the count, time, seq, table length.
    const skipVarint = (at: number): number => ((bytes[at] as number) < 0x80 ? at + 1 : skipVarint(at + 1));
    const tableAt = skipVarint(skipVarint(skipVarint(skipVarint(flagsAt + 1))));
    expect(bytes[tableAt]).toBe(0x01);
    expect(damage(tableAt, 0x21)).toBe('bad');
  });
});

describe('segment files', () => {
  const withDir = (f: (dir: string) => Promise<void>) => async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seg-'));
    try {
      await f(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const header = { v: SEGMENT_VERSION, kind: 'journal' as const, writer: 'w1', context, createdAt: 1 };

  it(
    'written 0600, rotated at the size bound, read back in order a chunk at a time',
    withDir(async (dir) => {
      const w = createSegmentWriter({ dir, baseName: 'l.w1', header, maxFileBytes: 4096 });
      appendLines(w, 2000);
      w.close();
      const files = w.files();
      expect(files.length).toBeGreaterThan(3);
      for (const f of files) expect(statSync(f).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      const seen: number[] = [];
      for (const f of files) {
        const r = await readSegmentFile(f, (recs) => void seen.push(...recs.map((x) => x.seq)));
        expect(r.status).toEqual({ kind: 'ok' });
        expect(r.header?.part).toBe(files.indexOf(f));
      }
      expect(seen).toEqual([...Array(2000).keys()]);
    }),
  );

  it(
    'with the fsync in the background: every append syncs, files rotate and close, nothing is lost or reported',
    withDir(async (dir) => {
      const w = createSegmentWriter({
        dir,
        baseName: 'l.w1',
        header,
        maxFileBytes: 4096,
        fsyncIntervalMs: 0,
        syncInBackground: true,
      });
      const synced: number[] = [];
      const w2 = createSegmentWriter({
        dir: join(dir, 'counted'),
        baseName: 'l.w1',
        header,
        maxFileBytes: 4096,
        fsyncIntervalMs: 60_000,
        syncInBackground: true,
        onBackgroundSync: (_wallMs, bytes) => void synced.push(bytes),
      });
      appendLines(w, 2000);
      appendLines(w2, 2000);
      w.close();
      w2.close();
      // The syncs still in flight finish on closed files: not an error of the writer's. They land on the thread pool
      // when the disk lets them (a loaded machine's writeback can hold one for seconds), so wait for them, bounded.
      const openHere = (): string[] =>
        readdirSync('/proc/self/fd').flatMap((fd) => {
          try {
            const target = readlinkSync(join('/proc/self/fd', fd));
            return target.startsWith(dir) ? [target] : [];
          } catch {
            return [];
          }
        });
      const expected = w2.files().length - 1;
      for (let waited = 0; waited < 20_000 && (synced.length < expected || openHere().length > 0); waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(w.error).toBeUndefined();
      // Every rotated file was synced in the background (the periodic sync never came due), and a descriptor whose
      // sync was in flight at the rotation or the close is closed once it is done: none is left open.
      expect(synced.length).toBe(expected);
      expect(synced.every((b) => b > 0 && b <= 4096)).toBe(true);
      expect(openHere()).toEqual([]);
      const seen: number[] = [];
      for (const f of w.files()) await readSegmentFile(f, (recs) => void seen.push(...recs.map((x) => x.seq)));
      expect(w.files().length).toBeGreaterThan(3);
      expect(seen).toEqual([...Array(2000).keys()]);
    }),
  );

  it(
    'with the fsync in the background: bytes written while one is in flight are synced after it, not counted as synced',
    withDir(async (dir) => {
      let t = 1_000_000;
      const covered: number[] = [];
      const w = createSegmentWriter({
        dir,
        baseName: 'l.w1',
        header,
        fsyncIntervalMs: 1000,
        syncInBackground: true,
        now: () => t,
        onBackgroundSync: (_wallMs, bytes) => void covered.push(bytes),
      });
      t += 2000;
      appendLines(w, 10); // due: a sync starts, and stays in flight until this test yields
      t += 2000;
      appendLines(w, 10); // due again, but one is in flight: these bytes must stay due
      const total = w.bytes;
      const sum = (): number => covered.reduce((a, b) => a + b, 0);
      for (let waited = 0; waited < 20_000 && sum() < total; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      // Everything written since the header, in two syncs: the second started when the first ended.
      expect(covered.length).toBe(2);
      expect(sum()).toBe(total);
      w.close();
    }),
  );

  it(
    'with the fsync in the background and fsyncBytes: one begins once that many bytes were written, and by the clock',
    withDir(async (dir) => {
      const covered: number[] = [];
      const options = {
        dir,
        header,
        fsyncIntervalMs: 60_000,
        syncInBackground: true,
        now: () => 1_000_000,
        onBackgroundSync: (_wallMs: number, bytes: number) => void covered.push(bytes),
      };
      const bySize = createSegmentWriter({ ...options, baseName: 'l.w1', fsyncBytes: 2048 });
      const byTime = createSegmentWriter({ ...options, dir: join(dir, 'time'), baseName: 'l.w1' });
      appendLines(bySize, 10);
      expect(bySize.bytes).toBeLessThan(2048);
      appendLines(byTime, 200);
      for (let waited = 0; waited < 300; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      // Below fsyncBytes, and with time alone however much was written: no fsync before close.
      expect(covered).toEqual([]);
      appendLines(bySize, 200);
      for (let waited = 0; waited < 20_000 && covered.length === 0; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(covered.length).toBeGreaterThan(0);
      expect(covered[0]).toBeGreaterThanOrEqual(2048);
      bySize.close();
      byTime.close();
      // fsyncBytes adds to the interval, it does not replace it: below the bytes, the clock still begins one.
      let t = 1_000_000;
      const timed: number[] = [];
      const both = createSegmentWriter({
        ...options,
        dir: join(dir, 'both'),
        baseName: 'l.w1',
        fsyncBytes: 1 << 30,
        fsyncIntervalMs: 1000,
        now: () => t,
        onBackgroundSync: (_wallMs: number, bytes: number) => void timed.push(bytes),
      });
      appendLines(both, 10);
      t += 2000;
      appendLines(both, 10);
      for (let waited = 0; waited < 20_000 && timed.length === 0; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(timed.length).toBe(1);
      both.close();
    }),
  );

  it(
    'a journal file of blocks cut in the middle of one reads up to its last whole record, and says so',
    withDir(async (dir) => {
      const w = createSegmentWriter({ dir, baseName: 'l.w1', header });
      const enc = createFrameEncoder();
      for (let chunk = 0; chunk < 3; chunk++) {
        enc.begin();
        enc.encodeAll(
          Array.from({ length: 50 }, (_, i): LogRecordData => {
            const seq = chunk * 50 + i;
            return { timestamp: 1000 + seq, seq, stream: 'stdout', level: 'info', message: `record ${seq}` };
          }),
        );
        w.append(enc.bytes());
      }
      w.close();
      const file = w.files()[0] as string;
      // Into the last record's text ('record 149'): the block's other 49 records are whole.
      truncateSync(file, statSync(file).size - 4);
      const seen: number[] = [];
      const r = await readSegmentFile(file, (recs) => void seen.push(...recs.map((x) => x.seq)));
      expect(seen).toEqual([...Array(149).keys()]);
      expect(r.status).toMatchObject({ kind: 'torn', salvaged: 49 });
      // Into its table: the whole block is gone, the blocks before it are not.
      truncateSync(file, r.status.kind === 'torn' ? r.status.offset + 6 : 0);
      const again: number[] = [];
      const r2 = await readSegmentFile(file, (recs) => void again.push(...recs.map((x) => x.seq)));
      expect(again).toEqual([...Array(100).keys()]);
      expect(r2.status).toEqual({ kind: 'torn', offset: r.status.kind === 'torn' ? r.status.offset : -1, bytes: 6 });
    }),
  );

  it(
    'a file cut in the middle of a record reads up to its last whole record, and says so',
    withDir(async (dir) => {
      const w = createSegmentWriter({ dir, baseName: 'l.w1', header });
      const enc = createFrameEncoder();
      enc.begin();
      for (let i = 0; i < 100; i++)
        enc.encode({ timestamp: 1000 + i, seq: i, stream: 'stdout', level: 'info', message: `record ${i}` });
      w.append(enc.bytes());
      w.close();
      const file = w.files()[0] as string;
      const size = statSync(file).size;
      truncateSync(file, size - 4);
      const seen: number[] = [];
      const r = await readSegmentFile(file, (recs) => void seen.push(...recs.map((x) => x.seq)));
      expect(seen).toEqual([...Array(99).keys()]);
      expect(r.status.kind).toBe('torn');
      // Garbage after whole records: damaged there, what came before kept.
      writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from([9, 0xff, 1, 2, 3, 4, 5, 6, 7, 8])]));
      const again: number[] = [];
      const r2 = await readSegmentFile(file, (recs) => void again.push(...recs.map((x) => x.seq)));
      expect(again.length).toBeGreaterThanOrEqual(99);
      expect(r2.status.kind).not.toBe('ok');
    }),
  );
});

describe('lines frames (encodeLines, the journal: lines as they came)', () => {
  /** Pushes chunks through the record builder; per push, its records and `rawLines` (as run-step.ts collects them). */
  function build(
    chunks: readonly [StreamName, string][],
    mask?: RecordMask,
    stderrLevel: 'error' | 'warn' = 'error',
  ): { records: LogRecordData[]; lines: RawLines | undefined }[] {
    const out: { records: LogRecordData[]; lines: RawLines | undefined }[] = [];
    let pending: LogRecordData[] = [];
    const builder = createRecordBuilder({
      stderrLevel,
      now: () => 1_700_000_000_000 + out.length,
      onRecord: (r) => pending.push(r),
      rawLines: true,
      mask,
    });
    for (const [stream, text] of chunks) {
      builder.push(stream, Buffer.from(text, 'utf8'));
      out.push({ records: pending, lines: builder.rawLines });
      pending = [];
    }
    builder.end();
    expect(builder.rawLines).toBeUndefined();
    out.push({ records: pending, lines: undefined });
    return out;
  }

  /**
   * Encodes one chunk's records as journal.ts does (its lines as a lines frame), from the encoder's begin. `parsed`:
   * as a parsed lines frame (what journal.ts writes first), else one with a table (its fallback).
   */
  function encodeChunk(
    enc: FrameEncoder,
    records: readonly LogRecordData[],
    lines: RawLines | undefined,
    parsed = false,
  ): void {
    enc.begin();
    if (lines === undefined) enc.encodeAll(records);
    else {
      const from = lines.firstSeq - (records[0] as LogRecordData).seq;
      expect(encodeJournalChunk(enc, records, from, lines, parsed)).toBe(parsed ? 'parsed' : 'lines');
    }
  }

  /** What journal.ts writes for one chunk's records. */
  function journalBytes(records: readonly LogRecordData[], lines: RawLines | undefined, parsed = false): Buffer {
    const enc = createFrameEncoder(16);
    encodeChunk(enc, records, lines, parsed);
    return Buffer.from(enc.bytes());
  }

  const py = (i: number): string => `2024-05-01 12:00:00,123 INFO app.worker: processed item ${i}`;
  const chunks: [StreamName, string][] = [
    ['stdout', Array.from({ length: 50 }, (_, i) => (i % 3 ? `plain ${i}` : py(i))).join('\n') + '\npartial'],
    [
      'stdout',
      ' end\nWARNING:app.db:slow\n{"message":"json","level":"error"}\n\nafter blank\nx\ry\n\u001b[31mred\u001b[0m\nok 1\nok 2\n',
    ],
    [
      'stderr',
      'err 1\nerr 2\nTraceback (most recent call last):\n  File "x.py", line 1, in <module>\nValueError: no\nafter tb\n',
    ],
    ['stdout', 'ünïcødé 1\nünï 2\n'],
    ['stdout', 'tab\there\nERROR something failed\n[INFO] worker-3 step 7\n'],
  ];

  it('every chunk decodes to the records the builder made; plain lines go as they came, the rest as before', () => {
    let asLines = 0;
    for (const { records, lines } of build(chunks)) {
      if (records.length === 0) continue;
      if (lines !== undefined) {
        asLines += lines.count;
        // Each of those records' message is the end of its line, one line each.
        const text = lines.bytes.toString('latin1');
        expect(text.endsWith('\n')).toBe(true);
        const ls = text.slice(0, -1).split('\n');
        expect(ls).toHaveLength(lines.count);
        const first = records.findIndex((r) => r.seq === lines.firstSeq);
        ls.forEach((l, i) => expect(l.endsWith(records[first + i]!.message)).toBe(true));
      }
      expect(decodeMixed(journalBytes(records, lines)).records).toEqual(records);
    }
    // The 50 first lines but the last (its end came later), `ok 1`, `ok 2`, `err 1`, `err 2`, and the last three.
    expect(asLines).toBeGreaterThanOrEqual(49 + 2 + 2 + 3);
  });

  it('never for a chunk with a secret in it (not even in a prefix the message leaves out), nor unicode or partial lines', () => {
    const secret = 'sekret-value';
    const mask: RecordMask = {
      text: (t) => (t.includes(secret) ? t.replaceAll(secret, '****') : t),
      deep: <T>(v: T): T => JSON.parse(JSON.stringify(v).replaceAll(secret, '****')) as T,
    };
    const built = build(
      [
        ['stdout', 'a\nb\nc\n'],
        ['stdout', `a\nINFO:${secret}:named\nc\n`],
        ['stdout', `x\ny ${secret}\nz\n`],
        ['stdout', 'd\ne\n'],
      ],
      mask,
    );
    expect(built.map((b) => b.lines?.count)).toEqual([3, undefined, undefined, 2, undefined]);
    for (const { records, lines } of built) {
      const bytes = journalBytes(records, lines);
      expect(bytes.includes(secret)).toBe(false);
      expect(decodeMixed(bytes).records).toEqual(records);
    }
    expect(built[1]!.records[1]).toMatchObject({ message: 'named', attributes: { 'logger.name': '****' } });
    expect(build([['stdout', 'ü\nplain\n']])[0]!.lines).toBeUndefined();
    // A line begun in the chunk before is not one of this chunk's lines.
    expect(
      build([
        ['stdout', 'a\nhalf'],
        ['stdout', ' line\nb\nc\n'],
      ]).map((b) => b.lines?.count),
    ).toEqual([1, 2, undefined]);
  });

  it('records given another time after the builder (the time-window rewrite): encodeLines says no, writes nothing', () => {
    const { records, lines } = build([['stdout', 'a\nb\nc\nd\n']])[0]!;
    expect(lines?.count).toBe(4);
    records[2]!.timestamp += 1;
    const enc = createFrameEncoder();
    enc.begin();
    expect(enc.encodeLines(records, 0, 4, lines!.bytes)).toBe(false);
    expect(enc.bytes().length).toBe(0);
  });

  it('a lines frame cut short: `short` at every cut, `salvage` the records whose line and attributes are whole', () => {
    const { records, lines } = build([['stdout', `plain 0\n${py(1)}\nplain 2\n${py(3)}\nplain 4\n`]])[0]!;
    expect(lines?.count).toBe(5);
    const bytes = journalBytes(records, lines);
    let last = 0;
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(createFrameDecoder().decode(bytes.subarray(0, cut), 0).kind).toBe('short');
      const got = createFrameDecoder().salvage(bytes.subarray(0, cut), 0);
      expect(got).toEqual(records.slice(0, got.length));
      expect(got.length).toBeGreaterThanOrEqual(last);
      last = got.length;
    }
    // The lines come last: cut in them, every record whose line is whole (its attributes came before the lines);
    // cut before them (in the table or the attributes), none.
    const linesAt = bytes.indexOf('plain 0\n');
    for (let cut = linesAt; cut <= bytes.length; cut++) {
      const whole = bytes.subarray(linesAt, cut).filter((b) => b === 0x0a).length;
      expect(createFrameDecoder().salvage(bytes.subarray(0, cut), 0)).toEqual(records.slice(0, whole));
    }
    expect(createFrameDecoder().salvage(bytes.subarray(0, linesAt - 1), 0)).toEqual([]);
    expect(createFrameDecoder().salvage(bytes, 0)).toEqual(records);
  });

  it('a damaged lines frame is `bad`, never wrong records', () => {
    const { records, lines } = build([['stdout', 'plain 0\nplain 1\nplain 2\nplain 3\n']])[0]!;
    const bytes = journalBytes(records, lines);
    const flagsAt = 1;
    expect(bytes[flagsAt]).toBe(0x81);
    const damage = (at: number, value: number): string => {
      const copy = Buffer.from(bytes);
      copy[at] = value;
      return createFrameDecoder().decode(copy, 0).kind;
    };
    expect(damage(flagsAt + 1, 5)).toBe('bad');
    expect(damage(flagsAt + 1, 3)).toBe('bad');
    // A line's `\n` gone: one line fewer than records.
    expect(damage(bytes.indexOf('plain 1\n') + 7, 0x20)).toBe('bad');
    // A message longer than its line.
    const skipVarint = (at: number): number => ((bytes[at] as number) < 0x80 ? at + 1 : skipVarint(at + 1));
    const tableAt = skipVarint(skipVarint(skipVarint(skipVarint(flagsAt + 1))));
    expect(bytes[tableAt + 1]).toBe(7);
    expect(damage(tableAt + 1, 9)).toBe('bad');
  });

  it('attributes go once per frame (a dictionary): an index out of it is `bad`; many distinct ones, a block', () => {
    const text = Array.from({ length: 20 }, (_, i) => (i % 2 ? `plain ${i}` : py(i))).join('\n') + '\n';
    const { records, lines } = build([['stdout', text]])[0]!;
    expect(lines?.count).toBe(20);
    const bytes = journalBytes(records, lines);
    const json = JSON.stringify({ 'logger.name': 'app.worker' });
    // Ten records carry it; the frame holds it once.
    expect(bytes.toString('latin1').split(json)).toHaveLength(2);
    expect(decodeMixed(bytes).records).toEqual(records);
    // The first record's table entry: flags, message length, index 0; an index 1 points past the dictionary.
    const skipVarint = (at: number): number => ((bytes[at] as number) < 0x80 ? at + 1 : skipVarint(at + 1));
    const tableAt = skipVarint(skipVarint(skipVarint(skipVarint(2))));
    const indexAt = skipVarint(tableAt + 1);
    expect(bytes[indexAt]).toBe(0);
    const copy = Buffer.from(bytes);
    copy[indexAt] = 1;
    expect(createFrameDecoder().decode(copy, 0).kind).toBe('bad');
    // 65 loggers in one chunk: more than a dictionary holds, so encodeLines says no (the journal writes a block).
    const many = build([['stdout', Array.from({ length: 65 }, (_, i) => `INFO:app.l${i}:m`).join('\n') + '\n']])[0]!;
    expect(many.lines?.count).toBe(65);
    const enc = createFrameEncoder();
    enc.begin();
    expect(enc.encodeLines(many.records, 0, 65, many.lines!.bytes)).toBe(false);
    expect(decodeMixed(journalBytes(many.records.slice(0, 64), undefined)).records).toEqual(many.records.slice(0, 64));
  });

  it('non-ASCII attributes never make a lines frame, whatever room the encoder has (exact fits included)', () => {
    // The builder's lines are ASCII, but the encoder must not trust its records' attributes to be.
    const records = [0, 1].map((i): LogRecordData => ({
      timestamp: 1_700_000_000_000,
      seq: i,
      stream: 'stdout',
      level: 'info',
      message: `m${i}`,
      attributes: { 'logger.name': 'é' },
    }));
    const lines = Buffer.from('m0\nm1\n');
    for (let size = 1; size <= 128; size++) {
      const enc = createFrameEncoder(size);
      enc.begin();
      // Before: with room for exactly the frame less its lines, 'é' cut at its boundary wrote 1 byte for 1
      // character, the frame was kept, and its attributes read back as not JSON (the rest of the segment lost).
      expect(enc.encodeLines(records, 0, 2, lines)).toBe(false);
    }
    expect(decodeMixed(journalBytes(records, undefined)).records).toEqual(records);
  });

  it('a lines frame as journals before the eighth session wrote it (0x80: attributes per record) still decodes', () => {
    // Two records: `plain 0` (info, no attributes) and a Python logging line (info, logger app.worker).
    const line1 = py(1);
    const json = JSON.stringify({ 'logger.name': 'app.worker' });
    const linesText = `plain 0\n${line1}\n`;
    const message1 = 'processed item 1';
    const ts = 1_700_000_000_000;
    const zig = (n: number): number => n * 2;
    const varint = (n: number): number[] => {
      const out: number[] = [];
      while (n >= 0x80) {
        out.push((n % 128) | 0x80);
        n = Math.floor(n / 128);
      }
      out.push(n);
      return out;
    };
    const table = [1, ...varint(7), 1 | 0x10, ...varint(message1.length), ...varint(json.length)];
    const body = Buffer.concat([
      Buffer.from([0x80, ...varint(2), ...varint(zig(ts)), ...varint(zig(41)), ...varint(table.length), ...table]),
      Buffer.from([...varint(json.length)]),
      Buffer.from(json + linesText, 'latin1'),
    ]);
    const frame = Buffer.concat([Buffer.from(varint(body.length)), body]);
    expect(decodeMixed(frame).records).toEqual([
      { timestamp: ts, seq: 41, stream: 'stdout', level: 'info', message: 'plain 0' },
      {
        timestamp: ts,
        seq: 42,
        stream: 'stdout',
        level: 'info',
        message: message1,
        attributes: { 'logger.name': 'app.worker' },
      },
    ]);
    // Cut in its second line: the first record alone.
    expect(createFrameDecoder().salvage(frame.subarray(0, frame.length - 3), 0)).toHaveLength(1);
  });

  /** Every frame of `buf` with the journal's reader (the line parser given). */
  function decodeJournal(buf: Buffer, merged = false): LogRecordData[] {
    const d = createFrameDecoder({ lineParser: plainLineParser });
    d.setMerged(merged);
    const out: LogRecordData[] = [];
    let at = 0;
    while (at < buf.length) {
      const r = d.decode(buf, at);
      if (r.kind === 'record') out.push(r.record);
      else if (r.kind === 'records') out.push(...r.records);
      else throw new Error(`frame at ${at}: ${r.kind}`);
      at = r.next;
    }
    return out;
  }

  /** Lines of every kind the builder takes apart, each a plain line when alone in a chunk of plain lines. */
  const corpus = [
    '2024-05-01 12:00:00,123 INFO app.worker: processed item 1 of the batch in 12 ms, queue depth 42',
    'WARNING:app.db:slow query on table events took 1532 ms (item 2), consider adding an index',
    'Processing shard 3: reading input files from the bucket and writing output parquet to disk',
    '[INFO] worker-3 step 4 finished successfully, metrics written to the tracker, all good here',
    'epoch 3 batch 5 loss=0.1234 acc=0.98765 lr=0.0001 grad_norm=1.234 throughput=1234.5 samples/s',
    'INFO:root:',
    'ERROR:__main__:failed: x',
    'CRITICAL:app:boom',
    'DEBUG:urllib3.connectionpool:Starting new HTTPS connection (1): example.com:443',
    '2024-05-01 12:00:00,123 - app.module - WARNING - careful',
    '2024-05-01 12:00:00,123 - ERROR - nameless',
    '[2024-05-01 12:00:00,123] ERROR app.x: bracketed',
    '12:00:00 [WARNING] [app.y] bracket name',
    '[2024-05-01 12:00:00] [app.z] [DEBUG] three brackets',
    '2024-05-01 12:00:00.123 | CRITICAL | app.w | piped',
    '2024-05-01 12:00:00 INFO [app.v] message',
    'ERROR something failed',
    'Error: lowercase-ish',
    'error: in prose?',
    'warn: careful',
    'W1125 12:00:00.000000 1 main.go:1] glog warning',
    'E1125 12:00:00.000000 1 main.go:1] glog error',
    'level=warn msg="logfmt"',
    'time=2024-05-01T12:00:00Z level=ERROR msg=slog',
    '12:00:00.123 [main] WARN com.example.App - java',
    '[2024-01-01 12:00:00] [error] apache',
    'INFO[0000] logrus',
    '  indented line',
    'tab\there',
    '{not json at all',
    '{"broken": json}',
    'WARN: upper',
    'x',
    'INFO',
    'INFO:',
    'just prose with ERROR inside it',
  ];

  it('parsed lines frames: every record is what the builder made, from its line alone, on every stream', () => {
    for (const stderrLevel of ['error', 'warn'] as const) {
      for (const stream of ['stdout', 'stderr', 'combined'] as const) {
        const text = corpus.join('\n') + '\n';
        const { records, lines } = build([[stream, text]], undefined, stderrLevel)[0]!;
        // Every line is plain: one record each, as it came.
        expect(lines?.count).toBe(corpus.length);
        expect(records).toHaveLength(corpus.length);
        const bytes = journalBytes(records, lines, true);
        expect(bytes[flagsAt(bytes)]).toBe(0x82);
        // No table: the frame is a few bytes of head and the lines.
        expect(bytes.length - lines!.bytes.length).toBeLessThan(20);
        const got = decodeJournal(bytes, stream === 'combined');
        expect(got).toStrictEqual(records.map((r) => withoutUndefined(r)));
      }
    }
    // The builder's other records around them (partial lines, JSON, tracebacks, redraws, unicode) as before.
    for (const { records, lines } of build(chunks)) {
      if (records.length === 0 || lines === undefined) continue;
      expect(decodeJournal(journalBytes(records, lines, true))).toStrictEqual(records.map(withoutUndefined));
    }
  });

  it('parsed lines frames: not read without the line parser, cut short or damaged never wrong records', () => {
    const { records, lines } = build([['stdout', corpus.slice(0, 6).join('\n') + '\n']])[0]!;
    const bytes = journalBytes(records, lines, true);
    expect(createFrameDecoder().decode(bytes, 0)).toMatchObject({ kind: 'bad' });
    const parse = (b: Buffer): ReturnType<ReturnType<typeof createFrameDecoder>['decode']> =>
      createFrameDecoder({ lineParser: plainLineParser }).decode(b, 0);
    const salvage = (b: Buffer): LogRecordData[] => createFrameDecoder({ lineParser: plainLineParser }).salvage(b, 0);
    const linesAt = bytes.length - lines!.bytes.length;
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(parse(bytes.subarray(0, cut)).kind).toBe('short');
      const whole = cut < linesAt ? 0 : bytes.subarray(linesAt, cut).filter((b) => b === 0x0a).length;
      expect(salvage(bytes.subarray(0, cut))).toStrictEqual(records.slice(0, whole).map(withoutUndefined));
    }
    const damage = (at: number, value: number): string => {
      const copy = Buffer.from(bytes);
      copy[at] = value;
      return parse(copy).kind;
    };
    // A `\n` gone: fewer lines than records. The level byte with other bits. A count one too many.
    expect(damage(bytes.indexOf(0x0a, linesAt), 0x20)).toBe('bad');
    expect(damage(linesAt - 1, 0x10)).toBe('bad');
    expect(damage(linesAt - 1, 0x07)).toBe('bad');
    expect(bytes[flagsAt(bytes) + 2]).toBe(6);
    expect(damage(flagsAt(bytes) + 2, 7)).toBe('bad');
    expect(damage(flagsAt(bytes) + 2, 5)).toBe('bad');
  });

  it('parsed lines frames: records changed after the builder (the time-window rewrite) are written with a table', () => {
    const { records, lines } = build([['stdout', 'a\nb\nc\nd\n']])[0]!;
    const enc = createFrameEncoder();
    const args = [lines!.bytes, lines!.defaultLevel, lines!.parser] as const;
    enc.begin();
    expect(enc.encodeParsedLines(records, 0, 4, ...args)).toBe(true);
    // run-step.ts's rewrite: a new time and the original kept in an attribute, for every record of the chunk.
    const rewritten = records.map((r) => ({
      ...r,
      attributes: { 'dd_logstore.original_timestamp': r.timestamp },
    }));
    enc.begin();
    expect(enc.encodeParsedLines(rewritten, 0, 4, ...args)).toBe(false);
    expect(enc.bytes().length).toBe(0);
    records[2]!.timestamp += 1;
    expect(enc.encodeParsedLines(records, 0, 4, ...args)).toBe(false);
    expect(enc.bytes().length).toBe(0);
  });

  it("parsed lines frames with the builder's time (RawLines.timestamp): the first and last record checked against it", () => {
    const { records, lines } = build([['stdout', 'a\nb\nc\nd\n']])[0]!;
    // The push's read time, which every record of its lines has.
    expect(lines!.timestamp).toBe(1_700_000_000_000);
    expect(records.every((r) => r.timestamp === lines!.timestamp)).toBe(true);
    const args = [lines!.bytes, lines!.defaultLevel, lines!.parser] as const;
    const enc = createFrameEncoder();
    enc.begin();
    expect(enc.encodeParsedLines(records, 0, 4, ...args, lines!.timestamp)).toBe(true);
    expect(decodeJournal(enc.bytes())).toStrictEqual(records.map(withoutUndefined));
    // Another time than the builder's (its promise broken), on all of them, on the first or on the last: a table.
    for (const changed of [
      records.map((r) => ({ ...r, timestamp: r.timestamp + 1 })),
      records.map((r, i) => (i === 0 ? { ...r, timestamp: r.timestamp - 5 } : r)),
      records.map((r, i) => (i === 3 ? { ...r, timestamp: r.timestamp + 5 } : r)),
    ]) {
      enc.begin();
      expect(enc.encodeParsedLines(changed, 0, 4, ...args, lines!.timestamp)).toBe(false);
      expect(enc.bytes().length).toBe(0);
    }
    // The time-window rewrite (all of them, the original kept in an attribute): a table, with the time given or not.
    const rewritten = records.map((r) => ({
      ...r,
      timestamp: lines!.timestamp,
      attributes: { 'dd_logstore.original_timestamp': r.timestamp - 86_400_000 },
    }));
    enc.begin();
    expect(enc.encodeParsedLines(rewritten, 0, 4, ...args, lines!.timestamp)).toBe(false);
  });

  it('parsed lines frames under another parser version are read with this one: every line once', () => {
    const { records, lines } = build([['stdout', corpus.slice(0, 5).join('\n') + '\n']])[0]!;
    const enc = createFrameEncoder();
    enc.begin();
    expect(lines!.parser).toBe(PLAIN_LINE_VERSION);
    expect(enc.encodeParsedLines(records, 0, 5, lines!.bytes, 'info', PLAIN_LINE_VERSION + 1)).toBe(true);
    expect(decodeJournal(enc.bytes())).toStrictEqual(records.map(withoutUndefined));
  });

  it('the journal writes a lines frame as parts (its lines not copied): the file holds the same bytes as `bytes()`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seg-parts-'));
    try {
      const built = build(chunks);
      const header = { v: SEGMENT_VERSION, kind: 'journal' as const, writer: 'w1', context, createdAt: 1 };
      const w = createSegmentWriter({ dir, baseName: 'journal', header });
      const expected: Buffer[] = [];
      const enc = createFrameEncoder(16);
      for (const { records, lines } of built) {
        if (records.length === 0) continue;
        encodeChunk(enc, records, lines);
        expected.push(Buffer.from(enc.bytes()));
        expect(w.append(enc.parts())).toBe(true);
      }
      w.close();
      const file = readFileSync(w.files()[0]!);
      expect(file.subarray(file.length - Buffer.concat(expected).length)).toEqual(Buffer.concat(expected));
      const seen: LogRecordData[] = [];
      const r = await readSegmentFile(w.files()[0]!, (recs) => void seen.push(...recs));
      expect(r.status.kind).toBe('ok');
      expect(seen).toEqual(built.flatMap((b) => b.records));
      // And as parsed lines frames, read by the journal's reader.
      const w2 = createSegmentWriter({ dir, baseName: 'parsed', header });
      for (const { records, lines } of built) {
        if (records.length === 0) continue;
        encodeChunk(enc, records, lines, true);
        expect(w2.append(enc.parts())).toBe(true);
      }
      w2.close();
      const again: LogRecordData[] = [];
      const r2 = await readSegmentFile(w2.files()[0]!, (recs) => void again.push(...recs), undefined, plainLineParser);
      expect(r2.status.kind).toBe('ok');
      expect(again).toEqual(built.flatMap((b) => b.records));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Where a frame's flags are: past its length's varint. */
function flagsAt(frame: Buffer): number {
  let at = 0;
  while ((frame[at] as number) >= 0x80) at++;
  return at + 1;
}

/** A record as a decoder builds it: no `attributes` key when it has none (the builder's records carry it undefined). */
function withoutUndefined(r: LogRecordData): LogRecordData {
  const { attributes, ...rest } = r;
  return attributes === undefined ? rest : { ...rest, attributes };
}
