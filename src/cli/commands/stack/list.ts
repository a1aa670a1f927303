/** `dd-logstore stack list`: the active stack is marked. */
import { Command } from 'commander';
import { CliError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { addOutputOption, withExamples } from '../../command-kit.js';
import { parseOutputFormat, printList } from '../../../io/output.js';
import { stackJson } from './shared.js';
import { resolveActiveStack } from '../../../store/active-stack.js';

export function newCmdStackList(f: Factory): Command {
  const cmd = new Command('list')
    .description('list stacks (the active one is marked *)')
    .action(async (opts: { output?: string }) => {
      const format = parseOutputFormat(opts.output, f.io);
      const config = await f.configStore().read();
      const rows = Object.values(config.stacks).sort((a, b) => a.name.localeCompare(b.name));
      // The stack in effect for this shell: DD_LOGSTORE_STACK wins over the one set in config.json. One that names
      // no stack is said, and nothing is marked: this is the command a user runs to fix it (kubectl's get-contexts
      // lists with a bad current context too).
      let active: string | undefined;
      try {
        active = resolveActiveStack(config, f.env).stack.name;
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
        f.warn(`${err.message}: no stack is active in this shell (dd-logstore stack set NAME, or fix the variable)`);
      }
      await printList(
        f.io,
        format,
        rows,
        [
          { header: 'ACTIVE', value: (s) => (s.name === active ? '*' : '') },
          { header: 'NAME', value: (s) => s.name },
          { header: 'ARTIFACT STORE', value: (s) => s.components['artifact-store'], dropOrder: 2 },
          { header: 'ORCHESTRATOR', value: (s) => s.components.orchestrator, dropOrder: 1 },
          { header: 'LOG STORE', value: (s) => s.components['log-store'] },
        ],
        (s) => stackJson(config, s),
      );
    });
  addOutputOption(cmd);
  return withExamples(cmd, ['dd-logstore stack list', 'dd-logstore stack list --output json']);
}
