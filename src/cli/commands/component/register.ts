/** `dd-logstore <type> register NAME --flavor=F [--KEY=VALUE ...]` (and the top-level `register` alias). */
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { UsageError } from '../../../core/errors.js';
import { parseOutputFormat } from '../../../io/output.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { parseKeyValueArgs } from '../../key-value-args.js';
import { findFlavor } from '../../../app/flavors.js';
import { validateConfig } from '../../../store/flavors.js';
import type { ComponentType } from '../../../store/model.js';
import { envSecretName } from '../../../secrets/env-secrets.js';
import { checkName, referenceWarnings } from './shared.js';
import { aComponent, componentNoun, NAME_PATTERN } from '../../../store/model.js';

export interface RegisterOptions {
  type: ComponentType;
  name: string;
  flavor: string;
  values: Record<string, string>;
  /** Run `log-store verify` right after registering. */
  verify?: boolean;
}

export function parseRegisterArgs(
  type: ComponentType,
  name: string,
  words: readonly string[],
  flavorOpt?: string,
  verifyOpt = false,
): RegisterOptions {
  // `--verify` takes no value: it is ours, not a flavor key (no flavor has a `verify` key).
  const verify = verifyOpt || words.includes('--verify');
  const parsed = parseKeyValueArgs(
    words.filter((w) => w !== '--verify'),
    { options: ['flavor'] },
  );
  const flavor = flavorOpt ?? parsed.options.flavor;
  if (flavor === undefined) {
    throw new UsageError(`${type} register needs --flavor`, {
      // A name that is not one (`register -- --flavor=local` takes the flag as the name) is not repeated in the example.
      hint: `e.g. dd-logstore ${type} register ${NAME_PATTERN.test(name) ? name : 'NAME'} --flavor=local`,
    });
  }
  return { type, name, flavor, values: parsed.values, ...(verify ? { verify } : {}) };
}

export function newCmdRegister(
  f: Factory,
  type: ComponentType,
  runF: (f: Factory, opts: RegisterOptions) => Promise<void> = registerComponent,
  commandName = 'register',
): Command {
  const cmd = new Command(commandName)
    .description(`register ${aComponent(type)}`)
    .argument('<name>', `name of the ${componentNoun(type)}`)
    .argument('[config...]', 'flavor keys as --key=value or --key value')
    .option('-f, --flavor <flavor>', 'the flavor (see flavor list)')
    .option(
      '--verify',
      type === 'log-store' ? 'then check it works (as log-store verify)' : 'accepted; nothing to check',
    )
    .allowUnknownOption()
    .action(async (name: string, words: string[], opts: { flavor?: string; verify?: boolean }) => {
      await runF(f, parseRegisterArgs(type, name, words, opts.flavor, Boolean(opts.verify)));
    });
  const examples =
    type === 'log-store'
      ? [
          "dd-logstore log-store register datadog_logs --flavor=datadog --api_key='{{datadog_keys.api_key}}' --application_key='{{datadog_keys.application_key}}' --site=datadoghq.eu",
          'dd-logstore log-store register otel_logs --flavor=otel --endpoint=http://localhost:4318 --verify',
        ]
      : [`dd-logstore ${type} register my_${type.replace('-', '_')} --flavor=local`];
  return withExamples(cmd, examples);
}

export async function registerComponent(f: Factory, opts: RegisterOptions): Promise<void> {
  checkName(opts.type, opts.name);
  const spec = findFlavor(opts.type, opts.flavor);
  const validated = validateConfig(spec, opts.values);
  const warnings = await f.configStore().update((config) => {
    if (config.components[opts.type][opts.name]) {
      throw new UsageError(`${aComponent(opts.type)} named '${opts.name}' already exists`, {
        hint: `pick another name, or change it with dd-logstore ${opts.type} update ${opts.name} --KEY=VALUE`,
      });
    }
    const ts = f.now().toISOString();
    config.components[opts.type][opts.name] = {
      id: randomUUID(),
      name: opts.name,
      type: opts.type,
      flavor: spec.flavor,
      config: validated.config,
      createdAt: ts,
      updatedAt: ts,
    };
    return referenceWarnings(config, f.env, validated.references, envSecretName);
  });
  for (const w of [...validated.warnings, ...warnings]) f.warn(w);
  f.io.err(`Registered ${componentNoun(opts.type)} '${opts.name}' (flavor ${spec.flavor}).\n`);
  if (opts.verify && opts.type === 'log-store') {
    // Registered either way: a failing check exits 1 and says what to fix (log-store update), as verify does.
    const { verifyCommand, DEFAULT_VERIFY_TIMEOUT } = await import('./verify.js');
    const { parseDuration } = await import('../../../core/duration.js');
    await verifyCommand(f, {
      name: opts.name,
      roundtrip: false,
      timeoutMs: parseDuration(DEFAULT_VERIFY_TIMEOUT, '--timeout'),
      output: parseOutputFormat(undefined, f.io),
    });
  } else if (opts.verify) f.io.err(`Nothing to verify for ${componentNoun(opts.type)} flavor ${spec.flavor}.\n`);
}

/** `dd-logstore register NAME --flavor=datadog ...`: the log store is what people register most. */
export function newCmdRegisterAlias(f: Factory): Command {
  return newCmdRegister(f, 'log-store').description('register a log store (alias of log-store register)');
}
