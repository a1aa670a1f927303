/** `dd-logstore secret delete NAME [--yes]` */
import { Command } from 'commander';
import { confirmOrYes } from '../../../io/confirm.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { componentsReferring, secretNotFound } from './shared.js';

export function newCmdSecretDelete(f: Factory): Command {
  const cmd = new Command('delete')
    .description('delete a secret from the keychain')
    .argument('<name>', 'name of the secret')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name: string, opts: { yes?: boolean }) => {
      const config = await f.configStore().read();
      if (!config.secrets[name]) throw secretNotFound(config, name, f.env);
      const users = componentsReferring(config, name);
      const ok = await confirmOrYes(f.io, {
        yes: Boolean(opts.yes),
        message: `Delete secret '${name}'${users.length ? ` (used by ${users.join(', ')})` : ''}?`,
        command: `secret delete ${name}`,
      });
      if (!ok) {
        f.io.err('Nothing deleted.\n');
        return;
      }
      await (await f.secretBackendOf(name)).delete(name);
      await f.configStore().update((c) => {
        delete c.secrets[name];
      });
      f.io.err(`Deleted secret '${name}'.\n`);
      if (users.length)
        f.warn(`still referred to by ${users.join(', ')}; those will fail to resolve until it is created again`);
    });
  return withExamples(cmd, ['dd-logstore secret delete datadog_keys --yes']);
}
