/**
 * Removing one run's records from a log store's spool (`runs delete --force`): each finished spool file that holds
 * some is claimed like a flusher would, rewritten without them (under its old time, so the resend order stays) and
 * dropped. Files a live `run` or flusher holds, and files with unreadable lines, are left alone and counted. Files are
 * streamed (never held whole), from where an interrupted flush left them.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  claimFile,
  claimableFiles,
  createSpoolFileWriter,
  processIsAlive,
  readSpoolProgress,
  spoolBase,
  spoolLines,
  spoolProgressPath,
} from './spool.js';
import type { IsAlive, SpoolEntry } from './spool.js';
import { removeFile } from '../core/fs/quiet-cleanup.js';
import { claimJournal } from './journal.js';

export interface SpoolRemoval {
  /** Records of the run removed. */
  removed: number;
  /** Spool files that may hold records of the run but were left: in use, or with unreadable lines. */
  left: number;
}

const SPOOL_FILE = /^\d+-\d+-[0-9a-f]+\.(open|jsonl|sending-\d+)$/;

export function removeRunFromSpool(dir: string, runId: string, isAlive: IsAlive = processIsAlive): SpoolRemoval {
  const out: SpoolRemoval = { removed: 0, left: 0 };
  const claimable = new Set(claimableFiles(dir, isAlive));
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => SPOOL_FILE.test(n));
  } catch {
    return out;
  }
  for (const name of names) {
    const base = spoolBase(name);
    const { offset, bad: badBefore } = readSpoolProgress(dir, base);
    let mine = 0;
    let bad = badBefore;
    try {
      for (const { entry } of spoolLines(join(dir, name), offset)) {
        if (entry === undefined) bad++;
        else if (entry.runId === runId) mine++;
      }
    } catch {
      continue; // claimed and removed by a flusher meanwhile
    }
    if (mine === 0) continue;
    // Rewriting a file with unreadable lines would drop them: leave it for flush, which moves it aside.
    const claimed = claimable.has(name) && bad === 0 ? claimFile(dir, name) : undefined;
    if (claimed === undefined) {
      out.left++;
      continue;
    }
    // A finished file never changes, so what was counted is what was claimed. Only what a flush has not settled
    // (past its progress) is copied.
    const w = createSpoolFileWriter(dir, Number(name.slice(0, name.indexOf('-'))), process.pid);
    try {
      let batch: SpoolEntry[] = [];
      for (const { entry } of spoolLines(claimed, offset)) {
        if (entry === undefined || entry.runId === runId) continue;
        batch.push(entry);
        if (batch.length >= 1000) {
          w.add(batch);
          batch = [];
        }
      }
      w.add(batch);
      w.close();
    } catch (err) {
      w.abandon();
      throw err;
    }
    removeFile(claimed);
    removeFile(spoolProgressPath(dir, base));
    out.removed += mine;
  }
  return out;
}

/**
 * Removes these journals (`runs delete --force`), each claimed first as a flusher claims it: one a live `run` writes
 * or a flusher is resending is left, and counted.
 */
export function removeJournals(paths: readonly string[]): { removed: number; left: number } {
  const out = { removed: 0, left: 0 };
  for (const path of paths) {
    const claim = claimJournal(path);
    if (claim === undefined) out.left++;
    else {
      claim.remove();
      out.removed++;
    }
  }
  return out;
}
