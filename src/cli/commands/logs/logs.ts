/**
 * `dd-logstore logs [--run-id ID | --last] [filters] [--output ...] [--follow] [--wait[=TIMEOUT]]` and `logs tail`:
 * read a run's logs back from the store it was shipped to, complete and in order. The builder only declares flags
 * and parses them; `showLogs` does the work, with waiting and Ctrl-C injected (`LogsDeps`).
 */
import { Command } from 'commander';
import { CliError, UsageError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { checkNameFlags } from '../../name-flags.js';
import { MAX_WAIT_MS, parseDuration, parseWhen } from '../../../core/duration.js';
import { componentDestination, resolveLogStoreSettings } from '../../../app/resolve-log-store.js';
import { destinationOf } from '../../../destinations/index.js';
import { LEVELS, levelNamed } from '../../../core/log-record.js';
import { RUN_ID_PATTERN, checkRunId, createRunRecordStore, runNotFound } from '../../../store/run-records.js';
import type { RunRecord } from '../../../store/run-records.js';
import { logStoreOfRun } from '../../../store/run-log-store.js';
import { resolveLogStore } from '../../../store/active-stack.js';
import type { Component } from '../../../store/model.js';
import type { LogFilter } from '../../../query/log-entry.js';
import { OUTPUT_FORMATS } from '../../../query/render.js';
import type { LogsFormat } from '../../../query/render.js';
import type { LogsDeps, LogsOptions } from '../../../app/read-logs.js';

export const DEFAULT_WAIT_MS = 5 * 60_000;

type RawOpts = Record<string, string | boolean | undefined>;

function addReadOptions(cmd: Command, withFollow: boolean): Command {
  cmd
    .option('--run-id <id>', 'the run to read (zenml.run.id, or zenml.pipeline.run.id as ZenML ships it)')
    .option('--log-id <id>', 'one log stream (a run step), by zenml.log.id, as ZenML reads it')
    .option('--last', 'the most recent run')
    .option('--step <name>', 'only this step')
    .option('--stack <name>', "read from this stack's log store (when the run record does not say)")
    .option('--log-store <name>', 'read from this log store')
    .option('--level <level>', 'only this level and above: debug, info, warn, error, critical')
    .option('--grep <text>', 'only messages containing this text (case-insensitive)')
    .option('--since <when>', 'only records after: a duration (1h, 15m, 1h30m), an ISO time or a Unix time')
    .option('--until <when>', 'only records before: a duration, an ISO time or a Unix time')
    .option('--limit <n>', 'the first N records (stderr says when more exist)')
    .option('--tail <n>', 'the last N records (with --follow: the last N, then new ones as they come)')
    .option('--output <format>', `output format: ${OUTPUT_FORMATS.join(', ')} (default text)`)
    .option('--raw', "text and table: print a record's control characters as they are (escaped by default)");
  if (withFollow) cmd.option('-f, --follow', 'keep reading new records as they arrive (same as logs tail)');
  return cmd
    .option('--wait [timeout]', 'wait until every delivered record is indexed (default timeout 5m)')
    .option('--interval <duration>', 'how often --follow and --wait poll (default 2s; 200ms on the local store)')
    .option('--no-exit', 'with --follow: keep going after the run has ended');
}

export function newCmdLogs(f: Factory, runF: (f: Factory, o: LogsOptions) => Promise<void> = showLogs): Command {
  const cmd = addReadOptions(new Command('logs'), true)
    .option('--web', "open the run in Datadog's Logs Explorer (prints the URL when no browser can be opened)")
    .description("read a run's logs back from its log store, in order")
    .action(async (opts: RawOpts) => {
      await runF(f, parseLogsOptions(opts, f.now().getTime()));
    });
  const tail = addReadOptions(new Command('tail'), false)
    .description("follow a run's logs as they arrive (logs --follow); exits when the run has ended")
    .action(async (own: RawOpts, self: Command) => {
      // Options are shared with `logs`, which parses them wherever they stand (`logs tail --run-id X` included):
      // take its values, then anything tail itself parsed.
      const opts: RawOpts = { ...cmd.opts<RawOpts>() };
      for (const [k, v] of Object.entries(own)) if (self.getOptionValueSource(k) !== 'default') opts[k] = v;
      const parsed = parseLogsOptions({ ...opts, follow: true }, f.now().getTime());
      if (!parsed.last && parsed.runId === undefined && parsed.logId === undefined) throw whichRunMissing('logs tail');
      await runF(f, parsed);
    });
  withExamples(tail, ['dd-logstore logs tail --run-id "$CI_PIPELINE_ID"', 'dd-logstore logs tail --last --level warn']);
  cmd.addCommand(tail);
  return withExamples(cmd, [
    'dd-logstore logs --last',
    'dd-logstore logs --run-id 3f2c... --step train --level warn',
    'dd-logstore logs --run-id my-ci-run-42 --output jsonl > logs.jsonl',
    'dd-logstore logs --last --wait=2m',
    'dd-logstore logs --last --tail 20',
    'dd-logstore logs --log-id 0d1f7a9e-5b8c-4a7b-9f0e-6c2d1b3a4e5f --level warn   # one ZenML step stream',
    'dd-logstore logs --last --web',
  ]);
}

export function parseLogsOptions(opts: RawOpts, nowMs: number): LogsOptions {
  const str = (k: string) => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
  const output = str('output') ?? 'text';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}, got '${output}'`, {
      hint: 'e.g. --output jsonl',
    });
  }
  checkNameFlags(opts, ['stack', 'logStore', 'step']);
  const filter: LogFilter = {};
  const step = str('step');
  if (step !== undefined) filter.step = step;
  const level = str('level');
  if (level !== undefined) {
    const v = levelNamed(level);
    if (v === undefined)
      throw new UsageError(`--level must be one of ${LEVELS.join(', ')}, got '${level}'`, {
        hint: 'e.g. --level warn',
      });
    filter.level = v;
  }
  const grep = str('grep');
  if (grep !== undefined) filter.grep = grep;
  const since = str('since');
  if (since !== undefined) filter.since = parseWhen(since, '--since', nowMs);
  const until = str('until');
  if (until !== undefined) filter.until = parseWhen(until, '--until', nowMs);
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
    throw new UsageError(`--since ${since} is after --until ${until}`, {
      hint: 'the window runs from --since to --until',
    });
  }
  let limit: number | undefined;
  const rawLimit = str('limit');
  if (rawLimit !== undefined) {
    limit = Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--limit must be a positive whole number, got '${rawLimit}'`, { hint: 'e.g. --limit 100' });
  }
  let tail: number | undefined;
  const rawTail = str('tail');
  if (rawTail !== undefined) {
    tail = Number(rawTail);
    if (!/^\d+$/.test(rawTail.trim()) || !Number.isSafeInteger(tail))
      throw new UsageError(
        `--tail must be ${opts.follow ? 'a whole number, 0 or more' : 'a positive whole number'}, got '${rawTail}'`,
        { hint: 'e.g. --tail 100: the last 100 records' },
      );
    if (limit !== undefined)
      throw new UsageError('--limit and --tail cannot be used together', {
        hint: '--limit N keeps the first N records, --tail N the last N: give one of them',
      });
  }
  const runId = str('runId');
  if (runId !== undefined && opts.last)
    throw new UsageError('--run-id and --last cannot be used together', { hint: 'give one of them' });
  const logId = str('logId');
  if (logId !== undefined && (runId !== undefined || opts.last))
    throw new UsageError(`--log-id and ${runId !== undefined ? '--run-id' : '--last'} cannot be used together`, {
      hint: 'a log id names one stream of one run: give one of them',
    });
  if (logId !== undefined) {
    if (!RUN_ID_PATTERN.test(logId))
      throw new UsageError(`invalid log id '${logId}'`, {
        hint: 'log ids are UUIDs: see dd-logstore runs describe RUN_ID',
      });
    filter.logId = logId;
  }
  if (runId !== undefined) checkRunId(runId);
  if (str('stack') !== undefined && str('logStore') !== undefined) {
    throw new UsageError('--stack and --log-store cannot be used together', { hint: 'give one of them' });
  }
  let waitMs: number | undefined;
  if (opts.wait === true) waitMs = DEFAULT_WAIT_MS;
  else if (typeof opts.wait === 'string') waitMs = parseDuration(opts.wait, '--wait', MAX_WAIT_MS);
  const rawInterval = str('interval');
  const intervalMs = rawInterval === undefined ? undefined : parseDuration(rawInterval, '--interval', MAX_WAIT_MS);
  if (intervalMs !== undefined && intervalMs < 100)
    throw new UsageError('--interval must be at least 100ms', { hint: 'e.g. --interval 2s' });
  const follow = Boolean(opts.follow);
  // Refused as --limit 0 is; with --follow, --tail 0 means what `tail -n 0 -f` does: only the new records.
  if (tail === 0 && !follow)
    throw new UsageError(`--tail must be a positive whole number, got '${rawTail ?? ''}'`, {
      hint: 'e.g. --tail 100; with --follow, --tail 0 shows only the new records',
    });
  // Flags that only change following or waiting: without them they would be taken and do nothing.
  if (intervalMs !== undefined && !follow && waitMs === undefined)
    throw new UsageError('--interval needs --follow or --wait', {
      hint: 'it sets how often they poll; e.g. dd-logstore logs tail --last --interval 5s',
    });
  if (opts.exit === false && !follow)
    throw new UsageError('--no-exit needs --follow', { hint: 'e.g. dd-logstore logs tail --last --no-exit' });
  if (opts.raw === true && (output === 'json' || output === 'jsonl'))
    throw new UsageError(`--raw applies to text and table output, not ${output}`, {
      hint: `${output} gives control characters as JSON escapes; drop --raw`,
    });
  const web = opts.web === true;
  if (web && (follow || waitMs !== undefined))
    throw new UsageError(`--web cannot be used with ${follow ? '--follow' : '--wait'}`, {
      hint: "the Logs Explorer shows the run's records itself; drop the other flag",
    });
  if (follow && limit !== undefined)
    throw new UsageError('--limit cannot be used with --follow', {
      hint: 'use --tail N to start from the last N records, or read without --follow',
    });
  return {
    last: Boolean(opts.last),
    filter,
    output: output as LogsFormat,
    follow,
    exitWhenDone: opts.exit !== false,
    ...(web ? { web } : {}),
    ...(opts.raw === true ? { raw: true } : {}),
    ...(waitMs !== undefined ? { waitMs } : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {}),
    ...(runId !== undefined ? { runId } : {}),
    ...(logId !== undefined ? { logId } : {}),
    ...(str('stack') !== undefined ? { stack: str('stack') } : {}),
    ...(str('logStore') !== undefined ? { logStore: str('logStore') } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(tail !== undefined ? { tail } : {}),
  };
}

