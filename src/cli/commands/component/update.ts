/** `dd-logstore <type> update NAME --KEY=VALUE ... [--remove-key KEY]` */
import { Command } from 'commander';
import { UsageError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import { parseKeyValueArgs } from '../../key-value-args.js';
import { findFlavor } from '../../../app/flavors.js';
import { validateConfig } from '../../../store/flavors.js';
import { didYouMean } from '../../../store/did-you-mean.js';
import type { ComponentType } from '../../../store/model.js';
import { envSecretName } from '../../../secrets/env-secrets.js';
import { findComponent } from '../../../store/find-component.js';
import { referenceWarnings } from './shared.js';
import { aComponent, componentNoun } from '../../../store/model.js';

export interface UpdateOptions {
  type: ComponentType;
  name: string;
  values: Record<string, string>;
  removeKeys: string[];
}

export function newCmdUpdate(f: Factory, type: ComponentType, runF = updateComponent): Command {
  const cmd = new Command('update')
    .description(`change keys of ${aComponent(type)}`)
    .argument('<name>', `name of the ${componentNoun(type)}`)
    .argument('[config...]', 'keys to set, as --key=value or --key value')
    .option('--remove-key <key...>', 'unset an optional key (back to its default)')
    .allowUnknownOption()
    .action(async (name: string, words: string[], opts: { removeKey?: string[] }) => {
      const parsed = parseKeyValueArgs(words, { options: ['remove-key'] });
      const removeKeys = [
        ...(opts.removeKey ?? []),
        ...(parsed.options['remove-key'] ? [parsed.options['remove-key']] : []),
      ];
      await runF(f, { type, name, values: parsed.values, removeKeys });
    });
  return withExamples(cmd, [
    `dd-logstore ${type} update ${type === 'log-store' ? 'datadog_logs --site=datadoghq.eu --max_export_batch_size=1000' : 'default --path=/data/artifacts'}`,
  ]);
}

export async function updateComponent(f: Factory, opts: UpdateOptions): Promise<void> {
  if (Object.keys(opts.values).length === 0 && opts.removeKeys.length === 0) {
    throw new UsageError(`nothing to update for ${componentNoun(opts.type)} '${opts.name}'`, {
      hint: 'give keys as --key=value',
    });
  }
  const { warnings, flavor } = await f.configStore().update((config) => {
    const component = findComponent(config, opts.type, opts.name);
    const spec = findFlavor(component.type, component.flavor);
    if (opts.values.flavor !== undefined) {
      throw new UsageError(`the flavor of ${componentNoun(opts.type)} '${opts.name}' cannot be changed`, {
        hint: `register a new ${componentNoun(opts.type)} with --flavor=${opts.values.flavor}, then point the stack at it`,
      });
    }
    const changed = validateConfig(spec, opts.values, true);
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...component.config, ...changed.config })) merged[k] = String(v);
    for (const key of opts.removeKeys) {
      if (!spec.keys.some((k) => k.key === key)) {
        const keys = spec.keys.map((k) => k.key);
        const guess = didYouMean(key, keys);
        throw new UsageError(`--remove-key ${key}: the ${spec.flavor} flavor has no such key`, {
          hint: guess ? `did you mean --remove-key ${guess}?` : `keys: ${keys.join(', ')}`,
        });
      }
      delete merged[key];
    }
    // Validate the whole result, so an update can never leave a component that `run` would reject.
    const full = validateConfig(
      spec,
      merged,
      false,
      Object.keys(component.config).filter((k) => opts.values[k] === undefined),
    );
    component.config = full.config;
    component.updatedAt = f.now().toISOString();
    return {
      flavor: spec.flavor,
      warnings: [...changed.warnings, ...referenceWarnings(config, f.env, changed.references, envSecretName)],
    };
  });
  for (const w of warnings) f.warn(w);
  f.io.err(`Updated ${componentNoun(opts.type)} '${opts.name}' (flavor ${flavor}).\n`);
}
