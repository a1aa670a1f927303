/** `dd-logstore secret get NAME [--reveal]`: values masked unless --reveal. */
import { Command } from 'commander';
import { CliError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { addOutputOption, withExamples } from '../../command-kit.js';
import { parseOutputFormat, printObject } from '../../../io/output.js';
import { MASK } from '../../../io/redact.js';
import { secretNotFound } from './shared.js';

export function newCmdSecretGet(f: Factory): Command {
  const cmd = new Command('get')
    .description('show a secret (values masked unless --reveal)')
    .argument('<name>', 'name of the secret')
    .option('--reveal', 'print the values in clear')
    .action(async (name: string, opts: { output?: string; reveal?: boolean }) => {
      const format = parseOutputFormat(opts.output, f.io);
      const config = await f.configStore().read();
      const entry = config.secrets[name];
      if (!entry) throw secretNotFound(config, name, f.env);
      const values = await (await f.secretBackendOf(name)).get(name);
      if (!values) {
        throw new CliError(
          `secret '${name}' is listed in config.json but its values are not in the ${entry.backend} backend`,
          {
            hint: `recreate it: dd-logstore secret delete ${name} --yes && dd-logstore secret create ${name} --KEY=VALUE`,
          },
        );
      }
      const shown: Record<string, string> = {};
      for (const key of Object.keys(values).sort()) shown[key] = opts.reveal ? values[key]! : MASK;
      await printObject(f.io, format, Object.entries(shown), { name, backend: entry.backend, values: shown });
    });
  addOutputOption(cmd);
  return withExamples(cmd, [
    'dd-logstore secret get datadog_keys',
    'dd-logstore secret get datadog_keys --reveal --output json',
  ]);
}
