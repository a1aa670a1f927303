/** `dd-logstore runs ...` */
import { Command } from 'commander';
import type { Factory } from '../../factory.js';
import { newCmdRunsList } from './list.js';
import { newCmdRunsDescribe } from './describe.js';

export function newCmdRuns(f: Factory): Command {
  return new Command('runs')
    .description('list and describe runs')
    .addCommand(newCmdRunsList(f))
    .addCommand(newCmdRunsDescribe(f));
}
