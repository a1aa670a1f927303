/**
 * The command tree and the one place that turns an error into a line on stderr and an exit code (gh's ghcmd.Main).
 */
import { escapeControlChars } from '../core/control-chars.js';
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../version.js';
import { forEachCommand, withExamples } from './command-kit.js';
import { EXIT_OK, EXIT_USAGE, outputCutShort, UsageError } from '../core/errors.js';
import { reportCommandError } from './report-error.js';
import type { Factory } from '../app/factory.js';
import { createSystemFactory } from '../app/factory.js';
import { helpAsFlag, normalizeArgv } from './argv-normalize.js';
import { didYouMean } from '../store/did-you-mean.js';
import { envSecretBackendKind } from '../secrets/backend-kind.js';
import { checkOptionValuesGiven, commandInvoked } from './option-values.js';
import { componentNoun } from '../store/model.js';
import { plural } from '../io/plural.js';

interface CommandEntry {
  name: string;
  description: string;
  /** Imported only when this command is the one invoked: `dd-logstore run -- true` must start fast. */
  load: (f: Factory) => Promise<Command>;
}

const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'secret',
    description: 'manage secrets kept in the OS keychain; refer to them as {{name.key}} in config',
    load: async (f) => (await import('./commands/secret/group.js')).newCmdSecret(f),
  },
  ...(['log-store', 'artifact-store', 'orchestrator'] as const).map((type): CommandEntry => ({
    name: type,
    description:
      type === 'log-store'
        ? 'manage log stores: where run output is shipped (local, datadog, otel)'
        : `manage ${componentNoun(type)}s`,
    load: async (f) => {
      const { newCmdComponentGroup } = await import('./commands/component/group.js');
      const extra = type === 'log-store' ? [(await import('./commands/component/verify.js')).newCmdVerify(f)] : [];
      return newCmdComponentGroup(f, type, extra);
    },
  })),
  {
    name: 'register',
    description: 'register a log store (alias of log-store register)',
    load: async (f) => (await import('./commands/component/group.js')).newCmdRegisterAlias(f),
  },
  {
    name: 'stack',
    description: 'manage stacks: an artifact store, an orchestrator and a log store used together',
    load: async (f) => (await import('./commands/stack/group.js')).newCmdStack(f),
  },
  {
    name: 'run',
    description: 'run a command, show its output live and ship every line to the log store',
    load: async (f) => (await import('./commands/run.js')).newCmdRun(f),
  },
  {
    name: 'runs',
    description: 'list, describe and delete runs',
    load: async (f) => (await import('./commands/runs/group.js')).newCmdRuns(f),
  },
  {
    name: 'flush',
    description: 'resend the records waiting in the spool',
    load: async (f) => (await import('./commands/flush.js')).newCmdFlush(f),
  },
  {
    name: 'logs',
    description: "read a run's logs back from its log store, in order",
    load: async (f) => (await import('./commands/logs/logs.js')).newCmdLogs(f),
  },
  {
    name: 'ui',
    description: 'show the runs and their logs in a browser',
    load: async (f) => (await import('./commands/ui.js')).newCmdUi(f),
  },
  {
    name: 'config',
    description: 'get and set home-wide defaults, e.g. secrets.backend',
    load: async (f) => (await import('./commands/config/group.js')).newCmdConfig(f),
  },
  {
    name: 'completion',
    description: 'print a shell completion script',
    load: async (f) => (await import('./commands/completion.js')).newCmdCompletion(f, () => buildProgram(f)),
  },
];

/**
 * The program with `only` loaded for real and every other command as a name and description (enough for the root
 * help and did-you-mean); with no `only`, every command is loaded (completion needs the whole tree).
 */
export async function buildProgram(f: Factory, only?: string): Promise<Command> {
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
  const all = only === undefined;
  for (const entry of COMMANDS) {
    const cmd = all || entry.name === only ? await entry.load(f) : new Command(entry.name);
    program.addCommand(cmd.description(entry.description));
  }

  program.hook('preAction', (_root, action) => {
    f.debug = Boolean(action.optsWithGlobals().debug);
    // A bad DD_LOGSTORE_SECRETS_BACKEND is refused by every command alike (exit 2), not only by those that read a
    // secret: `secret list` under a typo must not look fine.
    envSecretBackendKind(f.env);
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

/**
 * runCli with this process's own streams and env. The run bundle (dist/bundle/run.cjs) falls back to it: the factory
 * is made here, from this bundle's modules, so the errors its stores throw are the classes this bundle checks for.
 */
export async function runSystemCli(argv: readonly string[]): Promise<number> {
  return runCli(argv, createSystemFactory());
}

export async function runCli(argv: readonly string[], f: Factory): Promise<number> {
  const words = normalizeArgv(helpAsFlag(argv));
  try {
    const program = await buildProgram(f, firstCommand(words));
    if (argv[0] === 'help') checkHelpTopic(program, argv.slice(1));
    checkOptionValuesGiven(commandInvoked(program, words), words);
    await program.parseAsync(words, { from: 'user' });
    return await outputWritten(f, argv);
  } catch (err) {
    return reportError(err, f, argv);
  }
}

/** Output cut short is an error (`outputCutShort`). One turn first: a stream reports a failed write on the next tick. */
async function outputWritten(f: Factory, argv: readonly string[]): Promise<number> {
  f.io.flushOut();
  await new Promise((resolve) => setImmediate(resolve));
  const failure = f.io.outputFailure;
  if (failure === undefined) return EXIT_OK;
  return reportCommandError(outputCutShort(failure), f, argv);
}

function reportError(err: unknown, f: Factory, argv: readonly string[]): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return EXIT_OK;
    }
    if (err.code === 'commander.executeSubCommandAsync') return err.exitCode;
    // "error: unknown option '--x'\n(Did you mean --y?)" -> one line, usage exit code.
    const ownPath = excessPath(argv, err) ?? commandPath(argv);
    const { text, fix } = houseWording(
      err.message
        .replace(/^error:\s*/, '')
        .replace(/\n\(?(Did you mean[^)]*)\)?/i, ' ($1)')
        .replace(/\s*\n\s*/g, ' '),
      err.code,
      ownPath,
    );
    // For an unknown command, the help to see is its parent's (`secret bogus x` -> `secret --help`).
    const unknown =
      err.code === 'commander.unknownCommand' ? /unknown command '([^']*)'/.exec(err.message)?.[1] : undefined;
    const path = unknown !== undefined ? wordsBefore(argv, unknown) : ownPath;
    const elsewhere = unknown !== undefined ? ELSEWHERE[`${path}${unknown}`] : undefined;
    const first =
      elsewhere !== undefined ? `did you mean dd-logstore ${elsewhere}? ` : fix !== undefined ? `${fix}; ` : '';
    const hint = /\(did you mean/i.test(text) ? '' : ` (${first}see 'dd-logstore ${path}--help')`;
    // Commander quotes the argument it refused: its control characters are shown, not obeyed.
    f.io.err(`error: ${escapeControlChars(text.replace(/\(Did you mean/, '(did you mean'))}${hint}\n`);
    return EXIT_USAGE;
  }
  return reportCommandError(err, f, argv);
}

