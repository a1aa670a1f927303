/** Which stack (and so which log store) a command uses: --stack flag > DD_LOGSTORE_STACK > config > default. */
import { CliError } from '../core/errors.js';
import { findComponent } from './find-component.js';
import type { Component, Stack, StoreConfig } from './model.js';

export interface ActiveStack {
  stack: Stack;
  /** Where the choice came from, for messages. */
  source: 'flag' | 'env' | 'config';
}

export function resolveActiveStack(config: StoreConfig, env: NodeJS.ProcessEnv, flag?: string): ActiveStack {
  const [name, source] =
    flag !== undefined
      ? [flag, 'flag' as const]
      : env.DD_LOGSTORE_STACK
        ? [env.DD_LOGSTORE_STACK, 'env' as const]
        : [config.activeStack, 'config' as const];
  const stack = config.stacks[name];
  if (!stack) {
    const where =
      source === 'flag' ? '--stack' : source === 'env' ? 'DD_LOGSTORE_STACK' : 'the active stack in config.json';
    throw new CliError(`no stack named '${name}', given by ${where}`, {
      hint: `stacks: ${Object.keys(config.stacks).join(', ')}`,
    });
  }
  return { stack, source };
}

/** The log store a run or a read uses: --log-store wins over the stack's. */
export function resolveLogStore(
  config: StoreConfig,
  env: NodeJS.ProcessEnv,
  opts: { stack?: string; logStore?: string },
): Component {
  if (opts.logStore !== undefined) return findComponent(config, 'log-store', opts.logStore);
  const { stack } = resolveActiveStack(config, env, opts.stack);
  const name = stack.components['log-store'];
  const component = config.components['log-store'][name];
  if (component) return component;
  // Only a config.json edited by hand names a component it does not have: say where the name comes from.
  const names = Object.keys(config.components['log-store']);
  throw new CliError(
    `stack '${stack.name}' in config.json names log store '${name}', which config.json does not have`,
    {
      hint: names.length
        ? `point the stack at one of ${names.join(', ')}: dd-logstore stack update ${stack.name} -ls NAME`
        : `register it: dd-logstore log-store register ${name} --flavor=local`,
    },
  );
}
