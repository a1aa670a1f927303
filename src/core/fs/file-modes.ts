/**
 * ssh's rule for the files that decide where records and keys go: they must belong to the user (or root) and be
 * writable by nobody else, or they are refused with the `chmod` that fixes them. A config.json others can write
 * would let them point `intake_url` (and with it the API key) anywhere; a run record, which store `logs` reads.
 */
import type { Stats } from 'node:fs';

/** Octal, as `ls -l` users read it: `0664`. */
export function modeText(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

export interface ModeProblem {
  message: string;
  hint: string;
}

/**
 * Why `path` must not be used, or undefined. `forbidden` are the mode bits others must not have: 0o022 (writable by
 * group or others) for config and run records, 0o077 for a file that holds secrets.
 */
export function unsafeMode(path: string, info: Stats, forbidden = 0o022, what = 'file'): ModeProblem | undefined {
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid && info.uid !== 0) {
    return {
      message: `${path} belongs to another user (uid ${info.uid}); refusing to use it`,
      hint: `chown ${uid} ${path}, or set DD_LOGSTORE_HOME to a directory of your own`,
    };
  }
  if ((info.mode & forbidden) === 0) return undefined;
  const reads = (forbidden & 0o044) !== 0;
  const target = info.isDirectory() ? '700' : '600';
  return {
    message:
      `${path} can be ${reads ? 'read or written' : 'written'} by other users (mode ${modeText(info.mode)}); ` +
      `refusing to use this ${what}`,
    hint: `chmod ${target} ${path}`,
  };
}
