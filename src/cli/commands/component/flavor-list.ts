/** `dd-logstore <type> flavor list`: every flavor with its keys and defaults. */
import { Command } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { addOutputOption, withExamples } from '../../command-kit.js';
import { parseOutputFormat, printList } from '../../../io/output.js';
import { flavorsOf } from '../../../app/flavors.js';
import type { FlavorSpec, KeySpec } from '../../../store/flavors.js';
import type { ComponentType } from '../../../store/model.js';
import { componentNoun } from '../../../store/model.js';

export function newCmdFlavor(f: Factory, type: ComponentType): Command {
  const list = new Command('list')
    .description(`list the ${componentNoun(type)} flavors and their keys`)
    .action(async (opts: { output?: string }) => {
      const format = parseOutputFormat(opts.output, f.io);
      const rows: { spec: FlavorSpec; key: KeySpec | undefined }[] = flavorsOf(type).flatMap((spec) =>
        spec.keys.length ? spec.keys.map((k) => ({ spec, key: k as KeySpec | undefined })) : [{ spec, key: undefined }],
      );
      await printList(
        f.io,
        format,
        rows,
        [
          { header: 'FLAVOR', value: (r) => r.spec.flavor },
          { header: 'KEY', value: (r) => r.key?.key ?? '' },
          {
            header: 'DEFAULT',
            value: (r) =>
              r.key?.required
                ? 'required'
                : (r.key?.defaultText ?? (r.key?.default === undefined ? '' : String(r.key.default))),
          },
          { header: 'DESCRIPTION', value: (r) => r.key?.description ?? r.spec.description },
        ],
        (r) => ({
          flavor: r.spec.flavor,
          key: r.key?.key ?? null,
          required: Boolean(r.key?.required),
          default: r.key?.default ?? r.key?.defaultText ?? null,
          choices: r.key?.choices ?? null,
          description: r.key?.description ?? r.spec.description,
        }),
      );
    });
  addOutputOption(list);
  withExamples(list, [`dd-logstore ${type} flavor list`]);
  return withExamples(new Command('flavor').description(`${componentNoun(type)} flavors`), [
    `dd-logstore ${type} flavor list`,
  ]).addCommand(list);
}
