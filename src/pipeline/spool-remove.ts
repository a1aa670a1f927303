/**
 * Removing one run's records from a log store's spool (`runs delete --force`): each finished spool file that holds
 * some is claimed like a flusher would, rewritten without them (under its old time, so the resend order stays) and
 * dropped. Files a live `run` or flusher holds, and files with unreadable lines, are left alone and counted.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { claimFile, claimableFiles, processIsAlive, readSpoolFile, removeFile, writeSpoolFile } from './spool.js';
import type { IsAlive } from './spool.js';

export interface SpoolRemoval {
  /** Records of the run removed. */
  removed: number;
  /** Spool files that may hold records of the run but were left: in use, or with unreadable lines. */
  left: number;
}

export function removeRunFromSpool(dir: string, runId: string, isAlive: IsAlive = processIsAlive): SpoolRemoval {
  const out: SpoolRemoval = { removed: 0, left: 0 };
  const claimable = new Set(claimableFiles(dir, isAlive));
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^\d+-\d+-[0-9a-f]+\./.test(n));
  } catch {
    return out;
  }
  for (const name of names) {
    let peek;
    try {
      peek = readSpoolFile(join(dir, name));
    } catch {
      continue; // claimed and removed by a flusher meanwhile
    }
    const mine = peek.entries.filter((e) => e.runId === runId).length;
    if (mine === 0) continue;
    // Rewriting a file with unreadable lines would drop them: leave it for flush, which moves it aside.
    const claimed = claimable.has(name) && peek.bad === 0 ? claimFile(dir, name) : undefined;
    if (claimed === undefined) {
      out.left++;
      continue;
    }
    // A finished file never changes, so what was peeked is what was claimed.
    const keep = peek.entries.filter((e) => e.runId !== runId);
    writeSpoolFile(dir, keep, Number(name.slice(0, name.indexOf('-'))), process.pid);
    removeFile(claimed);
    out.removed += mine;
  }
  return out;
}
