/** `dd-logstore stack update NAME [-a A] [-o O] [-ls L]` */
import { Command } from 'commander';
import { UsageError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { COMPONENT_TYPES } from '../../../store/model.js';
import { addComponentOptions, checkComponentsExist, componentOptions, findStack } from './shared.js';

export function newCmdStackUpdate(f: Factory): Command {
  const cmd = new Command('update').description("change a stack's components").argument('<name>', 'name of the stack');
  addComponentOptions(cmd).action(
    async (name: string, opts: { artifactStore?: string; orchestrator?: string; logStore?: string }) => {
      const chosen = componentOptions(opts);
      if (Object.keys(chosen).length === 0) {
        throw new UsageError(`nothing to update for stack '${name}'`, { hint: 'give -a, -o or -ls' });
      }
      await f.configStore().update((config) => {
        // The command line first, as register checks it: `-ls nosuch` is the same usage error (exit 2) whether the
        // stack exists or not (it was "no stack named" exit 1 after a register refused for that very -ls).
        checkComponentsExist(config, chosen);
        const stack = findStack(config, name);
        for (const type of COMPONENT_TYPES) {
          const value = chosen[type];
          if (value !== undefined) stack.components[type] = value;
        }
        stack.updatedAt = f.now().toISOString();
      });
      f.io.err(`Updated stack '${name}'.\n`);
    },
  );
  return withExamples(cmd, ['dd-logstore stack update my_stack -ls datadog_logs']);
}
