/**
 * A cross-process lock on a file: the lock file is created with O_EXCL and holds the owner's pid. A lock left by a
 * process that died (pid gone) or that is older than STALE_LOCK_MS is taken over, so a crash never wedges the store.
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { StoreError } from '../cli/errors.js';

const STALE_LOCK_MS = 30_000;
const WAIT_LIMIT_MS = 20_000;

export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  await acquire(lockPath);
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

async function acquire(lockPath: string): Promise<void> {
  const started = Date.now();
  let delay = 5;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(`cannot create the lock file ${lockPath}`, {
          hint: 'check that the directory exists and is writable, or set DD_LOGSTORE_HOME',
          cause: err,
        });
      }
    }
    if (await isStale(lockPath)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() - started > WAIT_LIMIT_MS) {
      throw new StoreError(`timed out waiting for the lock ${lockPath}`, {
        hint: 'another dd-logstore command is holding it; if none is running, delete the file',
      });
    }
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 100);
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  try {
    const [content, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    if (Date.now() - info.mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number.parseInt(content, 10);
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1000; // being written, or garbage
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    return false; // vanished between our attempts: just retry
  }
}
