/**
 * `runs delete` and `runs prune`: a run goes with its run record, its records on the local store (when that is where
 * it was shipped) and, only when asked (--force), the records of it still waiting in the spool. Records already in
 * Datadog or behind an OTLP endpoint stay there: dd-logstore cannot delete them.
 */
import { join } from 'node:path';
import type { Factory } from './factory.js';
import { componentDestination, resolveLogStoreSettings } from './resolve-log-store.js';
import { destinationOf } from '../destinations/index.js';
import { journalsOfRun, journalsOfWriters, journalWriterAlive } from '../pipeline/journal.js';
import { removeJournals, removeRunFromSpool } from '../pipeline/spool-remove.js';
import { createRunRecordStore, totalCounts } from '../store/run-records.js';
import type { RunRecord } from '../store/run-records.js';
import { logStoreOfRun } from '../store/run-log-store.js';
import { runStatus } from '../store/run-status.js';
import { plural } from '../io/plural.js';

export interface RunDeletion {
  runId: string;
  /** Files of the run removed from the local store. */
  localFiles: number;
  /** Spooled records removed (--force). */
  spoolRemoved: number;
  /** Journals of its steps removed (--force): records never delivered, of a step killed or ended with them spooled. */
  journalsRemoved: number;
  /** Spool files and journals holding records of the run that were left (in use or damaged). */
  spoolLeft: number;
  /** Where the run's records stay, when not on this machine: `Datadog`, an OTLP endpoint, an unregistered store. */
  remote?: string;
}

/** The spool directory of the run's log store. */
function spoolDirOf(f: Factory, run: RunRecord): string {
  return join(f.paths().spool, run.logStore.id);
}

/** The journals of the run's steps still in the spool. */
function runJournals(f: Factory, run: RunRecord): string[] {
  return journalsOfWriters(
    spoolDirOf(f, run),
    run.steps.flatMap((s) => (s.writer !== undefined ? [s.writer] : [])),
  );
}

/** Why a run whose record cannot be read may not be deleted now (a live `run` writes a journal of it), or undefined. */
export async function whyUnreadableNotDeletable(f: Factory, runId: string): Promise<string | undefined> {
  const config = await f.configStore().read();
  for (const component of Object.values(config.components['log-store']))
    if (journalsOfRun(join(f.paths().spool, component.id), runId).some(journalWriterAlive))
      return `run ${runId} is still running`;
  return undefined;
}

/** Why a run may not be deleted now, or undefined. */
export function whyNotDeletable(f: Factory, run: RunRecord, force: boolean): string | undefined {
  if (runStatus(run) === 'running') return `run ${run.runId} is still running`;
  if (force) return undefined;
  const spooled = totalCounts(run).spooled;
  if (spooled > 0) return `run ${run.runId} has ${plural(spooled, 'record')} waiting in the spool, not delivered yet`;
  // A step killed with `kill -9` never wrote its final counts (at most those of a moment before, app/run-progress.ts):
  // its journal still in the spool is what says records wait (runs describe says so too).
  if (runJournals(f, run).length > 0)
    return `run ${run.runId} has records waiting in the spool (a step's journal), not delivered yet`;
  return undefined;
}

export async function deleteRun(f: Factory, run: RunRecord, force: boolean): Promise<RunDeletion> {
  const out: RunDeletion = { runId: run.runId, localFiles: 0, spoolRemoved: 0, journalsRemoved: 0, spoolLeft: 0 };
  const config = await f.configStore().read();
  const component = logStoreOfRun(run.logStore, config.components['log-store']);
  if (component === undefined) out.remote = `log store '${run.logStore.name}' (no longer registered)`;
  else {
    const destination = componentDestination(component);
    if (destination.deleteRecords) {
      const settings = await resolveLogStoreSettings(f, component);
      out.localFiles = (await destinationOf(settings).deleteRecords?.(settings, run.runId)) ?? 0;
    } else out.remote = destination.recordsKeptBy?.(component) ?? `log store '${component.name}'`;
  }
  if (force) {
    const spool = removeRunFromSpool(spoolDirOf(f, run), run.runId);
    // Before: the journals stayed, and the next flush delivered the records of a run deleted with --force.
    const journals = removeJournals(runJournals(f, run));
    out.spoolRemoved = spool.removed;
    out.journalsRemoved = journals.removed;
    out.spoolLeft = spool.left + journals.left;
  }
  await createRunRecordStore(f.paths().runs).remove(run.runId);
  return out;
}

/**
 * `runs delete --force` of a run whose record cannot be read (damaged, or not a run record): which log store it shipped
 * to was in the record, so every one is looked at. The record goes; so do the run's records on every local log store,
 * its records in every spool (a spool file's lines carry their run id) and its journals (found by their header's run
 * id), so that no later `flush` delivers a deleted run's records.
 */
export async function deleteUnreadableRun(f: Factory, runId: string): Promise<RunDeletion> {
  const out: RunDeletion = { runId, localFiles: 0, spoolRemoved: 0, journalsRemoved: 0, spoolLeft: 0 };
  const config = await f.configStore().read();
  for (const component of Object.values(config.components['log-store'])) {
    const dir = join(f.paths().spool, component.id);
    const spool = removeRunFromSpool(dir, runId);
    const journals = removeJournals(journalsOfRun(dir, runId));
    out.spoolRemoved += spool.removed;
    out.journalsRemoved += journals.removed;
    out.spoolLeft += spool.left + journals.left;
    const destination = componentDestination(component);
    if (!destination.deleteRecords) continue;
    const settings = await resolveLogStoreSettings(f, component);
    out.localFiles += (await destinationOf(settings).deleteRecords?.(settings, runId)) ?? 0;
  }
  // No local files: it may have shipped to Datadog or an OTLP endpoint, where its records stay.
  if (out.localFiles === 0) out.remote = 'the log store it shipped to, if that was not a local one';
  await createRunRecordStore(f.paths().runs).remove(runId);
  return out;
}

/** One line for stderr: `Deleted run X (run record, 3 local files).` */
export function deletionLine(d: RunDeletion): string {
  const parts = ['run record'];
  if (d.localFiles > 0) parts.push(plural(d.localFiles, 'local log file'));
  if (d.spoolRemoved > 0) parts.push(plural(d.spoolRemoved, 'spooled record'));
  if (d.journalsRemoved > 0) parts.push(`the undelivered records of ${plural(d.journalsRemoved, 'step')}`);
  let line = `Deleted run ${d.runId} (${parts.join(', ')}).`;
  if (d.remote) line += ` Its logs stay in ${d.remote}.`;
  if (d.spoolLeft > 0)
    line += ` ${plural(d.spoolLeft, 'spool file')} with its records ${d.spoolLeft === 1 ? 'was' : 'were'} left: in use or damaged.`;
  return line;
}
