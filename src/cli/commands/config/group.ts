/** `dd-logstore config ...`: home-wide defaults (git config / gh config style). */
import { Command } from 'commander';
import { withExamples } from '../../command-kit.js';
import type { Factory } from '../../../app/factory.js';
import { newCmdConfigGet } from './get.js';
import { newCmdConfigSet } from './set.js';
import { newCmdConfigUnset } from './unset.js';
import { newCmdConfigList } from './list.js';

export function newCmdConfig(f: Factory): Command {
  return withExamples(new Command('config'), ['dd-logstore config set secrets.backend file', 'dd-logstore config list'])
    .description('get and set home-wide defaults, e.g. secrets.backend')
    .addCommand(newCmdConfigGet(f))
    .addCommand(newCmdConfigSet(f))
    .addCommand(newCmdConfigUnset(f))
    .addCommand(newCmdConfigList(f));
}