/** `1h` (ago) or an ISO-8601 time. */
async function defaultDeps(): Promise<LogsDeps> {
  const { sleep, listenForInterrupt } = await import('../../../query/system.js');
  return { sleep, listenForInterrupt };
}

/** No --run-id, --log-id or --last: the command (`logs` or `logs tail`) is named as the user typed it. */
function whichRunMissing(command: string): UsageError {
  return new UsageError(`${command} needs --run-id ID, --log-id ID or --last`, { hint: 'see dd-logstore runs list' });
}

export async function showLogs(f: Factory, opts: LogsOptions, deps?: LogsDeps): Promise<void> {
  const d = deps ?? (await defaultDeps());
  const runs = createRunRecordStore(f.paths().runs);
  let run: RunRecord | undefined;
  if (opts.last) {
    run = await runs.last();
    if (!run) {
      // A --log-store or --stack that names nothing, or a store that cannot be read, is said as it is with runs.
      if (opts.logStore !== undefined || opts.stack !== undefined) {
        const component = await pickLogStore(f, opts, undefined, 'the last run');
        if (componentDestination(component).createRunReader === undefined) throw shipsOnly(component);
      }
      // Nothing found is success (exit 0), said on stderr; json is still a document, as for filters matching none.
      if (opts.output === 'json') f.io.out('[]\n');
      f.io.err('no runs yet (start one: dd-logstore run -- COMMAND)\n');
      return;
    }
  } else if (opts.runId !== undefined) {
    run = await runs.read(opts.runId);
  } else if (opts.logId !== undefined) {
    const logId = opts.logId;
    run = (await runs.list()).find((r) => r.steps.some((s) => s.logId === logId));
  } else {
    throw whichRunMissing('logs');
  }
  // Undefined for a --log-id no run record here knows: a stream ZenML shipped, searched by its log id alone.
  const runId = run?.runId ?? opts.runId;
  const what = runId ?? `log id ${opts.logId ?? ''}`;
  const component = await pickLogStore(f, opts, run, what);
  const destination = componentDestination(component);
  if (!run && !destination.findsUnrecordedRuns) {
    if (runId !== undefined && !opts.follow)
      throw runNotFound(
        runId,
        // The log store named cannot search for a run it has no record of (local), or read at all (otel).
        destination.createRunReader === undefined
          ? `log store '${component.name}' (${component.flavor}) ships only and cannot read logs back`
          : opts.logStore !== undefined || opts.stack !== undefined
            ? `see dd-logstore runs list; log store '${component.name}' (${component.flavor}) reads only the runs recorded here`
            : 'see dd-logstore runs list; a run shipped from elsewhere is read with --log-store NAME or --stack NAME',
      );
    if (runId === undefined)
      throw new CliError(`no run here has a step with log id '${opts.logId ?? ''}'`, {
        hint: 'see dd-logstore runs describe RUN_ID for the log ids of its steps',
      });
  }
  if (!run) {
    const noRecord = `no run record for ${runId !== undefined ? `'${runId}'` : what} here`;
    f.io.err(
      opts.follow && !destination.findsUnrecordedRuns
        ? // Tail started before the run (docs/logs.md): it waits, which must not look like a hang.
          `${noRecord} yet: waiting for it in log store '${component.name}' (Ctrl-C stops)\n`
        : opts.follow
          ? // A run started here later writes its record, and the follow ends with it (read again at every poll).
            `${noRecord} yet: following log store '${component.name}' until Ctrl-C, or until a run record here says the run ended\n`
          : `${noRecord}: searching log store '${component.name}' without one\n`,
    );
  }
  if (run && component.id !== run.logStore.id) {
    f.warn(`run ${run.runId} was shipped to log store '${run.logStore.name}', not '${component.name}'`);
  }
  if (opts.web) {
    // The Logs Explorer link is built from the run id: a --log-id no run record here knows has none.
    if (runId === undefined)
      throw new UsageError(`--web needs the run of log id '${opts.logId ?? ''}'`, {
        hint: 'give --run-id RUN_ID (runs describe shows the log ids of its steps)',
      });
    return (await import('../../../app/run-logs-link.js')).openRunInDatadog(f, opts, component, run, runId);
  }
  const stepNames = run?.steps.map((s) => s.name).filter((n): n is string => n !== null) ?? [];
  if (run && opts.filter.step !== undefined && !stepNames.includes(opts.filter.step)) {
    f.warn(`run ${run.runId} has no step '${opts.filter.step}' (steps: ${stepNames.join(', ') || 'none named'})`);
  } else if (run && opts.filter.step !== undefined && opts.logId !== undefined) {
    // Both filters hold only where the log id's step has that name: else nothing can match, which must be said.
    const own = run.steps.find((s) => s.logId === opts.logId);
    if (own !== undefined && own.name !== opts.filter.step)
      f.warn(
        `log id ${opts.logId} is of ${own.name === null ? 'a step without a name' : `step '${own.name}'`}, not '${opts.filter.step}': nothing matches both (drop --step)`,
      );
  }
  const settings = await resolveLogStoreSettings(f, component);
  if (destinationOf(settings).createRunReader === undefined) throw shipsOnly(component);
  const { readLogs } = await import('../../../app/read-logs.js');
  await readLogs(f, opts, d, { run, runId, runs, settings });
}

function shipsOnly(component: Component): CliError {
  return new CliError(
    `log store '${component.name}' is an ${component.flavor} log store, which ships only and cannot read logs back`,
    { hint: 'read them in the backend the OTLP endpoint feeds, or use a datadog or local log store' },
  );
}

async function pickLogStore(
  f: Factory,
  opts: LogsOptions,
  run: RunRecord | undefined,
  what: string,
): Promise<Component> {
  const config = await f.configStore().read();
  if (opts.logStore !== undefined || opts.stack !== undefined || !run) {
    return resolveLogStore(config, f.env, {
      ...(opts.stack ? { stack: opts.stack } : {}),
      ...(opts.logStore ? { logStore: opts.logStore } : {}),
    });
  }
  const stores = config.components['log-store'];
  const component = logStoreOfRun(run.logStore, stores);
  if (component) return component;
  const { name } = run.logStore;
  // Deleted and registered again under its name: another store, which may or may not hold the run's records.
  const namesake = stores[name] !== undefined;
  throw new CliError(
    `the log store of run ${what} ('${name}') is no longer registered${namesake ? `; '${name}' is another one registered since` : ''}`,
    { hint: namesake ? `to read the run from that one, pass --log-store ${name}` : 'pass --log-store NAME' },
  );
}
