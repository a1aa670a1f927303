/** Atomic file replacement: write a temp file beside the target, fsync it, rename over the target, fsync the dir. */
import { randomBytes } from '../random.js';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  // Make the rename itself durable; not every platform lets a directory be opened for fsync.
  const dh = await open(dir, 'r').catch(() => undefined);
  if (dh) {
    await dh.sync().catch(() => undefined);
    await dh.close();
  }
}
