/** `dd-logstore secret ...` */
import { Command } from 'commander';
import { withExamples } from '../../command-kit.js';
import type { Factory } from '../../../app/factory.js';
import { newCmdSecretCreate } from './create.js';
import { newCmdSecretList } from './list.js';
import { newCmdSecretGet } from './get.js';
import { newCmdSecretUpdate } from './update.js';
import { newCmdSecretDelete } from './delete.js';

export function newCmdSecret(f: Factory): Command {
  return withExamples(new Command('secret'), ['dd-logstore secret create datadog_keys -i', 'dd-logstore secret list'])
    .description('manage secrets kept in the OS keychain; refer to them as {{name.key}} in config')
    .addCommand(newCmdSecretCreate(f))
    .addCommand(newCmdSecretList(f))
    .addCommand(newCmdSecretGet(f))
    .addCommand(newCmdSecretUpdate(f))
    .addCommand(newCmdSecretDelete(f));
}
