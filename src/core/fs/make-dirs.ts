/**
 * `mkdir -p`, without Node's own recursive mkdir: that one loops for ever, at full CPU, when mkdir(2) of a path whose
 * parent exists answers ENOENT (any path under /proc: `--path=/proc/logs` hung `run` before it started the command).
 * Here each missing parent is made once and a second ENOENT is the answer. `mode` applies to every directory made.
 */
import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

export function makeDirsSync(dir: string, mode?: number): void {
  try {
    mkdirSync(dir, { mode });
    return;
  } catch (err) {
    // There already (a directory: done; a file: the error, as `mkdir -p` gives), or made by someone else meanwhile.
    if (codeOf(err) === 'EEXIST' && statSync(dir).isDirectory()) return;
    if (codeOf(err) !== 'ENOENT' || dirname(dir) === dir) throw err;
  }
  makeDirsSync(dirname(dir), mode);
  try {
    mkdirSync(dir, { mode });
  } catch (err) {
    if (!(codeOf(err) === 'EEXIST' && statSync(dir).isDirectory())) throw err;
  }
}

export async function makeDirs(dir: string, mode?: number): Promise<void> {
  try {
    await mkdir(dir, { mode });
    return;
  } catch (err) {
    if (codeOf(err) === 'EEXIST' && (await stat(dir)).isDirectory()) return;
    if (codeOf(err) !== 'ENOENT' || dirname(dir) === dir) throw err;
  }
  await makeDirs(dirname(dir), mode);
  try {
    await mkdir(dir, { mode });
  } catch (err) {
    if (!(codeOf(err) === 'EEXIST' && (await stat(dir)).isDirectory())) throw err;
  }
}
