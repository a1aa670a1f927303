/** `dd-logstore <type> list` */
import { Command } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { addOutputOption, withExamples } from '../../command-kit.js';
import { parseOutputFormat, printList } from '../../../io/output.js';
import type { OutputFormat } from '../../../io/output.js';
import type { ComponentType } from '../../../store/model.js';
import { componentJson, stacksUsing } from './shared.js';
import { componentNoun } from '../../../store/model.js';

export interface ListOptions {
  type: ComponentType;
  output: OutputFormat;
}

export function newCmdList(f: Factory, type: ComponentType, runF = listComponents): Command {
  const cmd = new Command('list')
    .description(`list the registered ${componentNoun(type)}s`)
    .action(async (opts: { output?: string }) => {
      await runF(f, { type, output: parseOutputFormat(opts.output, f.io) });
    });
  addOutputOption(cmd);
  return withExamples(cmd, [`dd-logstore ${type} list`, `dd-logstore ${type} list --output json`]);
}

export async function listComponents(f: Factory, opts: ListOptions): Promise<void> {
  const config = await f.configStore().read();
  const active = config.stacks[config.activeStack];
  const rows = Object.values(config.components[opts.type]).sort((a, b) => a.name.localeCompare(b.name));
  await printList(
    f.io,
    opts.output,
    rows,
    [
      { header: 'ACTIVE', value: (c) => (active?.components[opts.type] === c.name ? '*' : '') },
      { header: 'NAME', value: (c) => c.name },
      { header: 'FLAVOR', value: (c) => c.flavor },
      { header: 'STACKS', value: (c) => stacksUsing(config, opts.type, c.name).join(','), dropOrder: 1 },
      { header: 'ID', value: (c) => c.id, dropOrder: 2 },
    ],
    (c) => componentJson(config, c),
  );
}
