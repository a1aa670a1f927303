/** `dd-logstore config set KEY VALUE`: a home-wide default, kept in config.json. */
import { Command } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { findSetting } from './settings.js';

export function newCmdConfigSet(f: Factory): Command {
  const cmd = new Command('set')
    .description('set a home-wide default')
    .argument('<key>', 'the setting, e.g. secrets.backend')
    .argument('<value>', 'its value')
    .action(async (key: string, raw: string) => {
      const spec = findSetting(key);
      const value = spec.parse(raw);
      await f.configStore().update((config) => {
        config.settings = { ...config.settings, [spec.key]: value };
      });
      f.io.err(`Set ${spec.key} to ${value}.\n`);
      const env = f.env[spec.env];
      if (env !== undefined && env.trim() !== '' && spec.parse(env) !== value)
        f.warn(`${spec.env}=${env} is set in this shell and wins over ${spec.key}`);
    });
  return withExamples(cmd, ['dd-logstore config set secrets.backend file']);
}
