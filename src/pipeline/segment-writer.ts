/**
 * Appends frames to a stream's segment files, synchronously: a write that returned is in the page cache, so a
 * record counted as written survives our death (SIGKILL, OOM); fsync about once a second and at close bounds what a
 * machine crash can take. Files rotate at `maxFileBytes`. A write the disk refuses (ENOSPC, EIO, a short write) is
 * undone with ftruncate, so no half frame is left for the next write to glue onto, and answers false.
 */
import { closeSync, fdatasync, fdatasyncSync, ftruncateSync, openSync, writeSync, writevSync } from 'node:fs';
import { makeDirsSync } from '../core/fs/make-dirs.js';
import { join } from 'node:path';
import { SEGMENT_EXTENSION, encodeHeader, type SegmentHeader } from './segment-format.js';
import type { StreamName } from '../core/log-record.js';
import { removeFile } from '../core/fs/quiet-cleanup.js';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
export const FSYNC_INTERVAL_MS = 1000;
/**
 * A writer's `fsyncBytes` for files that stay (the local store's): an fsync also begins once this many bytes were
 * written since the last one, so what is left for `close`'s fsync, which `run` waits for before it exits, stays small.
 * A million lines wrote ~100 MB in ~1.5 s, and the one fsync at close took ~100 ms of that run's wall time
 * (docs/performance.md).
 */
export const FSYNC_BYTES = 8 * 1024 * 1024;
const NO_PARTS: readonly Uint8Array[] = [];

export interface SegmentWriterOptions {
  dir: string;
  /** Files are `<baseName>-<part>.seg`. */
  baseName: string;
  header: Omit<SegmentHeader, 'part'>;
  maxFileBytes?: number;
  fsyncIntervalMs?: number;
  /**
   * With `syncInBackground`: an fsync also begins after this many bytes (FSYNC_BYTES), for files kept after close;
   * 0 (the default) for time alone, as for a journal whose files are removed once delivered.
   */
  fsyncBytes?: number;
  /**
   * The periodic fsync, and a rotated file's, run on libuv's thread pool instead of the calling thread (one periodic
   * at a time); `close` still syncs before it returns, a rotated file whose sync is in flight too. A second's worth
   * of frames takes 25-50 ms to reach the disk, which `run`'s journal would otherwise spend with the child's pipe
   * unread. A file descriptor is closed only once no sync of it is in flight (a closed number is reused at once).
   */
  syncInBackground?: boolean;
  /** Each background fsync as it ends: its wall time and the bytes it covered (the journal's bench clock). */
  onBackgroundSync?: (wallMs: number, bytes: number) => void;
  now?: () => number;
}

export interface SegmentWriter {
  /**
   * Appends whole frames, given whole or as parts to write in order (one `writev`: bytes already in hand are not
   * copied first); false (and `error`) when they are not on disk: none of them is kept then.
   */
  append(frames: Uint8Array | readonly Uint8Array[]): boolean;
  /** `append` of parts, for a caller that always has parts (the journal: no check of which it was given). */
  appendParts(parts: readonly Uint8Array[]): boolean;
  readonly error: string | undefined;
  /** Bytes of frames written. */
  readonly bytes: number;
  /** Every file written so far, oldest first. */
  files(): string[];
  /** fsync now. */
  sync(): void;
  /**
   * fsync if frames were written since the last fsync and the interval has passed: for a stream gone quiet, whose
   * last appends found the interval not yet over. A busy stream is synced by its appends, not again here.
   */
  syncIfDue(): void;
  /** `sync: false` for files about to be removed (a journal whose records were all delivered): no fsync to wait for. */
  close(options?: { sync?: boolean }): void;
  /** Closes and removes every file written (a journal whose records were all delivered). */
  remove(): void;
  /**
   * Before the first append: the records are the `combined` stream (`cmd > out 2>&1`), said in each file's header
   * (SegmentHeader.merged). The writers call it from their first records' stream: only a merged run has any.
   */
  noteStream(stream: StreamName): void;
}

export function segmentFileName(baseName: string, part: number): string {
  return `${baseName}-${String(part).padStart(4, '0')}${SEGMENT_EXTENSION}`;
}

