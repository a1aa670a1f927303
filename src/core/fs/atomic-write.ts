/**
 * Atomic file replacement: write a temp file beside the target, fsync it, rename over the target, fsync the dir.
 * Synchronous calls: the config and the run records are one-shot writes on `run`'s start-up path, where each of the
 * ~10 calls through the thread pool cost more than the call itself (docs/performance.md, start-up).
 */
import { randomBytes } from '../random.js';
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { closeSafely, removeFile } from './quiet-cleanup.js';

/**
 * `durable: false` leaves out both fsyncs: the replacement is still atomic (a reader sees the old file or the new one),
 * but a machine crash may keep the old one. For a running step's counts, rewritten every few seconds, where an fsync
 * could hold the main thread behind the journal's own writeback.
 */
export function writeFileAtomicSync(path: string, data: string, mode = 0o600, durable = true): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeFileSync(fd, data, 'utf8');
    if (durable) fsyncSync(fd);
  } catch (err) {
    closeSafely(fd);
    removeFile(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    removeFile(tmp);
    throw err;
  }
  if (!durable) return;
  // Make the rename itself durable; not every platform lets a directory be opened for fsync.
  let dirFd: number | undefined;
  try {
    dirFd = openSync(dir, 'r');
    fsyncSync(dirFd);
  } catch {
    // As before: a directory that cannot be opened or synced leaves the rename to the file system.
  } finally {
    if (dirFd !== undefined) closeSafely(dirFd);
  }
}

/** The same, for callers that await it. */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  writeFileAtomicSync(path, data, mode);
}
