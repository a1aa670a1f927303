/**
 * The command tree and the one place that turns an error into a line on stderr and an exit code (gh's ghcmd.Main).
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../version.js';
import { forEachCommand, withExamples } from './command-kit.js';
import { CliError, EXIT_OK, EXIT_USAGE, SilentExit, exitCodeOf, formatCauseChain, formatErrorLine } from './errors.js';
import type { Factory } from './factory.js';
import { newCmdComponentGroup, newCmdRegisterAlias } from './commands/component/group.js';
import { newCmdVerify } from './commands/component/verify.js';
import { newCmdStack } from './commands/stack/group.js';
import { newCmdSecret } from './commands/secret/group.js';
import { newCmdCompletion } from './commands/completion.js';
import { newCmdRuns } from './commands/runs/group.js';
import { newCmdLogs } from './commands/logs/logs.js';
import { RUN_VALUE_FLAGS, newCmdRun } from './run.js';

export function buildProgram(f: Factory): Command {
  const program = new Command('dd-logstore')
    .description(
      'Run any command, keep its output live, and ship every line with run and step metadata to Datadog, an OTLP ' +
        'endpoint or a local store; read it back by run id. ZenML-style secrets, log stores and stacks.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--debug', 'print the cause chain of errors')
    .helpOption('-h, --help', 'show help for a command')
    .addHelpCommand(false)
    .showSuggestionAfterError(true);
  withExamples(program, [
    'dd-logstore secret create datadog_keys --api_key=... --application_key=...',
    "dd-logstore log-store register datadog_logs --flavor=datadog --api_key='{{datadog_keys.api_key}}' --application_key='{{datadog_keys.application_key}}'",
    'dd-logstore stack register my_stack -a default -o default -ls datadog_logs --set',
    'dd-logstore run --step train -- python train.py',
    'dd-logstore logs --last',
  ]);
  program.addCommand(newCmdSecret(f));
  for (const type of ['log-store', 'artifact-store', 'orchestrator'] as const)
    program.addCommand(newCmdComponentGroup(f, type, type === 'log-store' ? [newCmdVerify(f)] : []));
  program.addCommand(newCmdRegisterAlias(f));
  program.addCommand(newCmdStack(f));
  program.addCommand(newCmdRun(f));
  program.addCommand(newCmdRuns(f));
  program.addCommand(newCmdLogs(f));
  program.addCommand(newCmdCompletion(f, () => program));

  program.hook('preAction', (_root, action) => {
    f.debug = Boolean(action.optsWithGlobals().debug);
  });
  forEachCommand(program, (cmd) => {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => f.io.out(s),
      writeErr: (s) => f.io.err(s),
      // Commander's own usage errors are collected and printed by runCli as one line.
      outputError: () => undefined,
    });
  });
  return program;
}

export async function runCli(argv: readonly string[], f: Factory): Promise<number> {
  const program = buildProgram(f);
  try {
    await program.parseAsync(normalizeArgv(argv), { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    return reportError(err, f, argv);
  }
}

function reportError(err: unknown, f: Factory, argv: readonly string[]): number {
  if (err instanceof SilentExit) return err.exitCode;
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return EXIT_OK;
    }
    if (err.code === 'commander.executeSubCommandAsync') return err.exitCode;
    // "error: unknown option '--x'\n(Did you mean --y?)" -> one line, usage exit code.
    const text = err.message
      .replace(/^error:\s*/, '')
      .replace(/\n\(?(Did you mean[^)]*)\)?/i, ' ($1)')
      .replace(/\s*\n\s*/g, ' ');
    const hint = /\(did you mean/i.test(text) ? '' : ` (see 'dd-logstore ${commandPath(argv)}--help')`;
    f.io.err(`error: ${text.replace(/\(Did you mean/, '(did you mean')}${hint}\n`);
    return EXIT_USAGE;
  }
  f.io.err(formatErrorLine(err) + '\n');
  if (f.debug || argv.includes('--debug')) for (const line of formatCauseChain(err)) f.io.err(line + '\n');
  return err instanceof CliError ? err.exitCode : exitCodeOf(err);
}

function commandPath(argv: readonly string[]): string {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-') || words.length >= 2) break;
    words.push(a);
  }
  return words.length ? `${words.join(' ')} ` : '';
}

/** ZenML's `-ls` for the log store is two letters, which commander cannot declare: map it before parsing. */
function normalizeArgv(argv: readonly string[]): string[] {
  argv = insertRunSeparator(argv);
  const end = argv.indexOf('--');
  return argv.map((a, i) => {
    if (end !== -1 && i > end) return a;
    if (a === '-ls') return '--log-store';
    if (a.startsWith('-ls=')) return `--log-store=${a.slice(4)}`;
    return a;
  });
}

/**
 * `dd-logstore run python -u x.py` without `--`: everything from the first word that is not one of run's own flags
 * belongs to the child, so its flags are never taken for ours.
 */
function insertRunSeparator(argv: readonly string[]): readonly string[] {
  let i = 0;
  while (i < argv.length && argv[i] === '--debug') i++;
  if (argv[i] !== 'run') return argv;
  for (i++; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return argv;
    if (!a.startsWith('-')) return [...argv.slice(0, i), '--', ...argv.slice(i)];
    if (RUN_VALUE_FLAGS.includes(a)) i++;
  }
  return argv;
}
