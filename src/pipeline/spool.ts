/**
 * The disk spool: records that could not be delivered, one JSONL file per writer under `spool/<log-store-id>/`.
 * Each line is `{"v":1,"run_id","log_id","reason","spooled_at","item":{...}}` where `item` is the record as an
 * intake-style JSON item (flat dotted keys), so any flavor can send it again.
 *
 * File states, by name (`<ms>-<pid>-<rand>` is the base):
 * - `<base>.open`: a `run` is appending; skipped while that pid lives, claimable once it is gone (a crash).
 * - `<base>.jsonl`: finished; claimable.
 * - `<base>.sending-<pid>`: claimed by a flusher (atomic rename); skipped while that pid lives.
 * A flusher claims a file, resends it, writes what is left to a new `.jsonl` (temp file + rename) and removes the
 * claimed one. Writes are synchronous so that a record counted as spooled is on disk (in the page cache) already.
 */
import { randomBytes } from '../core/random.js';
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { makeDirsSync } from '../core/fs/make-dirs.js';
import { join } from 'node:path';
import { processIsAlive } from '../core/process-alive.js';
import { ownerAlive, type ProcessOwner } from '../store/process-owner.js';
import type { IsAlive } from '../core/process-alive.js';
import { removeFile } from '../core/fs/quiet-cleanup.js';

export const SPOOL_VERSION = 1;
/** Where unreadable spool files are moved, inside the log store's spool directory. */
export const CORRUPT_DIR = 'corrupt';

export interface SpoolEntry {
  runId: string;
  logId?: string;
  reason: string;
  spooledAt: number;
  item: Record<string, unknown>;
}

export interface SpoolWriter {
  /** Appends items (intake JSON texts) with one reason; false (and `lastError`) when the disk refused them. */
  append(items: readonly string[], reason: string): boolean;
  /** Records appended so far. */
  count(): number;
  /** The file being written, once something was. */
  file(): string | undefined;
  lastError(): string | undefined;
  /** Flushes to disk and publishes the file for `flush`. Idempotent. */
  close(): void;
}

export interface SpoolWriterOptions {
  /** `spool/<log-store-id>`. */
  dir: string;
  runId: string;
  logId?: string;
  now?: () => number;
  pid?: number;
}

export function spoolBaseName(now: number, pid: number): string {
  return `${now}-${pid}-${randomBytes(3).toString('hex')}`;
}

