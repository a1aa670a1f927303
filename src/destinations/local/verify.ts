/** `log-store verify` for the local flavor: the directory takes a file, gives it back and lets it go. */
import { randomUUID } from '../../core/random.js';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { makeDirs } from '../../core/fs/make-dirs.js';
import { join } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import { row } from '../check-row.js';
import type { CheckRow } from '../check-row.js';

export const LOCAL_CHECKS = ['directory'];

export async function checkDirectory(dir: string, name: string): Promise<CheckRow> {
  const probe = join(dir, `.dd-logstore-verify-${randomUUID()}`);
  try {
    await makeDirs(dir);
    await writeFile(probe, 'verify\n', { mode: 0o600 });
    const back = await readFile(probe, 'utf8');
    if (back !== 'verify\n') throw new Error('the file read back differs from what was written');
    return row('directory', 'ok', `${dir} is writable (a test file was written, read back and removed)`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return row(
      'directory',
      'FAILED',
      `cannot write to ${dir}: ${code ?? errorMessage(err)}`,
      `fix the permissions of that directory, or point the store elsewhere: dd-logstore log-store update ${name} --path=DIR`,
    );
  } finally {
    await rm(probe, { force: true });
  }
}
