/** `dd-logstore config list`: every setting, its value in effect and where that comes from. */
import { Command } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { addOutputOption, withExamples } from '../../command-kit.js';
import { parseOutputFormat, printList } from '../../../io/output.js';
import { SETTINGS, effectiveSetting } from './settings.js';

export function newCmdConfigList(f: Factory): Command {
  const cmd = new Command('list')
    .description('list the settings, their values and where each comes from (env, config, default)')
    .action(async (opts: { output?: string }) => {
      const format = parseOutputFormat(opts.output, f.io);
      const config = await f.configStore().read();
      const rows = SETTINGS.map((spec) => ({ spec, ...effectiveSetting(spec, config, f.env) }));
      await printList(
        f.io,
        format,
        rows,
        [
          { header: 'KEY', value: (r) => r.spec.key },
          { header: 'VALUE', value: (r) => r.value },
          { header: 'SOURCE', value: (r) => (r.source === 'env' ? r.spec.env : r.source) },
          { header: 'VALUES', value: (r) => r.spec.choices.join(',') },
        ],
        (r) => ({ key: r.spec.key, value: r.value, source: r.source, choices: r.spec.choices }),
      );
    });
  addOutputOption(cmd);
  return withExamples(cmd, ['dd-logstore config list']);
}