export function createSpoolWriter(options: SpoolWriterOptions): SpoolWriter {
  const now = options.now ?? Date.now;
  const pid = options.pid ?? process.pid;
  const prefix =
    `{"v":${SPOOL_VERSION},"run_id":${JSON.stringify(options.runId)}` +
    (options.logId === undefined ? '' : `,"log_id":${JSON.stringify(options.logId)}`) +
    ',"reason":';
  let fd: number | undefined;
  let base: string | undefined;
  let written = 0;
  /** Bytes of whole lines in the file. */
  let size = 0;
  let error: string | undefined;
  let closed = false;

  function open(): number {
    if (fd !== undefined) return fd;
    makeDirsSync(options.dir, 0o700);
    base = spoolBaseName(now(), pid);
    fd = openSync(join(options.dir, `${base}.open`), 'a', 0o600);
    return fd;
  }

  function append(items: readonly string[], reason: string): boolean {
    if (items.length === 0) return true;
    try {
      if (closed) throw new Error('spool closed');
      const head = prefix + JSON.stringify(reason) + `,"spooled_at":${now()},"item":`;
      let text = '';
      for (const item of items) text += head + item + '}\n';
      const handle = open();
      try {
        writeAllSync(handle, text);
      } catch (err) {
        // No half line for the next append to glue onto: cut back to the last whole one.
        try {
          ftruncateSync(handle, size);
        } catch {
          // Readers count a torn last line as unreadable; nothing more to do here.
        }
        throw err;
      }
      size += Buffer.byteLength(text);
      written += items.length;
      return true;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  function close(): void {
    if (closed) return;
    closed = true;
    if (fd === undefined || base === undefined) return;
    try {
      fsyncSync(fd);
    } catch {
      // Best effort: the rename below still publishes what the page cache holds.
    }
    closeSync(fd);
    fd = undefined;
    renameSync(join(options.dir, `${base}.open`), join(options.dir, `${base}.jsonl`));
  }

  return {
    append,
    count: () => written,
    file: () => (base === undefined ? undefined : join(options.dir, `${base}.${closed ? 'jsonl' : 'open'}`)),
    lastError: () => error,
    close,
  };
}

/** The spool line for an item, for rewriting what a flush could not deliver. */
export function spoolLine(entry: SpoolEntry): string {
  return (
    JSON.stringify({
      v: SPOOL_VERSION,
      run_id: entry.runId,
      ...(entry.logId === undefined ? {} : { log_id: entry.logId }),
      reason: entry.reason,
      spooled_at: entry.spooledAt,
      item: entry.item,
    }) + '\n'
  );
}

export function parseSpoolLine(line: string): SpoolEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const item = o.item;
  if (o.v !== SPOOL_VERSION || typeof o.run_id !== 'string' || typeof item !== 'object' || item === null)
    return undefined;
  if (Array.isArray(item) || typeof (item as Record<string, unknown>).message !== 'string') return undefined;
  return {
    runId: o.run_id,
    ...(typeof o.log_id === 'string' ? { logId: o.log_id } : {}),
    reason: typeof o.reason === 'string' ? o.reason : '',
    spooledAt: typeof o.spooled_at === 'number' ? o.spooled_at : 0,
    item: item as Record<string, unknown>,
  };
}

export interface SpoolFileContents {
  entries: SpoolEntry[];
  /** Lines that could not be read (a truncated last line included). */
  bad: number;
}

/** One line of a spool file: its entry (undefined when unreadable) and the file offset just past it. */
export interface SpoolLine {
  entry: SpoolEntry | undefined;
  end: number;
}

/** The bytes read at a time: a spool file is never held whole (the issue measured one of 637 MB). */
export const SPOOL_READ_CHUNK = 1 << 20;

/**
 * The lines of a spool file from byte `start`, a chunk at a time, so memory is bounded by the longest line, not the
 * file. Blank lines (`hasContent` says) are skipped; a last line without its newline (a torn write) is unreadable.
 */
export function* spoolLines(path: string, start = 0, chunkBytes = SPOOL_READ_CHUNK): Generator<SpoolLine> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    let pos = start;
    let pending: Buffer[] = [];
    let pendingContent = false;
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, pos);
      if (n === 0) break;
      const view = buf.subarray(0, n);
      let from = 0;
      while (from < n) {
        const nl = view.indexOf(10, from);
        if (nl === -1) {
          pending.push(Buffer.from(view.subarray(from)));
          pendingContent ||= hasContent(view, from, n);
          break;
        }
        const content = pendingContent || hasContent(view, from, nl);
        const piece = view.subarray(from, nl);
        const line = !content
          ? ''
          : pending.length > 0
            ? Buffer.concat([...pending, piece]).toString('utf8')
            : piece.toString('utf8');
        pending = [];
        pendingContent = false;
        from = nl + 1;
        if (!content) continue;
        yield { entry: parseSpoolLine(line), end: pos + from };
      }
      pos += n;
    }
    if (pendingContent) yield { entry: undefined, end: pos };
  } finally {
    closeSync(fd);
  }
}

/**
 * Counts the lines of a spool file from byte `start` without decoding them (what a stopped flush leaves): the lines
 * `spoolLines` hands out, blank ones not counted, a torn last line counted.
 */
export function countSpoolLines(path: string, start = 0): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(SPOOL_READ_CHUNK);
    let pos = start;
    let lines = 0;
    let content = false;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      const view = buf.subarray(0, n);
      let from = 0;
      for (let nl = view.indexOf(10); nl !== -1; nl = view.indexOf(10, nl + 1)) {
        if (content || hasContent(view, from, nl)) lines++;
        from = nl + 1;
        content = false;
      }
      content ||= hasContent(view, from, n);
      pos += n;
    }
    return lines + (content ? 1 : 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * A line (or part of one) holds something besides ASCII white space (space, tab, CR, vertical tab, form feed): the
 * one test of a blank line for reading and counting spool files alike. Spool lines are JSON objects, so a line of
 * other white space (U+00A0, say) is not blank: it is an unreadable line, counted and reported as such.
 */
function hasContent(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = b[i] as number;
    if (c !== 0x20 && (c < 0x09 || c > 0x0d)) return true;
  }
  return false;
}

