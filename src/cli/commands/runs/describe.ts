/** `dd-logstore runs describe RUN_ID`: steps, commands (secrets masked), times, exit codes, counts. */
import { escapeControlChars } from '../../../core/control-chars.js';
import { Command } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { addOutputOption, withExamples } from '../../command-kit.js';
import { parseOutputFormat, printObject } from '../../../io/output.js';
import { shellJoin } from '../../../io/shell-quote.js';
import { checkRunId, createRunRecordStore, runNotFound, totalCounts } from '../../../store/run-records.js';
import { runDurationMs, runStartedMs, runStatus, stepState } from '../../../store/run-status.js';
import { runLogsUrlOf } from '../../../app/run-logs-link.js';
import { countInterruptedSteps } from '../../../app/interrupted-counts.js';
import { destinationNamed, isFlavor } from '../../../destinations/index.js';
import { logStoreNow } from '../../../store/run-log-store.js';
import type { RunRecord } from '../../../store/run-records.js';
import type { Component } from '../../../store/model.js';

export function newCmdRunsDescribe(f: Factory): Command {
  const cmd = new Command('describe')
    .description('show a run: its steps, commands, exit codes and record counts')
    .argument('<run-id>', 'the run id')
    .action(async (runId: string, opts: { output?: string }) => {
      const format = parseOutputFormat(opts.output, f.io);
      const run = await createRunRecordStore(f.paths().runs).read(checkRunId(runId));
      if (!run) throw runNotFound(runId);
      await countInterruptedSteps(f, run);
      const total = totalCounts(run);
      const logsUrl = await runLogsUrlOf(f, run);
      const pairs: [string, string][] = [
        ['run id', run.runId],
        ['log store', logStoreText(run.logStore, (await f.configStore().read()).components['log-store'])],
        ['created', run.createdAt],
        [
          'records',
          `read ${total.read}, delivered ${total.delivered}, spooled ${total.spooled}, failed ${total.failed}, dropped ${total.dropped}`,
        ],
      ];
      if (run.pipeline) pairs.push(['pipeline', run.pipeline]);
      // A store written before each chunk is shown (local) holds what a killed step showed; the others' journals wait.
      const afterKill =
        isFlavor(run.logStore.flavor) && destinationNamed(run.logStore.flavor).createRecordWriter
          ? '; what it showed is in the log store (dd-logstore logs reads it)'
          : '; run dd-logstore flush to deliver what its journal holds';
      if (logsUrl) pairs.push(['datadog logs', logsUrl]);
      run.steps.forEach((s, i) => {
        const state = stepState(s);
        const end =
          state.kind === 'signal'
            ? `killed by ${state.text}${s.killedAfter !== undefined ? ` (sent by dd-logstore when ${s.killedAfter} did not stop it)` : ''}`
            : state.kind === 'exit'
              ? `exit ${state.text}`
              : state.kind === 'interrupted'
                ? `interrupted (dd-logstore was killed before the step ended${s.recovered ? `; ${s.recovered.read} records recovered from its journal, ${s.recovered.delivered} delivered` : afterKill})`
                : 'running';
        pairs.push([`step ${i + 1}`, `${s.name ?? '(no step)'} — ${end}`]);
        // Shell-quoted, so it can be copied and run again (secrets in it were masked when the run was recorded).
        pairs.push([`step ${i + 1} command`, shellJoin(s.argv)]);
        if (s.tags !== undefined && s.tags.length > 0) pairs.push([`step ${i + 1} tags`, s.tags.join(', ')]);
        pairs.push([`step ${i + 1} time`, `${s.startedAt} .. ${s.endedAt ?? ''}`]);
        pairs.push([
          `step ${i + 1} records`,
          `read ${s.counts.read}, delivered ${s.counts.delivered}, spooled ${s.counts.spooled}, failed ${s.counts.failed}, dropped ${s.counts.dropped}` +
            (s.error ? ` (${s.error})` : ''),
        ]);
      });
      // A step name, command or error can hold escape sequences: shown escaped, as logs shows records (json keeps them).
      const shown = pairs.map(([k, v]): [string, string] => [k, escapeControlChars(v)]);
      // The json of `runs list` has these too (docs/run.md): a script reading one run needs its status as much.
      const json = {
        ...run,
        status: runStatus(run),
        exitCodes: run.steps.map((s) => s.exitCode ?? null),
        startedAt: new Date(runStartedMs(run)).toISOString(),
        durationMs: runDurationMs(run, f.now().getTime()),
        counts: total,
        ...(logsUrl ? { logsUrl } : {}),
      };
      await printObject(f.io, format, shown, json);
    });
  addOutputOption(cmd);
  return withExamples(cmd, [
    'dd-logstore runs describe 3f2c...',
    'dd-logstore runs describe my-ci-run-42 --output json',
  ]);
}

/** `dd (datadog)`; under its name now once renamed, and said when it is no longer registered. */
function logStoreText(recorded: RunRecord['logStore'], stores: Record<string, Component>): string {
  const now = logStoreNow(recorded, stores);
  if (now === undefined) return `${recorded.name} (${recorded.flavor}; no longer registered)`;
  return now === recorded.name
    ? `${now} (${recorded.flavor})`
    : `${now} (${recorded.flavor}; named '${recorded.name}' when the run shipped)`;
}
