/** `dd-logstore secret list`: names and key names only (from config.json: no keychain access). */
import { Command } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { addOutputOption, withExamples } from '../../command-kit.js';
import { parseOutputFormat, printList } from '../../../io/output.js';

export function newCmdSecretList(f: Factory): Command {
  const cmd = new Command('list')
    .description('list secrets (names and keys, never values)')
    .action(async (opts: { output?: string }) => {
      const format = parseOutputFormat(opts.output, f.io);
      const config = await f.configStore().read();
      const rows = Object.entries(config.secrets).sort(([a], [b]) => a.localeCompare(b));
      await printList(
        f.io,
        format,
        rows,
        [
          { header: 'NAME', value: ([n]) => n },
          { header: 'KEYS', value: ([, s]) => s.keys.join(',') },
          { header: 'BACKEND', value: ([, s]) => s.backend },
          { header: 'UPDATED', value: ([, s]) => s.updatedAt },
        ],
        ([n, s]) => ({ name: n, ...s }),
        { empty: 'no secrets yet (create one: dd-logstore secret create NAME --KEY=VALUE, or -i to be prompted)' },
      );
    });
  addOutputOption(cmd);
  return withExamples(cmd, ['dd-logstore secret list']);
}
