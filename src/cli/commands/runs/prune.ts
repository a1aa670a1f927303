/** `dd-logstore runs prune --older-than DURATION [--force] [--yes]` */
import { Command } from 'commander';
import { UsageError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { parseDuration } from '../../../core/duration.js';
import { confirmOrYes } from '../../../io/confirm.js';
import { plural } from '../../../io/plural.js';
import { createRunRecordStore } from '../../../store/run-records.js';
import { runLastActivityMs } from '../../../store/run-status.js';
import { deleteRun, deletionLine, whyNotDeletable } from '../../../app/delete-runs.js';

export function newCmdRunsPrune(f: Factory): Command {
  const cmd = new Command('prune')
    .description('delete every run whose last step ended longer ago than --older-than')
    .option('--older-than <duration>', 'e.g. 7d, 12h, 30m (required)')
    .option('--force', 'also drop their records still waiting in the spool (never delivered)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (opts: { olderThan?: string; force?: boolean; yes?: boolean }) => {
      if (opts.olderThan === undefined)
        throw new UsageError('runs prune needs --older-than DURATION', {
          hint: 'e.g. dd-logstore runs prune --older-than 7d',
        });
      const age = parseDuration(opts.olderThan, '--older-than', Infinity, '30d');
      const cutoff = f.now().getTime() - age;
      const old = (
        await createRunRecordStore(f.paths().runs).list((file) => f.warn(`skipped ${file}: not a readable run record`))
      ).filter((r) => runLastActivityMs(r) < cutoff);
      const force = Boolean(opts.force);
      // Asked once a run: it looks in the spool for each step's journal.
      const why = new Map(old.map((r) => [r, whyNotDeletable(f, r, force)]));
      const doomed = old.filter((r) => why.get(r) === undefined);
      for (const reason of why.values()) {
        if (reason === undefined) continue;
        f.io.err(`not deleted: ${reason}${reason.includes('spool') ? ' (flush it, or --force drops them)' : ''}\n`);
      }
      if (doomed.length === 0) {
        f.io.err(`No runs to delete older than ${opts.olderThan}.\n`);
        return;
      }
      const ok = await confirmOrYes(f.io, {
        yes: Boolean(opts.yes),
        message: `Delete ${plural(doomed.length, 'run')} older than ${opts.olderThan} and their local records?`,
        // The flags given stay in the command the hint prints: without --force it would keep the spooled runs.
        command: `runs prune --older-than ${opts.olderThan}${force ? ' --force' : ''}`,
      });
      if (!ok) {
        f.io.err('Nothing deleted.\n');
        return;
      }
      for (const run of doomed) f.io.err(deletionLine(await deleteRun(f, run, force)) + '\n');
      f.io.err(`Deleted ${plural(doomed.length, 'run')} older than ${opts.olderThan}.\n`);
    });
  return withExamples(cmd, ['dd-logstore runs prune --older-than 30d --yes']);
}
