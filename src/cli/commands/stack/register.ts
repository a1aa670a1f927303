/** `dd-logstore stack register NAME -a A -o O -ls L [--set]` */
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { UsageError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { COMPONENT_TYPES, DEFAULT_NAME } from '../../../store/model.js';
import { checkName } from '../component/shared.js';
import { addComponentOptions, checkComponentsExist, componentOptions } from './shared.js';
import type { StackComponentOptions } from './shared.js';

export interface StackRegisterOptions {
  name: string;
  components: StackComponentOptions;
  set: boolean;
}

export function newCmdStackRegister(f: Factory, runF = registerStack): Command {
  const cmd = new Command('register')
    .description('register a stack from an artifact store, an orchestrator and a log store')
    .argument('<name>', 'name of the stack')
    .option('--set', 'make it the active stack');
  addComponentOptions(cmd).action(
    async (name: string, opts: { set?: boolean; artifactStore?: string; orchestrator?: string; logStore?: string }) => {
      await runF(f, { name, components: componentOptions(opts), set: Boolean(opts.set) });
    },
  );
  return withExamples(cmd, ['dd-logstore stack register my_stack -a default -o default -ls datadog_logs --set']);
}

export async function registerStack(f: Factory, opts: StackRegisterOptions): Promise<void> {
  checkName('stack', opts.name);
  await f.configStore().update((config) => {
    if (config.stacks[opts.name]) {
      throw new UsageError(`a stack named '${opts.name}' already exists`, {
        hint: `pick another name, or change it with dd-logstore stack update ${opts.name}`,
      });
    }
    checkComponentsExist(config, opts.components);
    const ts = f.now().toISOString();
    const components = Object.fromEntries(COMPONENT_TYPES.map((t) => [t, opts.components[t] ?? DEFAULT_NAME]));
    checkComponentsExist(config, components);
    config.stacks[opts.name] = {
      id: randomUUID(),
      name: opts.name,
      components: components as Record<(typeof COMPONENT_TYPES)[number], string>,
      createdAt: ts,
      updatedAt: ts,
    };
    if (opts.set) config.activeStack = opts.name;
  });
  f.io.err(`Registered stack '${opts.name}'${opts.set ? ' and made it the active stack' : ''}.\n`);
}
