/** `dd-logstore stack ...` */
import { Command } from 'commander';
import { withExamples } from '../../command-kit.js';
import type { Factory } from '../../../app/factory.js';
import { newCmdStackRegister } from './register.js';
import { newCmdStackList } from './list.js';
import { newCmdStackDescribe } from './describe.js';
import { newCmdStackSet } from './set.js';
import { newCmdStackUpdate } from './update.js';
import { newCmdStackDelete } from './delete.js';

export function newCmdStack(f: Factory): Command {
  return withExamples(new Command('stack'), ['dd-logstore stack list', 'dd-logstore stack describe'])
    .description('manage stacks: an artifact store, an orchestrator and a log store used together')
    .addCommand(newCmdStackRegister(f))
    .addCommand(newCmdStackList(f))
    .addCommand(newCmdStackDescribe(f))
    .addCommand(newCmdStackSet(f))
    .addCommand(newCmdStackUpdate(f))
    .addCommand(newCmdStackDelete(f));
}
