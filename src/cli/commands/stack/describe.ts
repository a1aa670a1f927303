/** `dd-logstore stack describe [NAME]`: the stack and its components, secrets masked. */
import { Command } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { addOutputOption, withExamples } from '../../command-kit.js';
import { parseOutputFormat, printObject } from '../../../io/output.js';
import { COMPONENT_TYPES } from '../../../store/model.js';
import { resolveActiveStack } from '../../../store/active-stack.js';
import { displayConfig } from '../component/shared.js';
import { findStack, stackJson } from './shared.js';

export function newCmdStackDescribe(f: Factory): Command {
  const cmd = new Command('describe')
    .description('show a stack (default: the active one) and its components')
    .argument('[name]', 'name of the stack')
    .action(async (name: string | undefined, opts: { output?: string }) => {
      const format = parseOutputFormat(opts.output, f.io);
      const config = await f.configStore().read();
      const stack = name !== undefined ? findStack(config, name) : resolveActiveStack(config, f.env).stack;
      const pairs: [string, string][] = [
        ['name', stack.name + (config.activeStack === stack.name ? ' (active)' : '')],
        ['id', stack.id],
      ];
      for (const type of COMPONENT_TYPES) {
        const c = config.components[type][stack.components[type]];
        const settings = c ? Object.entries(displayConfig(c)).map(([k, v]) => `${k}=${String(v)}`) : [];
        pairs.push([
          type,
          c
            ? `${c.name} (${c.flavor})${settings.length ? ' ' + settings.join(' ') : ''}`
            : `${stack.components[type]} (missing)`,
        ]);
      }
      await printObject(f.io, format, pairs, stackJson(config, stack));
    });
  addOutputOption(cmd);
  return withExamples(cmd, ['dd-logstore stack describe', 'dd-logstore stack describe my_stack --output json']);
}
