/** `dd-logstore config unset KEY`: back to the default. */
import { Command } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { findSetting } from './settings.js';

export function newCmdConfigUnset(f: Factory): Command {
  const cmd = new Command('unset')
    .description('remove a home-wide default (the built-in default applies again)')
    .argument('<key>', 'the setting, e.g. secrets.backend')
    .action(async (key: string) => {
      const spec = findSetting(key);
      await f.configStore().update((config) => {
        if (config.settings) delete config.settings[spec.key];
      });
      f.io.err(`Unset ${spec.key} (default: ${spec.default}).\n`);
    });
  return withExamples(cmd, ['dd-logstore config unset secrets.backend']);
}
