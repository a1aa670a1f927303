/**
 * A value option given apart from its value (`--step NAME`) takes the next word whatever it is, as commander does:
 * `run --step --quiet` named the step "--quiet" (and was not quiet), `run --step -- cmd` took the `--`, and
 * `logs --grep --level warn` searched for "--level". The next word taken for a value is refused (exit 2) when it is
 * `--` or one of the command's own flags; a value that starts with a dash is still given as `--step=VALUE`. A value
 * option given twice (commander let the last one win without a word) is refused too, unless it is repeatable.
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

/**
 * Throws a UsageError for the first value option of `action` in `words` that is given twice (not repeatable) or whose
 * value is `--` or a flag of `action`.
 */
export function checkOptionValuesGiven(action: Command, words: readonly string[]): void {
  const flags = new Set(['--debug', '-h', '--help']);
  const valued = new Map<string, string>();
  // Repeatable: `<key...>` options, and those whose parser collects (it takes the value before: `--tag`).
  const repeatable = new Set<string>();
  for (const o of action.options) {
    for (const name of [o.long, o.short]) {
      if (name === undefined) continue;
      flags.add(name);
      if (o.required) valued.set(name, o.long ?? name);
    }
    if (o.variadic || (o.parseArg?.length ?? 0) >= 2) repeatable.add(o.long ?? o.short ?? '');
  }
  const given = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--') return;
    const eq = word.indexOf('=');
    const long = valued.get(eq > 0 && word.startsWith('--') ? word.slice(0, eq) : word);
    if (long === undefined) continue;
    // Given twice, one value silently won (`run --step a --step b`, `-ls a -ls b`): refused, as `--path` is.
    if (!repeatable.has(long) && given.has(long))
      throw new UsageError(`${long} is given twice`, { hint: `give ${long} once` });
    given.add(long);
    if (eq > 0) continue;
    const next = words[i + 1];
    if (next !== undefined && (next === '--' || flags.has(next.split('=', 1)[0] as string)))
      throw new UsageError(`${long} needs a value, and the next word is ${next === '--' ? '--' : `the flag ${next}`}`, {
        hint: `give one, or a value that starts with a dash as ${long}=VALUE`,
      });
    i++;
  }
}
