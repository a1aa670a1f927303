/** `dd-logstore stack delete NAME`: not the active one, not the default. */
import { Command } from 'commander';
import { CliError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { DEFAULT_NAME } from '../../../store/model.js';
import { findStack } from './shared.js';

export function newCmdStackDelete(f: Factory): Command {
  const cmd = new Command('delete')
    .description('delete a stack (its components stay registered)')
    .argument('<name>', 'name of the stack')
    // Nothing to confirm (the stack's components stay, and it is registered again in one command): taken, as
    // ZenML's `stack delete -y` is, so that a script passing --yes to every delete works.
    .option('-y, --yes', 'accepted for scripts; stack delete does not ask')
    .action(async (name: string) => {
      await f.configStore().update((config) => {
        findStack(config, name);
        if (name === DEFAULT_NAME)
          throw new CliError("the 'default' stack cannot be deleted", { hint: 'it is the fallback of every command' });
        if (config.activeStack === name) {
          throw new CliError(`stack '${name}' is the active stack`, {
            hint: 'switch first: dd-logstore stack set default',
          });
        }
        delete config.stacks[name];
      });
      f.io.err(`Deleted stack '${name}'.\n`);
    });
  return withExamples(cmd, ['dd-logstore stack delete old_stack']);
}