/** A whole spool file in memory: for small files and tests; flush and `runs delete` stream with `spoolLines`. */
export function readSpoolFile(path: string): SpoolFileContents {
  const entries: SpoolEntry[] = [];
  let bad = 0;
  for (const { entry } of spoolLines(path)) {
    if (entry) entries.push(entry);
    else bad++;
  }
  return { entries, bad };
}

/** Writes a new spool file a batch at a time. */
export interface SpoolFileWriter {
  add(entries: readonly SpoolEntry[]): void;
  /** Entries added so far. */
  count(): number;
  /** Flushes to disk (before a flush records its progress past what was added). */
  sync(): void;
  /** Publishes the file as `.jsonl`; nothing when no entry was added. Answers its path. */
  close(): string | undefined;
  /** Removes what was written (a failed rewrite). */
  abandon(): void;
}

/**
 * A new spool file. `crashSafe`: written as `<base>.open` under this pid, so if this process dies what it holds is
 * claimable like a crashed run's (a flush's kept records); otherwise as a hidden temporary file that a crash leaves
 * unread (a rewrite whose original is still there).
 */
export function createSpoolFileWriter(
  dir: string,
  now: number,
  pid: number,
  options: { crashSafe?: boolean } = {},
): SpoolFileWriter {
  let fd: number | undefined;
  let path: string | undefined;
  let base: string | undefined;
  let added = 0;
  let dirty = false;
  const open = (): number => {
    if (fd !== undefined) return fd;
    makeDirsSync(dir, 0o700);
    base = spoolBaseName(now, pid);
    path = options.crashSafe ? join(dir, `${base}.open`) : join(dir, `.${base}.tmp`);
    fd = openSync(path, 'w', 0o600);
    return fd;
  };
  const writer: SpoolFileWriter = {
    add(entries) {
      if (entries.length === 0) return;
      const handle = open();
      let chunk = '';
      for (const e of entries) {
        chunk += spoolLine(e);
        if (chunk.length > 1 << 20) {
          writeAllSync(handle, chunk);
          chunk = '';
        }
      }
      if (chunk) writeAllSync(handle, chunk);
      added += entries.length;
      dirty = true;
    },
    count: () => added,
    sync() {
      if (fd === undefined || !dirty) return;
      fsyncSync(fd);
      dirty = false;
    },
    close() {
      if (fd === undefined || path === undefined || base === undefined) return undefined;
      writer.sync();
      closeSync(fd);
      fd = undefined;
      const file = join(dir, `${base}.jsonl`);
      renameSync(path, file);
      return file;
    },
    abandon() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      if (path !== undefined) removeFile(path);
    },
  };
  return writer;
}

/** Writes entries to a new finished spool file (temp + fsync + rename); nothing when there are none. */
export function writeSpoolFile(
  dir: string,
  entries: readonly SpoolEntry[],
  now: number,
  pid: number,
): string | undefined {
  if (entries.length === 0) return undefined;
  const w = createSpoolFileWriter(dir, now, pid);
  try {
    w.add(entries);
    return w.close();
  } catch (err) {
    // A full disk: the temporary file must not stay and keep it full (the claimed file still holds the records).
    w.abandon();
    throw err;
  }
}

/**
 * How far a flush got in a spool file: `<base>.progress` next to it holds the byte offset up to which every line was
 * settled (delivered, or copied to a new spool file), and the unreadable lines before it. A flush killed or stopped
 * midway resumes there, so what was delivered is not sent again.
 */
export interface SpoolProgress {
  offset: number;
  bad: number;
  /**
   * The flusher working on the file (while it is `<base>.sending-<pid>`), whose heartbeat is this file's mtime: a pid
   * alone means nothing to a flusher in another pid namespace (a container sharing the home).
   */
  owner?: ProcessOwner;
}

export function spoolProgressPath(dir: string, base: string): string {
  return join(dir, `${base}.progress`);
}

