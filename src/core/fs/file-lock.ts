/**
 * A cross-process lock on a file: the lock file is created with O_EXCL and holds the owner's pid. A lock left by a
 * process that died (pid gone) or that is older than STALE_LOCK_MS is taken over, so a crash never wedges the store.
 * The file calls are synchronous (a handful of small ones, no fsync): through the thread pool each cost more than the
 * call on `run`'s start-up path (docs/performance.md, start-up); only the wait for another holder is asynchronous.
 */
import { processIsAlive } from '../process-alive.js';
import { randomBytes } from '../random.js';
import { closeSync, linkSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { StoreError } from '../errors.js';
import { removeFile } from './quiet-cleanup.js';

const STALE_LOCK_MS = 30_000;
const WAIT_LIMIT_MS = 20_000;

export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  await acquire(lockPath);
  try {
    return await fn();
  } finally {
    removeFile(lockPath);
  }
}

async function acquire(lockPath: string): Promise<void> {
  const started = Date.now();
  let delay = 5;
  for (;;) {
    if (tryCreate(lockPath)) return;
    if (isStale(lockPath)) {
      removeFile(lockPath);
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
function tryCreate(lockPath: string): boolean {
  const mine = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(mine, String(process.pid), { mode: 0o600 });
    linkSync(mine, lockPath);
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
    removeFile(mine);
  }
}

function createExclusive(lockPath: string): boolean {
  try {
    const fd = openSync(lockPath, 'wx', 0o600);
    try {
      writeSync(fd, String(process.pid));
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StoreError(`cannot create the lock file ${lockPath}`, {
      hint: 'check that the directory exists and is writable, or set DD_LOGSTORE_HOME',
      cause: err,
    });
  }
}

function isStale(lockPath: string): boolean {
  try {
    const content = readFileSync(lockPath, 'utf8');
    const info = statSync(lockPath);
    if (Date.now() - info.mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number.parseInt(content, 10);
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1000; // garbage (we never write one)
    return !processIsAlive(pid);
  } catch {
    return false; // vanished between our attempts: just retry
  }
}
