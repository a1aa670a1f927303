/** Small helpers every command builder uses: examples in --help, the --output flag, warnings. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { OUTPUT_FORMATS } from '../io/output.js';

export function withExamples(cmd: Command, examples: readonly string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

export function addOutputOption(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      '--output <format>',
      `output format: ${OUTPUT_FORMATS.join(', ')} (default: table on a terminal, text when piped)`,
    ),
  );
}

/** Applies `fn` to a command and every subcommand below it. */
export function forEachCommand(cmd: Command, fn: (c: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) forEachCommand(sub, fn);
}