export function createSegmentWriter(options: SegmentWriterOptions): SegmentWriter {
  const now = options.now ?? Date.now;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_SEGMENT_BYTES;
  const syncEvery = options.fsyncIntervalMs ?? FSYNC_INTERVAL_MS;
  const syncBytes = options.syncInBackground === true ? (options.fsyncBytes ?? 0) : 0;
  const written: string[] = [];
  let fd: number | undefined;
  let size = 0;
  let part = 0;
  let bytes = 0;
  let lastSync = now();
  /** `bytes` at the last fsync (begun, when in the background). */
  let syncedBytes = 0;
  let error: string | undefined;
  let closed = false;
  let headerBytes = 0;
  let merged = false;
  let syncing = false;
  /** Background fsyncs in flight per file descriptor, and the descriptors to close once theirs are done. */
  const inFlight = new Map<number, number>();
  const closeWhenSynced = new Set<number>();

  function writeAll(handle: number, data: Uint8Array): void {
    let off = 0;
    while (off < data.length) {
      const n = writeSync(handle, data, off, data.length - off);
      // A write of 0 bytes makes no progress: the disk is full in all but name.
      if (n <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      off += n;
    }
  }

  /** `parts` in order, in one writev when the kernel takes them all (else on from where it stopped). */
  function writeAllParts(handle: number, parts: readonly Uint8Array[], total: number): void {
    let done = 0;
    let rest: readonly Uint8Array[] = parts;
    while (done < total) {
      const n = writevSync(handle, rest as NodeJS.ArrayBufferView[]);
      if (n <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      done += n;
      if (done >= total) return;
      // A short write: skip the parts it took and go on from inside the one it stopped in.
      let skip = n;
      const left: Uint8Array[] = [];
      for (const part of rest) {
        if (skip >= part.length) skip -= part.length;
        else {
          left.push(skip > 0 ? part.subarray(skip) : part);
          skip = 0;
        }
      }
      rest = left;
    }
  }

  function openPart(): number {
    makeDirsSync(options.dir, 0o700);
    const file = join(options.dir, segmentFileName(options.baseName, part));
    // O_APPEND: a refused write is undone with ftruncate, which leaves the file offset where the write stopped; without
    // it the next write would land past the end, leaving a hole of zeros that ends what readers can read.
    const handle = openSync(file, 'ax', 0o600);
    try {
      const head = encodeHeader({ ...options.header, part, ...(merged ? { merged } : {}) });
      writeAll(handle, head);
      headerBytes = head.length;
    } catch (err) {
      closeSync(handle);
      removeFile(file);
      throw err;
    }
    written.push(file);
    fd = handle;
    size = 0;
    return handle;
  }

  function append(frames: Uint8Array | readonly Uint8Array[]): boolean {
    return frames instanceof Uint8Array ? write(frames.length, frames, NO_PARTS) : appendParts(frames);
  }

  function appendParts(parts: readonly Uint8Array[]): boolean {
    let total = 0;
    for (let i = 0; i < parts.length; i++) total += (parts[i] as Uint8Array).length;
    return write(total, undefined, parts);
  }

  /** `total` bytes, given `whole` or as `parts`. */
  function write(total: number, whole: Uint8Array | undefined, parts: readonly Uint8Array[]): boolean {
    if (total === 0) return true;
    if (closed) {
      error = 'segment writer closed';
      return false;
    }
    let before = size;
    try {
      if (fd !== undefined && size > 0 && size + total > maxFileBytes) {
        if (options.syncInBackground === true) retirePart();
        else finishPart();
        part++;
      }
      const handle = fd ?? openPart();
      before = size;
      if (whole !== undefined) writeAll(handle, whole);
      else if (parts.length === 1) writeAll(handle, parts[0] as Uint8Array);
      else writeAllParts(handle, parts, total);
      size += total;
      bytes += total;
      if (syncDue()) sync();
      return true;
    } catch (err) {
      error = describe(err);
      if (fd !== undefined) {
        try {
          // Undo what part of the write landed: the next write must start on a frame boundary.
          ftruncateSync(fd, headerBytes + before);
        } catch {
          // Nothing more to do: readers cut a torn frame off.
        }
      }
      return false;
    }
  }

  function finishPart(sync = true): void {
    if (fd === undefined) return;
    const handle = fd;
    fd = undefined;
    try {
      if (sync) {
        fdatasyncSync(handle);
        syncedBytes = bytes;
      }
    } catch {
      // The bytes are in the page cache; a machine crash is the bound (docs/reliability.md).
    }
    closeOnceSynced(handle);
  }

  /** The file is full: its fsync goes to the thread pool (the next file is opened meanwhile), its close after. */
  function retirePart(): void {
    if (fd === undefined) return;
    const handle = fd;
    fd = undefined;
    const covered = bytes - syncedBytes;
    syncedBytes = bytes;
    lastSync = now();
    // A failure is not the writer's to report: its bytes are in the page cache, as with finishPart.
    backgroundSync(handle, covered, () => {});
    closeOnceSynced(handle);
  }

  /** fdatasync on the thread pool; the descriptor stays open until it is done. */
  function backgroundSync(handle: number, covered: number, done: (err: Error | null) => void): void {
    inFlight.set(handle, (inFlight.get(handle) ?? 0) + 1);
    const t0 = options.onBackgroundSync === undefined ? 0 : performance.now();
    fdatasync(handle, (err) => {
      const left = (inFlight.get(handle) ?? 1) - 1;
      if (left > 0) inFlight.set(handle, left);
      else inFlight.delete(handle);
      options.onBackgroundSync?.(performance.now() - t0, covered);
      done(err);
      if (left <= 0 && closeWhenSynced.delete(handle)) closeQuietly(handle);
    });
  }

  function closeOnceSynced(handle: number): void {
    if (inFlight.has(handle)) closeWhenSynced.add(handle);
    else closeSync(handle);
  }

  function sync(): void {
    // One background sync at a time. The bytes written meanwhile are not counted as synced: they stay due, for the
    // next append, or for this one's end if it is due by then.
    if (options.syncInBackground === true && syncing) return;
    lastSync = now();
    if (fd === undefined) return;
    const covered = bytes - syncedBytes;
    syncedBytes = bytes;
    if (options.syncInBackground === true) {
      syncing = true;
      const handle = fd;
      backgroundSync(handle, covered, (err) => {
        syncing = false;
        // Not news once the file was closed (its close synced it): only a failure on the open file is.
        if (err && fd === handle) error ??= describe(err);
        if (!closed && fd === handle && bytes !== syncedBytes && syncDue()) sync();
      });
      return;
    }
    try {
      fdatasyncSync(fd);
    } catch (err) {
      error ??= describe(err);
    }
  }

  /** The interval has passed, or (in the background) `fsyncBytes` were written since the last fsync began. */
  function syncDue(): boolean {
    if (syncEvery < 0) return false;
    return (syncBytes > 0 && bytes - syncedBytes >= syncBytes) || now() - lastSync >= syncEvery;
  }

  /** At close: the rotated files whose background fsync has not ended are synced here, before close returns. */
  function syncRetired(): void {
    for (const handle of closeWhenSynced) {
      try {
        fdatasyncSync(handle);
      } catch {
        // As finishPart: the page cache holds the bytes.
      }
    }
  }

  return {
    append,
    appendParts,
    get error() {
      return error;
    },
    get bytes() {
      return bytes;
    },
    files: () => [...written],
    sync,
    syncIfDue() {
      if (!closed && bytes !== syncedBytes && syncDue()) sync();
    },
    close(closeOptions) {
      if (closed) return;
      closed = true;
      const wantSync = closeOptions?.sync ?? true;
      if (wantSync) syncRetired();
      finishPart(wantSync);
    },
    remove() {
      closed = true;
      finishPart();
      for (const f of written) removeFile(f);
    },
    noteStream(stream) {
      if (written.length === 0) merged = stream === 'combined';
    },
  };
}

function closeQuietly(handle: number): void {
  try {
    closeSync(handle);
  } catch {
    // Already gone: nothing was left to flush.
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOSPC') return 'no space left on the device';
  return e instanceof Error ? e.message : String(err);
}