export function readSpoolProgress(dir: string, base: string): SpoolProgress {
  try {
    const v = JSON.parse(readFileSync(spoolProgressPath(dir, base), 'utf8')) as Record<string, unknown>;
    const offset = typeof v.offset === 'number' && Number.isSafeInteger(v.offset) && v.offset > 0 ? v.offset : 0;
    const bad = typeof v.bad === 'number' && Number.isSafeInteger(v.bad) && v.bad > 0 ? v.bad : 0;
    const o = v.owner as Partial<ProcessOwner> | undefined;
    const owner = typeof o === 'object' && o !== null && typeof o.pid === 'number' && typeof o.host === 'string';
    return { offset, bad, ...(owner ? { owner: o as ProcessOwner } : {}) };
  } catch {
    return { offset: 0, bad: 0 };
  }
}

/** Records progress (temp file + rename: a kill leaves the old value or the new one). */
export function writeSpoolProgress(dir: string, base: string, progress: SpoolProgress): void {
  const path = spoolProgressPath(dir, base);
  const tmp = `${path}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(progress), { mode: 0o600 });
    renameSync(tmp, path);
  } catch (err) {
    // A full disk: the temporary file must not stay behind (the old progress, if any, still holds).
    removeFile(tmp);
    throw err;
  }
}

/** The `<ms>-<pid>-<rand>` base of a spool file's name. */
export function spoolBase(name: string): string {
  return name.slice(0, name.indexOf('.'));
}

export { processIsAlive };
export type { IsAlive };

const NAME = /^(\d+)-(\d+)-[0-9a-f]+\.(open|jsonl|sending-(\d+))$/;

/** Spool files a flusher may take now, oldest first. */
export function claimableFiles(dir: string, isAlive: IsAlive = processIsAlive, self = process.pid): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: { name: string; at: number }[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m) continue;
    const owner = m[3] === 'open' ? Number(m[2]) : m[4] === undefined ? undefined : Number(m[4]);
    if (owner === undefined) {
      out.push({ name, at: Number(m[1]) });
      continue;
    }
    if (owner === self) continue;
    if (m[4] === undefined) {
      // `.open`: a run still writing it.
      if (isAlive(owner)) continue;
    } else {
      // Claimed by a flusher that recorded who it is: its identity, or (from another pid namespace) its heartbeat.
      const base = spoolBase(name);
      const { owner: claimer } = readSpoolProgress(dir, base);
      if (claimer !== undefined && ownerAlive(claimer, spoolProgressPath(dir, base))) continue;
      // Its pid alive: the flusher (which writes who it is just after the claim), unless that very pid is recorded
      // as a process now gone: the pid was reused, and the file would wait for an unrelated process to end.
      if (isAlive(owner) && claimer?.pid !== owner) continue;
    }
    out.push({ name, at: Number(m[1]) });
  }
  return out.sort((a, b) => a.at - b.at || a.name.localeCompare(b.name)).map((x) => x.name);
}

/** Spool files another live flusher (a `flush`, a run's flush in the background) is resending now. */
export function filesBeingResent(dir: string, isAlive: IsAlive = processIsAlive, self = process.pid): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const free = new Set(claimableFiles(dir, isAlive, self));
  return names.filter((name) => {
    const m = NAME.exec(name);
    return m !== null && m[4] !== undefined && Number(m[4]) !== self && !free.has(name);
  }).length;
}

/** Takes a file for this process by renaming it; undefined when another flusher was first. */
export function claimFile(dir: string, name: string, pid = process.pid): string | undefined {
  const base = name.slice(0, name.indexOf('.'));
  const claimed = join(dir, `${base}.sending-${pid}`);
  try {
    renameSync(join(dir, name), claimed);
    return claimed;
  } catch {
    return undefined;
  }
}

/** Moves an unreadable file to `corrupt/`, where it never blocks a run; answers its new path. */
export function moveAside(dir: string, path: string, name: string): string {
  const target = join(dir, CORRUPT_DIR);
  makeDirsSync(target, 0o700);
  const dest = join(target, `${name.slice(0, name.indexOf('.'))}.jsonl`);
  renameSync(path, dest);
  return dest;
}

/** A short write is not success: write until all of it is on disk, or throw. */
function writeAllSync(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < bytes.length) {
    const n = writeSync(fd, bytes, off);
    if (n <= 0) throw Object.assign(new Error('short write: no space left on the device'), { code: 'ENOSPC' });
    off += n;
  }
}
