/** How an error that is not commander's own becomes a line on stderr and an exit code (program.ts, run's fast path). */
import { escapeControlChars } from '../core/control-chars.js';
import { CliError, SilentExit, exitCodeOf, formatCauseChain, formatErrorLine } from '../core/errors.js';
import type { Factory } from '../app/factory.js';

export function reportCommandError(err: unknown, f: Factory, argv: readonly string[]): number {
  if (err instanceof SilentExit) return err.exitCode;
  f.io.err(formatErrorLine(err) + '\n');
  if (f.debug || argv.includes('--debug'))
    for (const line of formatCauseChain(err)) f.io.err(escapeControlChars(line) + '\n');
  return err instanceof CliError ? err.exitCode : exitCodeOf(err);
}
