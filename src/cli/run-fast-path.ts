/**
 * `dd-logstore run [flags] -- COMMAND` without commander: loading it and building the program is ~17M instructions,
 * 6 % of a short run's start-up over `node -e 0` (docs/performance.md). The common forms of run's flags are parsed
 * here into the same options object commander builds (commands/run.ts declares them); anything else (help, an
 * unknown or malformed flag, a value that looks like a flag, a missing command) goes to commander, so its messages
 * and exit codes stay the only ones.
 */
import type { Factory } from '../app/factory.js';
import { EXIT_OK } from '../core/errors.js';
import { envSecretBackendKind } from '../secrets/backend-kind.js';
import { normalizeArgv } from './argv-normalize.js';
import { reportCommandError } from './report-error.js';

/** run's flags that take a value, by their name in commander's options object. */
const VALUE_FLAGS: Readonly<Record<string, string>> = {
  '--stack': 'stack',
  '--log-store': 'logStore',
  '--run-id': 'runId',
  '--step': 'step',
  '--pipeline': 'pipeline',
  '--tag': 'tag',
  '--stderr-level': 'stderrLevel',
  '--flush-timeout': 'flushTimeout',
  '--kill-after': 'killAfter',
  '--on-overflow': 'onOverflow',
};
export const ON_OVERFLOW_CHOICES = ['spool', 'drop'] as const;

export interface ParsedRun {
  debug: boolean;
  command: string[];
  /** As commander's `cmd.opts()` for run (defaults included). */
  opts: Record<string, unknown>;
}

/** argv (after normalizeArgv) of a plain `run`, or undefined for anything commander must see. */
export function parseRunWords(words: readonly string[]): ParsedRun | undefined {
  let i = 0;
  let debug = false;
  while (words[i] === '--debug') {
    debug = true;
    i++;
  }
  if (words[i] !== 'run') return undefined;
  const opts: Record<string, unknown> = {
    stderrLevel: 'error',
    flushTimeout: '30s',
    killAfter: '10s',
    onOverflow: 'spool',
    ciTags: true,
  };
  const given = new Set<string>();
  for (i++; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') {
      const command = words.slice(i + 1);
      return command.length > 0 ? { debug, command, opts } : undefined;
    }
    if (word === '-q' || word === '--quiet') opts.quiet = true;
    else if (word === '--no-ci-tags') opts.ciTags = false;
    else {
      const eq = word.indexOf('=');
      const flag = eq === -1 ? word : word.slice(0, eq);
      const key = VALUE_FLAGS[flag];
      if (key === undefined) return undefined;
      const value = eq === -1 ? words[++i] : word.slice(eq + 1);
      // Commander takes the next word as the value whatever it is; such a value is rare enough to leave to it.
      if (value === undefined || (eq === -1 && value.startsWith('-'))) return undefined;
      // A flag given twice is commander's to refuse (cli/option-values.ts).
      if (key !== 'tag' && given.has(key)) return undefined;
      given.add(key);
      if (key === 'tag') opts.tag = [...((opts.tag as string[] | undefined) ?? []), value];
      else if (key === 'onOverflow' && !(ON_OVERFLOW_CHOICES as readonly string[]).includes(value)) return undefined;
      else opts[key] = value;
    }
  }
  // No `--`: no command (normalizeArgv puts one before the first word that is not a flag).
  return undefined;
}

/** The exit code of a plain `run`, or undefined when argv is for commander (program.ts runCli). */
export async function runFastPath(argv: readonly string[], factory: () => Factory): Promise<number | undefined> {
  const parsed = parseRunWords(normalizeArgv(argv));
  if (parsed === undefined) return undefined;
  const f = factory();
  try {
    // What the program's preAction hook does before any command.
    f.debug = parsed.debug;
    envSecretBackendKind(f.env);
    const { runAction } = await import('./commands/run-action.js');
    await runAction(f, parsed.command, parsed.opts);
    return EXIT_OK;
  } catch (err) {
    return reportCommandError(err, f, argv);
  }
}
