/** Stack flags and lookups shared by the stack commands. */
import { Option } from 'commander';
import type { Command } from 'commander';
import { CliError, UsageError } from '../../../core/errors.js';
import { COMPONENT_TYPES } from '../../../store/model.js';
import type { ComponentType, Stack, StoreConfig } from '../../../store/model.js';
import { componentJson } from '../component/shared.js';
import { componentNoun } from '../../../store/model.js';

export type StackComponentOptions = Partial<Record<ComponentType, string>>;

/** `-a`, `-o`, `-ls` as in ZenML. `-ls` is two letters, which commander cannot declare: the program maps it. */
export function addComponentOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-a, --artifact-store <name>', 'artifact store'))
    .addOption(new Option('-o, --orchestrator <name>', 'orchestrator'))
    .addOption(new Option('--log-store <name>', 'log store (also -ls)'));
}

export function componentOptions(opts: {
  artifactStore?: string;
  orchestrator?: string;
  logStore?: string;
}): StackComponentOptions {
  const out: StackComponentOptions = {};
  if (opts.artifactStore !== undefined) out['artifact-store'] = opts.artifactStore;
  if (opts.orchestrator !== undefined) out.orchestrator = opts.orchestrator;
  if (opts.logStore !== undefined) out['log-store'] = opts.logStore;
  return out;
}

export function checkComponentsExist(config: StoreConfig, chosen: StackComponentOptions): void {
  for (const type of COMPONENT_TYPES) {
    const name = chosen[type];
    if (name === undefined || config.components[type][name]) continue;
    const flag = type === 'log-store' ? '-ls' : type === 'orchestrator' ? '-o' : '-a';
    const names = Object.keys(config.components[type]);
    // `-ls "$LOG_STORE"` with the variable unset: "register one with ... register  --flavor=..." helped nobody.
    if (name.trim() === '')
      throw new UsageError(`${flag} cannot be empty`, {
        hint: `give one of the registered ${componentNoun(type)}s: ${names.join(', ') || 'none'}`,
      });
    throw new UsageError(`${flag} ${name}: no ${componentNoun(type)} named '${name}'`, {
      hint: `registered ${componentNoun(type)}s: ${names.join(', ') || 'none'}; register one with dd-logstore ${type} register ${name} --flavor=...`,
    });
  }
}

export function findStack(config: StoreConfig, name: string): Stack {
  const stack = config.stacks[name];
  if (stack) return stack;
  throw new CliError(`no stack named '${name}'`, { hint: `stacks: ${Object.keys(config.stacks).join(', ')}` });
}

export function stackJson(config: StoreConfig, stack: Stack): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  for (const type of COMPONENT_TYPES) {
    const c = config.components[type][stack.components[type]];
    components[type] = c ? componentJson(config, c) : { name: stack.components[type], missing: true };
  }
  return {
    id: stack.id,
    name: stack.name,
    active: config.activeStack === stack.name,
    components,
    createdAt: stack.createdAt,
    updatedAt: stack.updatedAt,
  };
}
