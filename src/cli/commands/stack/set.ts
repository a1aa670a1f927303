/** `dd-logstore stack set NAME` */
import { Command } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { findStack } from './shared.js';

export function newCmdStackSet(f: Factory): Command {
  const cmd = new Command('set')
    .description('make a stack the active one')
    .argument('<name>', 'name of the stack')
    .action(async (name: string) => {
      await f.configStore().update((config) => {
        findStack(config, name);
        config.activeStack = name;
      });
      f.io.err(`Active stack is now '${name}'.\n`);
      if (f.env.DD_LOGSTORE_STACK && f.env.DD_LOGSTORE_STACK !== name) {
        f.warn(`DD_LOGSTORE_STACK=${f.env.DD_LOGSTORE_STACK} is set in this shell and wins over the active stack`);
      }
    });
  return withExamples(cmd, ['dd-logstore stack set my_stack']);
}
