/**
 * A compact index over a run's local JSONL files (`<dir>/<run-id>/<log-id>.jsonl`), for paging: per record only its
 * time, sequence number, level rank, file and byte range (about 30 bytes), so a 1M-record run (570 MB of JSONL) is
 * indexed in one streaming pass of 8 MB chunks instead of being parsed whole into memory. A page is read back by
 * byte range and parsed then. `refresh` reads only what was appended since the last call, so a running run is
 * followed. This is today's stand-in for the compact segments' streaming reader: `app/read-run-page.ts` is its only
 * user.
 */
import { open, readdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { safeSegment } from './paths.js';
import { entryFromFlat, levelRank } from '../../query/log-entry.js';
import type { LogEntry } from '../../query/log-entry.js';

const CHUNK_BYTES = 8 << 20;
const FIRST_CHUNK_BYTES = 1 << 20;
const NL = 0x0a;
const QUOTE = 0x22;
const KEY_TIMESTAMP = Buffer.from('"timestamp":');
const KEY_STATUS = Buffer.from('"status":"');
const KEY_SEQ = Buffer.from('"dd_logstore.seq":');

/** What a page or the histogram keeps: a step (one file), a set of level ranks, a text (case-insensitive). */
export interface IndexQuery {
  step?: string;
  /** Level ranks (0 debug .. 4 critical) to keep; undefined keeps all. */
  ranks?: ReadonlySet<number>;
  text?: string;
}

/** A growable typed column. */
class Column<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array> {
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const next = this.make(Math.max(1024, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[i] = v;
  }
}

interface FileState {
  name: string;
  path: string;
  /** Bytes indexed (always just after a newline). */
  offset: number;
  /** The step of the file's records (a file is one log stream: one run and step). */
  step: string | undefined;
  stepRead: boolean;
  /** Lines that did not parse. */
  skipped: number;
  records: number;
  /** The file's last record, to tell whether the file is in order. */
  last: number;
}

export interface RunIndex {
  /**
   * Indexes what was appended since the last call (new files included). With `perFile`, stops reading each file
   * once that many of its records are indexed (the next call goes on from there): enough for a first page.
   * Resolves true when every file was read to its end.
   */
  refresh(perFile?: number): Promise<boolean>;
  /** Every file's records are in (timestamp, seq) order within the file, so a prefix of each gives a first page. */
  readonly filesInOrder: boolean;
  readonly size: number;
  /** Lines that did not parse, and the files they are in. */
  damaged(): { skipped: number; files: string[] };
  /** Steps in the order their files were found, with their record counts. */
  steps(): { step: string | undefined; records: number }[];
  /** Record numbers matching `q`, in (timestamp, seq) order. */
  select(q: IndexQuery): Promise<Uint32Array>;
  timestamp(record: number): number;
  rank(record: number): number;
  /** The records, parsed, in the order given. */
  read(records: ArrayLike<number>): Promise<LogEntry[]>;
}

export function createRunIndex(dir: string, runId: string): RunIndex {
  const runDir = join(dir, safeSegment(runId));
  const files: FileState[] = [];
  const byName = new Map<string, FileState>();
  const ts = new Column(new Float64Array(0), (n) => new Float64Array(n));
  const seq = new Column(new Float64Array(0), (n) => new Float64Array(n));
  const start = new Column(new Float64Array(0), (n) => new Float64Array(n));
  const len = new Column(new Uint32Array(0), (n) => new Uint32Array(n));
  const rank = new Column(new Uint8Array(0), (n) => new Uint8Array(n));
  const fileOf = new Column(new Uint16Array(0), (n) => new Uint16Array(n));
  let size = 0;
  let filesInOrder = true;
  /** The last select, kept while nothing was added: paging through one filter does not re-filter 1M records. */
  let lastSelect: { key: string; size: number; result: Uint32Array } | undefined;
  /** All records in (timestamp, seq) order; rebuilt lazily when records were added. */
  let order: Uint32Array = new Uint32Array(0);
  let orderSize = 0;
  /** Per text: which records (by number) contain it, checked up to `upTo`. */
  const textHits = new Map<string, { upTo: number; hits: Column<Uint8Array> }>();

  const before = (a: number, b: number): boolean => {
    const ta = ts.data[a]!;
    const tb = ts.data[b]!;
    return ta < tb || (ta === tb && (seq.data[a]! < seq.data[b]! || (seq.data[a] === seq.data[b] && a < b)));
  };

  /** Sorts the records added since the last call and merges them into the order: linear for appends. */
  function rebuildOrder(): void {
    if (orderSize === size) return;
    const added = new Uint32Array(size - orderSize);
    for (let i = 0; i < added.length; i++) added[i] = orderSize + i;
    // A file's records are usually in order already (one growing stream): sort only when they are not.
    let sorted = true;
    for (let i = 1; i < added.length && sorted; i++) if (before(added[i]!, added[i - 1]!)) sorted = false;
    if (!sorted) added.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    const next = new Uint32Array(size);
    let a = 0;
    let b = 0;
    let n = 0;
    while (a < orderSize && b < added.length) next[n++] = before(added[b]!, order[a]!) ? added[b++]! : order[a++]!;
    while (a < orderSize) next[n++] = order[a++]!;
    while (b < added.length) next[n++] = added[b++]!;
    order = next;
    orderSize = size;
  }

  function addRecord(f: number, at: number, line: Buffer, lineStart: number, lineEnd: number): boolean {
    let t = Number.NaN;
    let s = 0;
    let r = 1;
    const k1 = line.indexOf(KEY_TIMESTAMP, lineStart);
    const k2 = line.indexOf(KEY_STATUS, lineStart);
    const k3 = line.indexOf(KEY_SEQ, lineStart);
    if (k1 !== -1 && k1 < lineEnd) t = readNumber(line, k1 + KEY_TIMESTAMP.length, lineEnd);
    if (k2 !== -1 && k2 < lineEnd) {
      const from = k2 + KEY_STATUS.length;
      const to = line.indexOf(QUOTE, from);
      if (to !== -1 && to < lineEnd) r = statusRank(line, from, to);
    }
    if (k3 !== -1 && k3 < lineEnd) s = readNumber(line, k3 + KEY_SEQ.length, lineEnd);
    if (Number.isNaN(t) || Number.isNaN(s)) {
      // Not the shape our exporter writes (an ISO timestamp, say): parse the line for real.
      let item: unknown;
      try {
        item = JSON.parse(line.toString('utf8', lineStart, lineEnd));
      } catch {
        return false;
      }
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
      const e = entryFromFlat(item as Record<string, unknown>, '');
      t = e.timestamp;
      s = e.seq;
      r = levelRank(e.status);
    } else if (line[lineStart] !== 0x7b /* { */) return false;
    const i = size++;
    ts.set(i, t);
    seq.set(i, s);
    rank.set(i, r);
    start.set(i, at);
    len.set(i, lineEnd - lineStart);
    fileOf.set(i, f);
    const state = files[f]!;
    if (state.last !== -1 && before(i, state.last)) filesInOrder = false;
    state.last = i;
    state.records++;
    return true;
  }

  /** Reads the file from where the last call stopped; with `perFile`, stops once it has that many records. */
  async function indexFile(f: number, perFile: number): Promise<boolean> {
    const state = files[f]!;
    if (state.records >= perFile) return false;
    let fh: FileHandle;
    try {
      fh = await open(state.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw err;
    }
    try {
      const fileSize = (await fh.stat()).size;
      // A first page needs a few records: read a small first chunk then, not 8 MB.
      const chunk = perFile === Number.POSITIVE_INFINITY ? CHUNK_BYTES : FIRST_CHUNK_BYTES;
      let buf = Buffer.alloc(Math.min(chunk, Math.max(0, fileSize - state.offset)));
      while (state.offset < fileSize) {
        if (state.records >= perFile) return false;
        const want = Math.min(buf.length, fileSize - state.offset);
        const { bytesRead } = await fh.read(buf, 0, want, state.offset);
        if (bytesRead === 0) break;
        let pos = 0;
        let nl: number;
        while ((nl = buf.indexOf(NL, pos)) !== -1 && nl < bytesRead) {
          if (nl > pos) {
            if (!state.stepRead) {
              state.step = stepOf(buf, pos, nl);
              state.stepRead = true;
            }
            if (!addRecord(f, state.offset + pos, buf, pos, nl)) state.skipped++;
          }
          pos = nl + 1;
        }
        if (pos === 0) {
          // One line longer than the buffer: grow it and read again; a last line without a newline waits.
          if (bytesRead < buf.length) break;
          buf = Buffer.alloc(buf.length * 2);
          continue;
        }
        state.offset += pos;
      }
      return true;
    } finally {
      await fh.close();
    }
  }

  /** `b` follows `a` in the same file (one newline between), within a chunk of `first`. */
  function adjacent(a: number, b: number, first: number): boolean {
    return (
      fileOf.data[a] === fileOf.data[b] &&
      start.data[b] === start.data[a]! + len.data[a]! + 1 &&
      start.data[b]! + len.data[b]! - start.data[first]! <= CHUNK_BYTES
    );
  }

  async function readRange(fh: FileHandle, at: number, n: number): Promise<Buffer> {
    const b = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await fh.read(b, got, n - got, at + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return b.subarray(0, got);
  }

  /** Marks which records contain `text` (in their message), scanning only records not checked before. */
  async function textMatches(text: string): Promise<Uint8Array> {
    let entry = textHits.get(text);
    if (entry === undefined) {
      if (textHits.size >= 8) textHits.delete(textHits.keys().next().value!);
      entry = { upTo: 0, hits: new Column(new Uint8Array(0), (n) => new Uint8Array(n)) };
      textHits.set(text, entry);
    }
    const needle = text.toLowerCase();
    const from = entry.upTo;
    // Group the unchecked records by file and read each file's range in one go, chunk by chunk.
    const perFile = new Map<number, number[]>();
    for (let i = from; i < size; i++) {
      const f = fileOf.data[i]!;
      let list = perFile.get(f);
      if (list === undefined) perFile.set(f, (list = []));
      list.push(i);
    }
    for (const [f, records] of perFile) {
      const fh = await open(files[f]!.path, 'r');
      try {
        let j = 0;
        while (j < records.length) {
          const first = records[j]!;
          let k = j;
          let end = start.data[first]! + len.data[first]!;
          while (
            k + 1 < records.length &&
            start.data[records[k + 1]!]! + len.data[records[k + 1]!]! - start.data[first]! <= CHUNK_BYTES
          ) {
            k++;
            end = start.data[records[k]!]! + len.data[records[k]!]!;
          }
          const base = start.data[first]!;
          const chunk = await readRange(fh, base, end - base);
          for (let r = j; r <= k; r++) {
            const i = records[r]!;
            const s = start.data[i]! - base;
            const raw = chunk.toString('utf8', s, s + len.data[i]!);
            let hit = false;
            // The raw line holds every attribute: check it cheaply first, then the message itself.
            if (raw.toLowerCase().includes(needle)) {
              try {
                const m = (JSON.parse(raw) as { message?: unknown }).message;
                hit = typeof m === 'string' && m.toLowerCase().includes(needle);
              } catch {
                hit = false;
              }
            }
            entry.hits.set(i, hit ? 1 : 0);
          }
          j = k + 1;
        }
      } finally {
        await fh.close();
      }
    }
    entry.hits.set(size, 0);
    entry.upTo = size;
    return entry.hits.data;
  }

  return {
    get size() {
      return size;
    },
    get filesInOrder() {
      return filesInOrder;
    },
    async refresh(perFile = Number.POSITIVE_INFINITY) {
      let names: string[];
      try {
        names = (await readdir(runDir)).filter((n) => n.endsWith('.jsonl')).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
        throw err;
      }
      for (const name of names) {
        if (byName.has(name)) continue;
        const state: FileState = {
          name,
          path: join(runDir, name),
          offset: 0,
          step: undefined,
          stepRead: false,
          skipped: 0,
          records: 0,
          last: -1,
        };
        byName.set(name, state);
        files.push(state);
      }
      let complete = true;
      for (let f = 0; f < files.length; f++) if (!(await indexFile(f, perFile))) complete = false;
      return complete;
    },
    damaged() {
      const bad = files.filter((f) => f.skipped > 0);
      return { skipped: bad.reduce((n, f) => n + f.skipped, 0), files: bad.map((f) => f.path) };
    },
    steps() {
      const counts = new Array<number>(files.length).fill(0);
      for (let i = 0; i < size; i++) counts[fileOf.data[i]!]!++;
      return files.map((f, i) => ({ step: f.step, records: counts[i]! }));
    },
    async select(q) {
      rebuildOrder();
      const key = JSON.stringify([q.step, q.ranks === undefined ? null : [...q.ranks].sort(), q.text ?? null]);
      if (lastSelect !== undefined && lastSelect.key === key && lastSelect.size === size) return lastSelect.result;
      const hits = q.text !== undefined && q.text !== '' ? await textMatches(q.text) : undefined;
      const stepFiles =
        q.step !== undefined ? new Set(files.flatMap((f, i) => (f.step === q.step ? [i] : []))) : undefined;
      const out = new Uint32Array(orderSize);
      let n = 0;
      for (let p = 0; p < orderSize; p++) {
        const i = order[p]!;
        if (stepFiles !== undefined && !stepFiles.has(fileOf.data[i]!)) continue;
        if (q.ranks !== undefined && !q.ranks.has(rank.data[i]!)) continue;
        if (hits !== undefined && hits[i] !== 1) continue;
        out[n++] = i;
      }
      lastSelect = { key, size, result: out.subarray(0, n) };
      return lastSelect.result;
    },
    timestamp: (i) => ts.data[i]!,
    rank: (i) => rank.data[i]!,
    async read(records) {
      const out: LogEntry[] = [];
      const handles = new Map<number, FileHandle>();
      try {
        for (let r = 0; r < records.length;) {
          const i = records[r]!;
          const f = fileOf.data[i]!;
          let fh = handles.get(f);
          if (fh === undefined) handles.set(f, (fh = await open(files[f]!.path, 'r')));
          // Records next to each other in the file (the usual page) are read in one go.
          let k = r;
          while (k + 1 < records.length && adjacent(records[k]!, records[k + 1]!, i)) k++;
          const lastOne = records[k]!;
          const base = start.data[i]!;
          const block = await readRange(fh, base, start.data[lastOne]! + len.data[lastOne]! - base);
          for (; r <= k; r++) {
            const j = records[r]!;
            const at = start.data[j]! - base;
            const raw = block.toString('utf8', at, at + len.data[j]!);
            try {
              out.push(entryFromFlat(JSON.parse(raw) as Record<string, unknown>, `${files[f]!.name}:${j}`));
            } catch {
              // Indexed by the fast path but not JSON after all: show what the line holds rather than lose it.
              out.push(
                entryFromFlat({ message: raw, status: 'error', timestamp: ts.data[j] }, `${files[f]!.name}:${j}`),
              );
            }
          }
        }
      } finally {
        for (const fh of handles.values()) await fh.close();
      }
      return out;
    },
  };
}

/** A JSON number starting at `from` (spaces allowed before it), or NaN. Whole numbers without a string. */
function readNumber(buf: Buffer, from: number, end: number): number {
  let i = from;
  while (i < end && buf[i] === 0x20) i++;
  const s = i;
  let whole = 0;
  while (i < end && buf[i]! >= 0x30 && buf[i]! <= 0x39) whole = whole * 10 + (buf[i++]! - 0x30);
  const c = buf[i];
  if (i > s && i - s < 16 && c !== 0x2e && c !== 0x65 && c !== 0x45) return whole;
  i = s;
  while (i < end) {
    const c = buf[i]!;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b) i++;
    else break;
  }
  return i === s ? Number.NaN : Number(buf.toString('latin1', s, i));
}

/** `zenml.step.name` of one line (parsed: it is done once per file). */
function stepOf(buf: Buffer, from: number, to: number): string | undefined {
  try {
    const item = JSON.parse(buf.toString('utf8', from, to)) as Record<string, unknown>;
    const step = item['zenml.step.name'];
    return typeof step === 'string' ? step : undefined;
  } catch {
    return undefined;
  }
}

/** Ranks of the statuses our exporter writes, by first letter and length, read without making a string. */
const KNOWN_STATUS = new Map<number, string>(
  ['debug', 'info', 'warn', 'error', 'critical', 'trace', 'notice', 'warning', 'alert', 'emergency', 'ok'].map((x) => [
    x.charCodeAt(0) * 32 + x.length,
    x,
  ]),
);

function statusRank(buf: Buffer, from: number, to: number): number {
  const known = KNOWN_STATUS.get(buf[from]! * 32 + (to - from));
  if (known !== undefined && buf[from + 1] === known.charCodeAt(1)) return levelRank(known);
  return levelRank(buf.toString('utf8', from, to));
}
