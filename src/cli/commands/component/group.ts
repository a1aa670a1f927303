/** `dd-logstore log-store|artifact-store|orchestrator ...`: the same verbs for every component type. */
import { Command } from 'commander';
import { withExamples } from '../../command-kit.js';
import type { Factory } from '../../../app/factory.js';
import type { ComponentType } from '../../../store/model.js';
import { newCmdRegister } from './register.js';
import { newCmdList } from './list.js';
import { newCmdDescribe } from './describe.js';
import { newCmdUpdate } from './update.js';
import { newCmdRename } from './rename.js';
import { newCmdDelete } from './delete.js';
import { newCmdFlavor } from './flavor-list.js';

export { newCmdRegisterAlias } from './register.js';

const DESCRIPTIONS: Record<ComponentType, string> = {
  'log-store': 'manage log stores: where run output is shipped (local, datadog, otel)',
  'artifact-store': 'manage artifact stores',
  orchestrator: 'manage orchestrators',
};

export function newCmdComponentGroup(f: Factory, type: ComponentType, extra: Command[] = []): Command {
  const group = withExamples(new Command(type).description(DESCRIPTIONS[type]), [
    `dd-logstore ${type} list`,
    `dd-logstore ${type} flavor list`,
  ]);
  group.addCommand(newCmdRegister(f, type));
  group.addCommand(newCmdList(f, type));
  group.addCommand(newCmdDescribe(f, type));
  group.addCommand(newCmdUpdate(f, type));
  group.addCommand(newCmdRename(f, type));
  group.addCommand(newCmdDelete(f, type));
  group.addCommand(newCmdFlavor(f, type));
  for (const cmd of extra) group.addCommand(cmd);
  return group;
}
