/**
 * A cross-process lock on a file: the lock file is created with O_EXCL and holds the owner's pid. A lock left by a
 * process that died (pid gone) or that is older than STALE_LOCK_MS is taken over, so a crash never wedges the store.
 */
import { processIsAlive } from '../process-alive.js';
import { randomBytes } from '../random.js';
import { link, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { StoreError } from '../errors.js';

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
    if (await tryCreate(lockPath)) return;
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

/**
 * Creates the lock with our pid already in it: written to a private file, then hard-linked to the lock path, which
 * fails if the lock exists. Creating the lock empty and writing the pid after would leave a moment where a waiter
 * on a loaded machine sees an empty lock, takes it for garbage and removes it while we hold it.
 */
async function tryCreate(lockPath: string): Promise<boolean> {
  const mine = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(mine, String(process.pid), { mode: 0o600 });
    await link(mine, lockPath);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: create it exclusively, then write the pid.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') return createExclusive(lockPath);
    throw new StoreError(`cannot create the lock file ${lockPath}`, {
      hint: 'check that the directory exists and is writable, or set DD_LOGSTORE_HOME',
      cause: err,
    });
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

async function createExclusive(lockPath: string): Promise<boolean> {
  try {
    const fh = await open(lockPath, 'wx', 0o600);
    await fh.writeFile(String(process.pid));
    await fh.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StoreError(`cannot create the lock file ${lockPath}`, {
      hint: 'check that the directory exists and is writable, or set DD_LOGSTORE_HOME',
      cause: err,
    });
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  try {
    const [content, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    if (Date.now() - info.mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number.parseInt(content, 10);
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1000; // garbage (we never write one)
    return !processIsAlive(pid);
  } catch {
    return false; // vanished between our attempts: just retry
  }
}
