/** `dd-logstore runs list [--limit N]` */
import { Command } from 'commander';
import { UsageError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { addOutputOption, withExamples } from '../../command-kit.js';
import { parseOutputFormat, printList } from '../../../io/output.js';
import { createRunRecordStore, totalCounts } from '../../../store/run-records.js';
import type { RunRecord } from '../../../store/run-records.js';

export function newCmdRunsList(f: Factory): Command {
  const cmd = new Command('list')
    .description('list runs, newest first')
    .option('--limit <n>', 'at most this many runs', '20')
    .action(async (opts: { output?: string; limit: string }) => {
      const format = parseOutputFormat(opts.output, f.io);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(`--limit must be a positive whole number, got '${opts.limit}'`, {
          hint: 'e.g. --limit 50',
        });
      const all = await createRunRecordStore(f.paths().runs).list((file) =>
        f.warn(`skipped ${file}: not a readable run record`),
      );
      const runs = all.slice(0, limit);
      // Never cut silently: say how many more there are (on stderr, so piped output stays data).
      if (all.length > limit)
        f.io.err(`showing the ${limit} newest of ${all.length} runs (--limit ${all.length} for all)\n`);
      await printList(
        f.io,
        format,
        runs,
        [
          { header: 'RUN ID', value: (r) => r.runId },
          { header: 'STEPS', value: (r) => r.steps.map((s) => s.name ?? '-').join(',') },
          { header: 'STARTED', value: (r) => r.createdAt },
          { header: 'EXIT', value: (r) => exitSummary(r) },
          { header: 'READ', value: (r) => String(totalCounts(r).read) },
          { header: 'DELIVERED', value: (r) => String(totalCounts(r).delivered) },
          { header: 'LOG STORE', value: (r) => r.logStore.name },
        ],
        (r) => ({ ...r, counts: totalCounts(r) }),
      );
    });
  addOutputOption(cmd);
  return withExamples(cmd, ['dd-logstore runs list', 'dd-logstore runs list --limit 5 --output json']);
}

export function exitSummary(run: RunRecord): string {
  return run.steps
    .map((s) => (s.signal ? s.signal : s.exitCode === undefined ? 'running' : String(s.exitCode)))
    .join(',');
}
