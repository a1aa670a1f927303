/** `dd-logstore <type> delete NAME`: refused while a stack uses it. */
import { Command } from 'commander';
import { CliError } from '../../errors.js';
import type { Factory } from '../../factory.js';
import { withExamples } from '../../command-kit.js';
import type { ComponentType } from '../../../store/model.js';
import { findComponent, stacksUsing } from './shared.js';

export function newCmdDelete(f: Factory, type: ComponentType, runF = deleteComponent): Command {
  const cmd = new Command('delete')
    .description(`delete a ${type} that no stack uses`)
    .argument('<name>', `name of the ${type}`)
    .action(async (name: string) => runF(f, type, name));
  return withExamples(cmd, [`dd-logstore ${type} delete old_store`]);
}

export async function deleteComponent(f: Factory, type: ComponentType, name: string): Promise<void> {
  await f.configStore().update((config) => {
    findComponent(config, type, name);
    const users = stacksUsing(config, type, name);
    if (users.length) {
      throw new CliError(
        `${type} '${name}' is used by stack${users.length > 1 ? 's' : ''} ${users.map((s) => `'${s}'`).join(', ')}`,
        {
          hint: `point the stack elsewhere first: dd-logstore stack update ${users[0]} ${flagFor(type)} OTHER, or delete the stack`,
        },
      );
    }
    delete config.components[type][name];
  });
  f.io.err(`Deleted ${type} '${name}'.\n`);
}

function flagFor(type: ComponentType): string {
  return type === 'log-store' ? '-ls' : type === 'orchestrator' ? '-o' : '-a';
}
