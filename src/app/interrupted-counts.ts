/**
 * A step killed before it ended (kill -9, OOM) never wrote its final counts: at most those its `run` wrote a few
 * seconds before (app/run-progress.ts). On a store whose own files are its journal (local), what it wrote is there:
 * `runs list`, `runs describe` and the ui show those records as read and delivered.
 */
import { destinationNamed, isFlavor } from '../destinations/index.js';
import type { RunRecord } from '../store/run-records.js';
import { logStoreOfRun } from '../store/run-log-store.js';
import { stepState } from '../store/run-status.js';
import type { Factory } from './factory.js';
import { resolveLogStoreSettings } from './resolve-log-store.js';

/**
 * Fills in the counts of the run's interrupted steps from the records their files hold (in memory only). A killed
 * step's files no longer change, so `counted` (the ui's, kept while it serves) spares counting them again.
 */
export async function countInterruptedSteps(f: Factory, run: RunRecord, counted?: Map<string, number>): Promise<void> {
  const flavor = run.logStore.flavor;
  if (!isFlavor(flavor)) return;
  const destination = destinationNamed(flavor);
  const storedRecords = destination.storedRecords;
  if (storedRecords === undefined) return;
  const steps = run.steps.filter(
    (s) => s.writer !== undefined && s.recovered === undefined && stepState(s).kind === 'interrupted',
  );
  if (steps.length === 0) return;
  const keyOf = (s: (typeof steps)[number]) => `${run.runId}\n${s.logId}\n${s.writer as string}`;
  // Counted before (the ui's polls): no config read, no store opened.
  const uncounted = steps.filter((s) => counted?.get(keyOf(s)) === undefined);
  try {
    if (uncounted.length > 0) {
      const config = await f.configStore().read();
      const component = logStoreOfRun(run.logStore, config.components['log-store']);
      // A log store no longer registered here: where its files are is not known.
      if (component === undefined) return;
      const settings = await resolveLogStoreSettings(f, component);
      for (const s of uncounted) {
        const n = await storedRecords(settings, { runId: run.runId, logId: s.logId, writer: s.writer as string });
        counted?.set(keyOf(s), n);
        apply(s, n);
      }
    }
    for (const s of steps) if (!uncounted.includes(s)) apply(s, counted?.get(keyOf(s)) ?? 0);
  } catch {
    // Counts are a courtesy here: the step still reads as interrupted, its records with `logs`.
  }
}

/**
 * The store holds everything the step showed: at least what its last counts said delivered. What they said was
 * dropped, failed or spooled stays so, and read covers all of it.
 */
function apply(s: RunRecord['steps'][number], stored: number): void {
  const c = s.counts;
  c.delivered = Math.max(c.delivered, stored);
  c.read = Math.max(c.read, c.delivered + c.dropped + c.failed + c.spooled);
}
