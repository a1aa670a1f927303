/**
 * A value option given apart from its value (`--step NAME`) takes the next word whatever it is, as commander does:
 * `run --step --quiet` named the step "--quiet" (and was not quiet), `run --step -- cmd` took the `--`, and
 * `logs --grep --level warn` searched for "--level". The next word taken for a value is refused (exit 2) when it is
 * `--` or one of the command's own flags; a value that starts with a dash is still given as `--step=VALUE`.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';

/**
 * The command `words` invoke: the subcommands named by its words before `--` (before commander parses, whose own
 * errors, such as the excess argument the next word leaves, would otherwise come first).
 */
export function commandInvoked(program: Command, words: readonly string[]): Command {
  let cmd = program;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--') break;
    if (word.startsWith('-')) {
      // A value option's own word is its value, not a subcommand (`logs --step tail` is a step named tail).
      if (cmd.options.some((o) => o.required && (o.long === word || o.short === word))) i++;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) break;
    cmd = sub;
  }
  return cmd;
}

/** Throws a UsageError for the first value option of `action` in `words` whose value is `--` or a flag of `action`. */
export function checkOptionValuesGiven(action: Command, words: readonly string[]): void {
  const flags = new Set(['--debug', '-h', '--help']);
  const valued = new Map<string, string>();
  for (const o of action.options) {
    for (const name of [o.long, o.short]) {
      if (name === undefined) continue;
      flags.add(name);
      if (o.required) valued.set(name, o.long ?? name);
    }
  }
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--') return;
    const long = valued.get(word);
    if (long === undefined) continue;
    const next = words[i + 1];
    if (next !== undefined && (next === '--' || flags.has(next.split('=', 1)[0] as string)))
      throw new UsageError(`${long} needs a value, and the next word is ${next === '--' ? '--' : `the flag ${next}`}`, {
        hint: `give one, or a value that starts with a dash as ${long}=VALUE`,
      });
    i++;
  }
}
