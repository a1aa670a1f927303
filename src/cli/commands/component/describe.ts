/** `dd-logstore <type> describe NAME [--resolve-check]` */
import { Command } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { addOutputOption, withExamples } from '../../command-kit.js';
import { CliError } from '../../../core/errors.js';
import { parseOutputFormat, printObject } from '../../../io/output.js';
import type { OutputFormat } from '../../../io/output.js';
import type { ComponentType } from '../../../store/model.js';
import { findFlavor } from '../../../app/flavors.js';
import { checkSecretRefs } from '../../../secrets/references.js';
import type { RefCheck } from '../../../secrets/references.js';
import { findComponent } from '../../../store/find-component.js';
import { componentJson, displayConfig } from './shared.js';
import { referenceStrings } from '../../../app/resolve-log-store.js';
import { aComponent, componentNoun } from '../../../store/model.js';
import { plural } from '../../../io/plural.js';

export interface DescribeOptions {
  type: ComponentType;
  name: string;
  output: OutputFormat;
  resolveCheck: boolean;
}

export function newCmdDescribe(f: Factory, type: ComponentType, runF = describeComponent): Command {
  const cmd = new Command('describe')
    .description(`show ${aComponent(type)}'s flavor and configuration (secret values are never shown)`)
    .argument('<name>', `name of the ${componentNoun(type)}`)
    .option('--resolve-check', 'check that every secret reference resolves (values are not shown)')
    .action(async (name: string, opts: { output?: string; resolveCheck?: boolean }) => {
      await runF(f, {
        type,
        name,
        output: parseOutputFormat(opts.output, f.io),
        resolveCheck: Boolean(opts.resolveCheck),
      });
    });
  addOutputOption(cmd);
  return withExamples(cmd, [
    `dd-logstore ${type} describe default`,
    `dd-logstore ${type} describe datadog_logs --resolve-check`,
  ]);
}

export async function describeComponent(f: Factory, opts: DescribeOptions): Promise<void> {
  const config = await f.configStore().read();
  const component = findComponent(config, opts.type, opts.name);
  const spec = findFlavor(component.type, component.flavor);
  const shown = displayConfig(component);
  const json = componentJson(config, component);
  const pairs: [string, string][] = [
    ['name', component.name],
    ['type', component.type],
    ['flavor', component.flavor],
    ['id', component.id],
  ];
  for (const key of spec.keys) {
    const value = shown[key.key];
    if (value !== undefined) pairs.push([key.key, String(value)]);
    else if (key.default !== undefined || key.defaultText)
      pairs.push([key.key, `${key.defaultText ?? (String(key.default) || 'none')} (default)`]);
  }
  // An empty list says so, as `references: none` does (it was `tags:  (default)` and a bare `stacks: `).
  pairs.push(['stacks', (json.stacks as string[]).join(', ') || 'none']);
  let checks: RefCheck[] | undefined;
  if (opts.resolveCheck) {
    const refs = referenceStrings(component.config);
    const results = await checkSecretRefs(refs, { backend: (name) => f.secretBackendOf(name), env: f.env });
    checks = results;
    json.references = results;
    for (const c of results) pairs.push([`ref ${c.key}`, c.ok ? `ok (${c.reference})` : `FAILED: ${c.message}`]);
    if (results.length === 0) pairs.push(['references', 'none']);
  }
  await printObject(f.io, opts.output, pairs, json);
  const failing = checks?.filter((c) => !c.ok) ?? [];
  if (failing.length > 0) {
    throw new CliError(
      `${plural(failing.length, 'secret reference')} of ${componentNoun(opts.type)} '${opts.name}' ${failing.length === 1 ? 'does' : 'do'} not resolve: ${failing.map((c) => c.key).join(', ')}`,
      { hint: failing[0]?.message ?? 'see dd-logstore secret list' },
    );
  }
}
