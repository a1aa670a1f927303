/** `dd-logstore config get KEY`: the value in effect (the variable, else config.json, else the default). */
import { Command } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { effectiveSetting, findSetting } from './settings.js';

export function newCmdConfigGet(f: Factory): Command {
  const cmd = new Command('get')
    .description('print the value of a setting in effect')
    .argument('<key>', 'the setting, e.g. secrets.backend')
    .action(async (key: string) => {
      const spec = findSetting(key);
      const { value, source } = effectiveSetting(spec, await f.configStore().read(), f.env);
      f.io.out(`${value}\n`);
      if (source === 'env') f.io.err(`(from ${spec.env}, which wins over config.json)\n`);
    });
  return withExamples(cmd, ['dd-logstore config get secrets.backend']);
}
