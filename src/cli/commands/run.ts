/**
 * `dd-logstore run [flags] -- COMMAND [ARGS...]`: declares the flags (help, completion, usage errors); what is done
 * with them is run-action.ts, and the work the `run a step` use case in app/run-step.ts. cli/run-fast-path.ts parses
 * the same flags without commander for the common case: a flag added here must be added there too.
 */
import { Command, Option } from 'commander';
import type { Factory } from '../../app/factory.js';
import { runCommand } from '../../app/run-step.js';
import { runAction } from './run-action.js';
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
    // No default (commander would print `(default: [])` in the help): no --tag leaves it undefined.
    .option('--tag <k:v>', 'a tag on every record (repeatable)', (v: string, acc: string[] | undefined) => [
      ...(acc ?? []),
      v,
    ])
    .addOption(new Option('--stderr-level <level>', 'level of stderr lines that do not say their own').default('error'))
    .option('--flush-timeout <duration>', 'how long to wait for delivery after the command ends', '30s')
    .option('--kill-after <duration>', 'after a signal, how long the command may take to exit before SIGKILL', '10s')
    // Checked in run-action.ts (not with commander's .choices) so a bad value gets the same one line as every flag.
    .option('--on-overflow <policy>', 'when the in-memory queue is full: spool (to disk) or drop (counted)', 'spool')
    .option('--no-ci-tags', "do not put the CI job's git.* and ci.* attributes on the records")
    .option('-q, --quiet', 'print only errors (no summary line)')
    .action((command: string[], opts: Record<string, unknown>) => runAction(f, command, opts, runF));
  return withExamples(cmd, [
    'dd-logstore run -- python train.py',
    'dd-logstore run --step train --run-id "$CI_PIPELINE_ID" --tag team:ml -- python train.py --epochs 3',
    'dd-logstore run --log-store datadog_logs --quiet -- ./job.sh',
  ]);
}
