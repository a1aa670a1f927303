/** `dd-logstore runs ...` */
import { Command } from 'commander';
import { withExamples } from '../../command-kit.js';
import type { Factory } from '../../../app/factory.js';
import { newCmdRunsList } from './list.js';
import { newCmdRunsDescribe } from './describe.js';
import { newCmdRunsDelete } from './delete.js';
import { newCmdRunsPrune } from './prune.js';

export function newCmdRuns(f: Factory): Command {
  return withExamples(new Command('runs'), ['dd-logstore runs list', 'dd-logstore runs describe RUN_ID'])
    .description('list, describe and delete runs')
    .addCommand(newCmdRunsList(f))
    .addCommand(newCmdRunsDescribe(f))
    .addCommand(newCmdRunsDelete(f))
    .addCommand(newCmdRunsPrune(f));
}
