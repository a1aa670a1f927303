/**
 * `dd-logstore run [flags] -- COMMAND [ARGS...]`: declares the flags and turns argv into RunOptions; the work is
 * the `run a step` use case in app/run-step.ts.
 */
import { Command, Option } from 'commander';
import { RunSetupError, SilentExit, UsageError } from '../../core/errors.js';
import { MAX_WAIT_MS, parseDuration } from '../../core/duration.js';
import { LEVELS } from '../../core/log-record.js';
import type { Level } from '../../core/log-record.js';
import { RUN_ID_PATTERN } from '../../store/run-records.js';
import type { Factory } from '../../app/factory.js';
import { runCommand } from '../../app/run-step.js';
import { withExamples } from '../command-kit.js';

export function newCmdRun(f: Factory, runF = runCommand): Command {
  const cmd = new Command('run')
    .description('run a command, show its output live and ship every line to the log store')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('--stack <name>', 'use this stack instead of the active one')
    .option('--log-store <name>', "use this log store instead of the stack's")
    .option('--run-id <id>', 'join or name a run (default: $DD_LOGSTORE_RUN_ID, else a new UUID)')
    .option('--step <name>', 'the step name (zenml.step.name, and zenml.step.run.name as ZenML names it)')
    .option('--pipeline <name>', 'the pipeline name (dd_logstore.pipeline, and zenml.pipeline.name as ZenML names it)')
    .option(
      '--tag <k:v>',
      'a tag on every record (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .addOption(new Option('--stderr-level <level>', 'level of stderr lines that do not say their own').default('error'))
    .option('--flush-timeout <duration>', 'how long to wait for delivery after the command ends', '30s')
    .option('--kill-after <duration>', 'after a signal, how long the command may take to exit before SIGKILL', '10s')
    .addOption(
      new Option('--on-overflow <policy>', 'when the in-memory queue is full: spool to disk, or drop (counted)')
        .choices(['spool', 'drop'])
        .default('spool'),
    )
    .option('--no-ci-tags', "do not put the CI job's git.* and ci.* attributes on the records")
    .option('-q, --quiet', 'print only errors (no summary line)')
    .action(async (command: string[], opts: Record<string, unknown>) => {
      const stderrLevel = normalizeLevel(String(opts.stderrLevel));
      const tags = opts.tag as string[];
      for (const t of tags) {
        if (!/^[^:,\s]+:[^,]*$/.test(t))
          throw new UsageError(`--tag must be k:v, got '${t}'`, { hint: 'e.g. --tag team:ml' });
      }
      if (opts.stack !== undefined && opts.logStore !== undefined) {
        throw new UsageError('--stack and --log-store cannot be used together', { hint: 'give one of them' });
      }
      const flagRunId = opts.runId as string | undefined;
      const runId = flagRunId ?? (f.env.DD_LOGSTORE_RUN_ID || undefined);
      if (runId !== undefined && !RUN_ID_PATTERN.test(runId)) {
        const hint = 'use letters, digits and . _ : -, at most 128 characters';
        // A bad --run-id is a usage error; a bad DD_LOGSTORE_RUN_ID in the environment stops the run before it starts.
        if (flagRunId !== undefined) throw new UsageError(`invalid run id '${runId}'`, { hint });
        throw new RunSetupError(`DD_LOGSTORE_RUN_ID='${runId}' is not a valid run id`, { hint });
      }
      const code = await runF(f, {
        command,
        tags,
        stderrLevel,
        flushTimeoutMs: parseDuration(String(opts.flushTimeout), '--flush-timeout', MAX_WAIT_MS),
        killAfterMs: parseDuration(String(opts.killAfter), '--kill-after', MAX_WAIT_MS),
        quiet: Boolean(opts.quiet),
        onOverflow: opts.onOverflow === 'drop' ? 'drop' : 'spool',
        ciTags: opts.ciTags !== false,
        ...(opts.stack !== undefined ? { stack: String(opts.stack) } : {}),
        ...(opts.logStore !== undefined ? { logStore: String(opts.logStore) } : {}),
        ...(runId !== undefined ? { runId } : {}),
        ...(opts.step !== undefined ? { step: String(opts.step) } : {}),
        ...(opts.pipeline !== undefined ? { pipeline: String(opts.pipeline) } : {}),
      });
      throw new SilentExit(code);
    });
  return withExamples(cmd, [
    'dd-logstore run -- python train.py',
    'dd-logstore run --step train --run-id "$CI_PIPELINE_ID" --tag team:ml -- python train.py --epochs 3',
    'dd-logstore run --log-store datadog_logs --quiet -- ./job.sh',
  ]);
}

function normalizeLevel(raw: string): Level {
  const v = raw.toLowerCase();
  const level = v === 'warning' ? 'warn' : v === 'fatal' ? 'critical' : v;
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`--stderr-level must be one of ${LEVELS.join(', ')}, got '${raw}'`, {
      hint: 'e.g. --stderr-level warn',
    });
  }
  return level as Level;
}
