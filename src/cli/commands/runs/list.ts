/** `dd-logstore runs list [--limit N] [--step S] [--status ...] [--since WHEN]` */
import { Command } from 'commander';
import { escapeControlChars } from '../../../core/control-chars.js';
import { UsageError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { countInterruptedSteps } from '../../../app/interrupted-counts.js';
import { addOutputOption, withExamples } from '../../command-kit.js';
import { checkNameFlags } from '../../name-flags.js';
import { parseWhen } from '../../../core/duration.js';
import { parseOutputFormat, printList } from '../../../io/output.js';
import { formatDuration, relativeTime } from '../../../io/relative-time.js';
import { createRunRecordStore, totalCounts } from '../../../store/run-records.js';
import type { RecordCounts, RunRecord } from '../../../store/run-records.js';
import { RUN_STATUSES, runDurationMs, runLastActivityMs, runStartedMs, runStatus } from '../../../store/run-status.js';
import type { RunStatus } from '../../../store/run-status.js';
import { plural } from '../../../io/plural.js';
import { logStoreNow } from '../../../store/run-log-store.js';
import type { Component } from '../../../store/model.js';

interface ListOpts {
  output?: string;
  limit: string;
  step?: string;
  status?: string;
  since?: string;
}

export function newCmdRunsList(f: Factory): Command {
  const cmd = new Command('list')
    .description('list runs, newest first')
    .option('--limit <n>', 'at most this many runs', '20')
    .option('--step <name>', 'only runs with a step of this name')
    .option('--status <status>', `only runs in this state: ${RUN_STATUSES.join(', ')}`)
    .option('--since <when>', 'only runs active since: a duration (2h, 7d), an ISO time or a Unix time')
    .action(async (opts: ListOpts) => {
      const format = parseOutputFormat(opts.output, f.io);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(`--limit must be a positive whole number, got '${opts.limit}'`, {
          hint: 'e.g. --limit 50',
        });
      checkNameFlags({ step: opts.step }, ['step']);
      const status = opts.status === undefined ? undefined : parseStatus(opts.status);
      const nowMs = f.now().getTime();
      const since = opts.since === undefined ? undefined : parseWhen(opts.since, '--since', nowMs);
      const recorded = await createRunRecordStore(f.paths().runs).list((file) =>
        f.warn(`skipped ${file}: not a readable run record`),
      );
      const all = recorded.filter(
        (r) =>
          (opts.step === undefined || r.steps.some((s) => s.name === opts.step)) &&
          (status === undefined || runStatus(r) === status) &&
          (since === undefined || runLastActivityMs(r) >= since),
      );
      const runs = all.slice(0, limit);
      // A step killed before it recorded its counts is counted from its store, as `runs describe` counts it.
      for (const r of runs) await countInterruptedSteps(f, r);
      // A log store renamed since is shown by its name now (the one --log-store takes); json keeps the record as is.
      let stores: Record<string, Component> = {};
      try {
        stores = (await f.configStore().read()).components['log-store'];
      } catch {
        // A config that cannot be read does not hide the runs: their log stores as recorded.
      }
      const logStoreName = (r: RunRecord) => logStoreNow(r.logStore, stores) ?? r.logStore.name;
      // Never cut silently: say how many more there are (on stderr, so piped output stays data).
      if (all.length > limit)
        f.io.err(`showing the ${limit} newest of ${all.length} runs (--limit ${all.length} for all)\n`);
      // People read a table: relative times and short durations. Scripts (text, json) get ISO times and ms.
      const human = format === 'table';
      const started = (r: RunRecord) =>
        human ? relativeTime(runStartedMs(r), nowMs) : new Date(runStartedMs(r)).toISOString();
      const duration = (r: RunRecord) =>
        human ? formatDuration(runDurationMs(r, nowMs)) : String(runDurationMs(r, nowMs));
      await printList(
        f.io,
        format,
        runs,
        [
          { header: 'RUN ID', value: (r) => r.runId },
          { header: 'STATUS', value: (r) => statusText(r) },
          // A step name is whatever the caller gave: its escape sequences are shown, not played (json keeps them).
          { header: 'STEPS', value: (r) => escapeControlChars(r.steps.map((s) => s.name ?? '-').join(',')) },
          { header: 'STARTED', value: started },
          { header: 'DURATION', value: duration },
          { header: 'RECORDS', value: (r) => recordsText(totalCounts(r)), dropOrder: 1 },
          { header: 'LOG STORE', value: logStoreName, dropOrder: 2 },
        ],
        (r) => ({
          ...r,
          status: runStatus(r),
          exitCodes: r.steps.map((s) => s.exitCode ?? null),
          startedAt: new Date(runStartedMs(r)).toISOString(),
          durationMs: runDurationMs(r, nowMs),
          counts: totalCounts(r),
        }),
        {
          borderless: true,
          empty:
            recorded.length === 0
              ? 'no runs yet (start one: dd-logstore run -- COMMAND)'
              : `no run matches these filters (${plural(recorded.length, 'run')} recorded: dd-logstore runs list)`,
        },
      );
    });
  addOutputOption(cmd);
  return withExamples(cmd, [
    'dd-logstore runs list',
    'dd-logstore runs list --status failed --since 1d',
    'dd-logstore runs list --step train --limit 5 --output json',
  ]);
}

function parseStatus(raw: string): RunStatus {
  const s = raw.trim().toLowerCase();
  const found = RUN_STATUSES.find((x) => x === s);
  if (found) return found;
  throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')}, got '${raw}'`, {
    hint: 'e.g. --status failed',
  });
}

/** `400000`, or with what did not reach the log store: `400000 (205970 lost)`, `1200 (1200 spooled)`. */
function recordsText(c: RecordCounts): string {
  const notes = [c.failed > 0 ? `${c.failed} lost` : '', c.spooled > 0 ? `${c.spooled} spooled` : ''].filter(Boolean);
  return notes.length > 0 ? `${c.read} (${notes.join(', ')})` : String(c.read);
}

/** `ok`, `failed (exit 1)`, `interrupted (SIGINT)`, `running`: the state and the exit codes behind it. */
function statusText(run: RunRecord): string {
  const status = runStatus(run);
  if (status === 'ok' || status === 'running') return status;
  const codes = run.steps
    .filter((s) => s.exitCode !== 0 || s.signal !== undefined)
    .map((s) => s.signal ?? (s.exitCode === undefined ? 'no exit' : `exit ${s.exitCode}`));
  return `${status} (${[...new Set(codes)].join(',')})`;
}