/**
 * Words users bring from other CLIs (zenml, kubectl, gh) that name a command found elsewhere here: too far from it for
 * commander's did-you-mean (`secret describe` is `secret get`; `verify` is a `log-store` verb).
 */
const ELSEWHERE: Readonly<Record<string, string>> = {
  'secret describe': 'secret get',
  'secret show': 'secret get',
  verify: 'log-store verify',
  tail: 'logs tail',
  prune: 'runs prune',
  describe: 'runs describe',
};

/**
 * Commander's own wording of two usage errors, in the one-line style of the others: "too many arguments for
 * 'describe'. Expected 1 argument but got 2." and "option '--step <name>' argument missing".
 */
function houseWording(text: string, code: string, path: string): { text: string; fix?: string } {
  if (code === 'commander.excessArguments') {
    const m = /Expected (\d+) arguments? but got (\d+)/.exec(text);
    if (m) {
      const takes = m[1] === '0' ? 'no arguments' : plural(Number(m[1]), 'argument');
      return {
        text: `${path.trim() || 'dd-logstore'} takes ${takes}, got ${m[2]!}`,
        ...(m[1] !== '0' ? { fix: 'quote a value that has spaces' } : {}),
      };
    }
  }
  if (code === 'commander.optionMissingArgument') {
    const m = /option '(?:-\w+, )?(--?[\w-]+) (<[^>]+>)' argument missing/.exec(text);
    // `<key...>` (a repeatable flag) is one value per flag: `e.g. --remove-key <key>`.
    if (m) return { text: `${m[1]!} needs a value`, fix: `e.g. ${m[1]!} ${m[2]!.replace('...', '')}` };
  }
  return { text };
}

/** The command word: the first argument that is not a global flag. */
function firstCommand(argv: readonly string[]): string {
  return argv.find((a) => !a.startsWith('-')) ?? '';
}

function commandPath(argv: readonly string[]): string {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-') || words.length >= 2) break;
    words.push(a);
  }
  return words.length ? `${words.join(' ')} ` : '';
}

/**
 * `log-store flavor list x` -> `log-store flavor list `: the command words through the one given too many arguments
 * (commander names it), which may be the third.
 */
function excessPath(argv: readonly string[], err: CommanderError): string | undefined {
  const name = err.code === 'commander.excessArguments' ? /arguments for '([^']*)'/.exec(err.message)?.[1] : undefined;
  if (name === undefined) return undefined;
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) continue;
    words.push(a);
    if (a === name) return `${words.join(' ')} `;
  }
  return undefined;
}

/** `secret bogus x` -> `secret `: the command words before the unknown one. */
function wordsBefore(argv: readonly string[], unknown: string): string {
  const words: string[] = [];
  for (const a of argv) {
    if (a === unknown) break;
    if (!a.startsWith('-')) words.push(a);
  }
  return words.length ? `${words.join(' ')} ` : '';
}

/**
 * `dd-logstore help nosuch` (or `help secret nosuch`) is an unknown command, exit 2, as `dd-logstore nosuch` is:
 * commander would print the parent's help and exit 0.
 */
function checkHelpTopic(program: Command, topic: readonly string[]): void {
  let cmd = program;
  const path: string[] = [];
  for (const word of topic) {
    if (word.startsWith('-')) break;
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) {
      const guess = didYouMean(
        word,
        cmd.commands.map((c) => c.name()),
      );
      const where = path.length ? `${path.join(' ')} ` : '';
      throw new UsageError(`unknown command '${word}'`, {
        hint: guess ? `did you mean ${guess}?` : `see 'dd-logstore ${where}--help'`,
      });
    }
    path.push(word);
    cmd = sub;
  }
}
