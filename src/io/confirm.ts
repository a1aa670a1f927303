/**
 * The one confirmation for destructive commands (`secret delete`, `runs delete`, `runs prune`): a yes/no prompt on a
 * terminal, `--yes` everywhere else. Never prompts when stdin is not a TTY or CI is set: it fails and names the flag.
 */
import { UsageError } from '../core/errors.js';
import type { IOStreams } from './iostreams.js';

export interface ConfirmOptions {
  /** --yes was given. */
  yes: boolean;
  /** The question, e.g. `Delete secret 'x'?`. */
  message: string;
  /** The command as typed, for the error: `secret delete x`. */
  command: string;
}

/** True to go ahead; false when the user said no (the caller says that nothing was done). */
export async function confirmOrYes(io: IOStreams, opts: ConfirmOptions): Promise<boolean> {
  if (opts.yes) return true;
  if (!io.canPrompt)
    throw new UsageError(`${opts.command} needs --yes when not on a terminal`, {
      hint: `dd-logstore ${opts.command} --yes`,
    });
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: opts.message, default: false });
}
