/** `dd-logstore secret ...` */
import { Command } from 'commander';
import type { Factory } from '../../factory.js';
import { newCmdSecretCreate } from './create.js';
import { newCmdSecretList } from './list.js';
import { newCmdSecretGet } from './get.js';
import { newCmdSecretUpdate } from './update.js';
import { newCmdSecretDelete } from './delete.js';

export function newCmdSecret(f: Factory): Command {
  return new Command('secret')
    .description('manage secrets kept in the OS keychain; refer to them as {{name.key}} in config')
    .addCommand(newCmdSecretCreate(f))
    .addCommand(newCmdSecretList(f))
    .addCommand(newCmdSecretGet(f))
    .addCommand(newCmdSecretUpdate(f))
    .addCommand(newCmdSecretDelete(f));
}
