/** `dd-logstore runs delete RUN_ID... [--force] [--yes]` */
import { Command } from 'commander';
import { CliError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { confirmOrYes } from '../../../io/confirm.js';
import { plural } from '../../../io/plural.js';
import { checkRunId, createRunRecordStore, runNotFound, UnreadableRunRecord } from '../../../store/run-records.js';
import type { RunRecord } from '../../../store/run-records.js';
import {
  deleteRun,
  deleteUnreadableRun,
  deletionLine,
  whyNotDeletable,
  whyUnreadableNotDeletable,
} from '../../../app/delete-runs.js';

export function newCmdRunsDelete(f: Factory): Command {
  const cmd = new Command('delete')
    .description('delete runs: their run records and their records on the local store')
    .argument('<run-id...>', 'the runs to delete')
    .option(
      '--force',
      'also drop their records still waiting in the spool (never delivered); delete a damaged run record',
    )
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (ids: string[], opts: { force?: boolean; yes?: boolean }) => {
      for (const id of ids) checkRunId(id);
      const store = createRunRecordStore(f.paths().runs);
      const runs: RunRecord[] = [];
      /** Records that are there but cannot be read: --force deletes them (nothing else could, but a hand). */
      const unreadable: string[] = [];
      // Every id is checked before anything is deleted: a typo in one never deletes the others half-way.
      for (const id of [...new Set(ids)]) {
        let run: RunRecord | undefined;
        try {
          run = await store.read(id);
        } catch (err) {
          if (!(err instanceof UnreadableRunRecord && opts.force === true)) throw err;
          const why = await whyUnreadableNotDeletable(f, id);
          if (why)
            throw new CliError(`${why}; nothing deleted`, { hint: 'wait for it to end (or stop it), then delete it' });
          unreadable.push(id);
          continue;
        }
        if (!run) throw runNotFound(id);
        const why = whyNotDeletable(f, run, Boolean(opts.force));
        if (why)
          throw new CliError(`${why}; nothing deleted`, {
            hint: why.includes('spool')
              ? 'deliver them first with dd-logstore flush, or pass --force to drop them'
              : 'wait for it to end (or stop it), then delete it',
          });
        runs.push(run);
      }
      const names = [...runs.map((r) => r.runId), ...unreadable];
      const ok = await confirmOrYes(f.io, {
        yes: Boolean(opts.yes),
        message: `Delete ${plural(names.length, 'run')} (${names.join(', ')}) and their local records?`,
        // The flags given stay in the command the hint prints: without --force it would do another thing.
        command: `runs delete ${names.join(' ')}${opts.force === true ? ' --force' : ''}`,
      });
      if (!ok) {
        f.io.err('Nothing deleted.\n');
        return;
      }
      for (const run of runs) f.io.err(deletionLine(await deleteRun(f, run, Boolean(opts.force))) + '\n');
      for (const id of unreadable)
        f.io.err(
          `${deletionLine(await deleteUnreadableRun(f, id)).replace('(run record', '(unreadable run record')}\n`,
        );
    });
  return withExamples(cmd, [
    'dd-logstore runs delete 3f2c... --yes',
    'dd-logstore runs delete ci-41 ci-42 --force --yes',
  ]);
}
