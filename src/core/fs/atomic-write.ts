/**
 * Atomic file replacement: write a temp file beside the target, fsync it, rename over the target, fsync the dir.
 * Synchronous calls: the config and the run records are one-shot writes on `run`'s start-up path, where each of the
 * ~10 calls through the thread pool cost more than the call itself (docs/performance.md, start-up).
 */
import { randomBytes } from '../random.js';
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { closeSafely, removeFile } from './quiet-cleanup.js';

/** A temp file beside `path`, hidden and unique to this process: what both writes below replace the file with. */
function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export function writeFileAtomicSync(path: string, data: string, mode = 0o600): void {
  const dir = dirname(path);
  const tmp = tempBeside(path);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeFileSync(fd, data, 'utf8');
    fsyncSync(fd);
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

/**
 * The same, each call on the thread pool: for a file rewritten every few seconds by a busy process (a running step's
 * counts), whose fsync must not hold its main thread behind other writeback (the journal's). The data is synced
 * before the rename, so a crash leaves the old file or the new one, never an empty one; the rename itself is not
 * synced (a crash may keep the old file: the next write replaces it).
 */
export async function writeFileAtomicInBackground(path: string, data: string, mode = 0o600): Promise<void> {
  const { open, rename, unlink } = await import('node:fs/promises');
  const tmp = tempBeside(path);
  const file = await open(tmp, 'wx', mode);
  try {
    await file.writeFile(data, 'utf8');
    await file.datasync();
    await file.close();
    await rename(tmp, path);
  } catch (err) {
    await file.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** The same, for callers that await it. */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  writeFileAtomicSync(path, data, mode);
}
