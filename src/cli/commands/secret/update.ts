/** `dd-logstore secret update NAME --KEY=VALUE ... [--remove-key K]` */
import { Command } from 'commander';
import { CliError, UsageError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { parseKeyValueArgs } from '../../key-value-args.js';
import { collectValues } from './create.js';
import { componentsReferring, secretNotFound } from './shared.js';

export function newCmdSecretUpdate(f: Factory): Command {
  const cmd = new Command('update')
    .description('set or remove keys of a secret')
    .argument('<name>', 'name of the secret')
    .argument('[values...]', 'values as --key=value')
    .option('-i, --interactive', 'prompt for keys and values')
    .option('--values <source>', 'read a JSON object from @FILE or - (stdin)')
    .option('--remove-key <key...>', 'remove keys')
    .allowUnknownOption()
    .action(
      async (name: string, words: string[], opts: { interactive?: boolean; values?: string; removeKey?: string[] }) => {
        const parsed = parseKeyValueArgs(words, {
          options: ['values', 'remove-key'],
          switches: ['interactive'],
          secretValues: true,
        });
        const remove = [
          ...(opts.removeKey ?? []),
          ...(parsed.options['remove-key'] ? [parsed.options['remove-key']] : []),
        ];
        const source = opts.values ?? parsed.options.values;
        const config = await f.configStore().read();
        const entry = config.secrets[name];
        if (!entry) throw secretNotFound(config, name, f.env);
        const changes = await collectValues(f, {
          name,
          values: parsed.values,
          interactive: Boolean(opts.interactive) || parsed.switches.has('interactive'),
          ...(source !== undefined ? { valuesSource: source } : {}),
        });
        if (Object.keys(changes).length === 0 && remove.length === 0) {
          throw new UsageError(`nothing to update for secret '${name}'`, {
            hint: 'pass --key=value or --remove-key KEY',
          });
        }
        for (const v of Object.values(changes)) f.io.redactor.add(v);
        const backend = await f.secretBackendOf(name);
        const current = await backend.get(name);
        if (!current)
          throw new CliError(`secret '${name}' has no values in the ${entry.backend} backend`, {
            hint: 'delete and create it again',
          });
        for (const key of remove) {
          if (!(key in current))
            throw new UsageError(`--remove-key ${key}: secret '${name}' has no such key`, {
              hint: `keys: ${Object.keys(current).join(', ')}`,
            });
          delete current[key];
        }
        const next = { ...current, ...changes };
        if (Object.keys(next).length === 0)
          throw new UsageError(`secret '${name}' would have no keys left`, {
            hint: `delete it instead: dd-logstore secret delete ${name}`,
          });
        await backend.set(name, next);
        await f.configStore().update((c) => {
          const e = c.secrets[name];
          if (e) {
            e.keys = Object.keys(next).sort();
            e.updatedAt = f.now().toISOString();
          }
        });
        f.io.err(`Updated secret '${name}' (keys ${Object.keys(next).sort().join(', ')}).\n`);
        for (const key of remove) {
          const users = key in next ? [] : componentsReferring(config, name, key);
          if (users.length)
            f.warn(
              `{{${name}.${key}}} is still referred to by ${users.join(', ')}; it will fail to resolve until the key is set again (dd-logstore secret update ${name} --${key}=...)`,
            );
        }
      },
    );
  return withExamples(cmd, [
    'dd-logstore secret update datadog_keys --api_key=...',
    'dd-logstore secret update datadog_keys --remove-key old_key',
  ]);
}
