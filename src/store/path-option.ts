/**
 * A directory given as a flag value (`--path=`): bash expands `~` only at the start of a word, not after `--path=`,
 * so `~` and `~/...` are expanded here (as kubectl and docker do for their path flags); `~user` is left alone.
 */
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { userHome } from './paths.js';

export function expandTilde(raw: string, env: NodeJS.ProcessEnv = process.env): string {
  if (raw === '~') return userHome(env);
  if (raw.startsWith('~/')) return join(userHome(env), raw.slice(2));
  return raw;
}

/**
 * The file standing where `dir` or one of its parents must be a directory, or undefined: `--path=/etc/hostname/sub`
 * could never be created, which `run` would only find out later.
 */
export function fileInTheWay(dir: string): string | undefined {
  for (let p = resolve(dir); ; p = dirname(p)) {
    try {
      return statSync(p).isDirectory() ? undefined : p;
    } catch {
      // Not there (yet): its parent decides. Unreadable: left for the use to report.
    }
    if (dirname(p) === p) return undefined;
  }
}
