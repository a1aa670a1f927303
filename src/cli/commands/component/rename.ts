/** `dd-logstore <type> rename OLD NEW`: stacks that use it follow the new name. */
import { Command } from 'commander';
import { UsageError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import type { ComponentType } from '../../../store/model.js';
import { findComponent } from '../../../store/find-component.js';
import { checkName } from './shared.js';
import { aComponent, componentNoun } from '../../../store/model.js';

export function newCmdRename(f: Factory, type: ComponentType, runF = renameComponent): Command {
  const cmd = new Command('rename')
    .description(`rename ${aComponent(type)} (stacks that use it are updated)`)
    .argument('<old>', 'current name')
    .argument('<new>', 'new name')
    .action(async (from: string, to: string) => runF(f, type, from, to));
  return withExamples(cmd, [`dd-logstore ${type} rename my_store my_store_eu`]);
}

export async function renameComponent(f: Factory, type: ComponentType, from: string, to: string): Promise<void> {
  checkName(type, to);
  let unchanged = false;
  await f.configStore().update((config) => {
    const component = findComponent(config, type, from);
    if (from === to) {
      unchanged = true;
      return;
    }
    if (config.components[type][to]) {
      throw new UsageError(`${aComponent(type)} named '${to}' already exists`, { hint: 'pick another name' });
    }
    delete config.components[type][from];
    component.name = to;
    component.updatedAt = f.now().toISOString();
    config.components[type][to] = component;
    for (const stack of Object.values(config.stacks)) if (stack.components[type] === from) stack.components[type] = to;
  });
  // Said as it is: "Renamed 'dd' to 'dd'" reported a change that did not happen.
  if (unchanged) f.io.err(`Nothing to change: ${componentNoun(type)} '${from}' already has that name.\n`);
  else f.io.err(`Renamed ${componentNoun(type)} '${from}' to '${to}'.\n`);
}
