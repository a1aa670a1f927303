/** `dd-logstore secret create NAME --KEY=VALUE ... | -i | --values=@file.json | --values=-` */
import { Command } from 'commander';
import { UsageError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { parseKeyValueArgs } from '../../key-value-args.js';
import { checkName } from '../component/shared.js';
import { checkNoEmptyValues, checkSecretKeys, promptValues, readValuesSource } from './shared.js';

export interface SecretCreateOptions {
  name: string;
  values: Record<string, string>;
  interactive: boolean;
  valuesSource?: string;
}

export function newCmdSecretCreate(f: Factory, runF = createSecret): Command {
  const cmd = new Command('create')
    .description('create a secret in the OS keychain (or the backend chosen by config set secrets.backend)')
    .argument('<name>', 'name of the secret')
    .argument('[values...]', 'values as --key=value')
    .option('-i, --interactive', 'prompt for keys and values (values hidden)')
    .option('--values <source>', 'read a JSON object from @FILE or - (stdin)')
    .allowUnknownOption()
    .action(async (name: string, words: string[], opts: { interactive?: boolean; values?: string }) => {
      const parsed = parseKeyValueArgs(words, { options: ['values'], switches: ['interactive'], secretValues: true });
      const source = opts.values ?? parsed.options.values;
      await runF(f, {
        name,
        values: parsed.values,
        interactive: Boolean(opts.interactive) || parsed.switches.has('interactive'),
        ...(source !== undefined ? { valuesSource: source } : {}),
      });
    });
  return withExamples(cmd, [
    'dd-logstore secret create datadog_keys --api_key=... --application_key=...',
    'dd-logstore secret create datadog_keys -i',
    'echo \'{"api_key":"...","application_key":"..."}\' | dd-logstore secret create datadog_keys --values=-',
  ]);
}

export async function collectValues(f: Factory, opts: SecretCreateOptions): Promise<Record<string, string>> {
  checkNoEmptyValues(opts.values);
  const values = { ...opts.values };
  if (opts.valuesSource !== undefined) Object.assign(values, await readValuesSource(f, opts.valuesSource));
  if (opts.interactive) Object.assign(values, await promptValues(f, opts.name));
  checkSecretKeys(values);
  return values;
}

export async function createSecret(f: Factory, opts: SecretCreateOptions): Promise<void> {
  checkName('secret', opts.name);
  const store = f.configStore();
  const before = await store.read();
  if (before.secrets[opts.name]) {
    throw new UsageError(`a secret named '${opts.name}' already exists`, {
      hint: `change it with dd-logstore secret update ${opts.name} --KEY=VALUE, or delete it first`,
    });
  }
  const values = await collectValues(f, opts);
  if (Object.keys(values).length === 0) {
    throw new UsageError(`secret create ${opts.name} got no values`, {
      hint: 'pass --key=value, --values=@file.json, --values=- or -i',
    });
  }
  for (const v of Object.values(values)) f.io.redactor.add(v);
  const backend = await f.defaultSecretBackend();
  await backend.set(opts.name, values);
  const ts = f.now().toISOString();
  await store.update((config) => {
    config.secrets[opts.name] = {
      keys: Object.keys(values).sort(),
      backend: backend.kind,
      createdAt: ts,
      updatedAt: ts,
    };
  });
  f.io.err(`Created secret '${opts.name}' with keys ${Object.keys(values).sort().join(', ')} (${backend.kind}).\n`);
}
