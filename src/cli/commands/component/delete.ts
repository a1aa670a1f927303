/** `dd-logstore <type> delete NAME`: refused while a stack uses it. */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { CliError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import { withExamples } from '../../command-kit.js';
import type { ComponentType } from '../../../store/model.js';
import { findComponent } from '../../../store/find-component.js';
import { stacksUsing } from './shared.js';
import { DEFAULT_NAME, aComponent, componentNoun } from '../../../store/model.js';

export function newCmdDelete(f: Factory, type: ComponentType, runF = deleteComponent): Command {
  const cmd = new Command('delete')
    .description(`delete ${aComponent(type)} that no stack uses`)
    .argument('<name>', `name of the ${componentNoun(type)}`);
  if (type === 'log-store') cmd.option('--force', 'delete it even though records wait in its spool (they are dropped)');
  // Nothing to confirm (refused while a stack uses it or records wait for it): taken, so that a script passing
  // --yes to every delete (secret delete and runs delete ask) works.
  cmd.option('-y, --yes', `accepted for scripts; ${type} delete does not ask`);
  cmd.action(async (name: string, opts: { force?: boolean }) => runF(f, type, name, Boolean(opts.force)));
  return withExamples(cmd, [`dd-logstore ${type} delete old_store`]);
}

export async function deleteComponent(f: Factory, type: ComponentType, name: string, force = false): Promise<void> {
  const { id, dropped } = await f.configStore().update((config) => {
    const component = findComponent(config, type, name);
    // Records spooled for it can only be resent to it: deleting it would lose them without a word.
    const waiting = type === 'log-store' ? spooledFiles(join(f.paths().spool, component.id)) : 0;
    if (waiting > 0 && !force) {
      throw new CliError(
        `log store '${name}' still has ${waiting} spool file${waiting > 1 ? 's' : ''} of undelivered records`,
        {
          hint: `send them first: dd-logstore flush --log-store ${name}; or drop them: dd-logstore log-store delete ${name} --force`,
        },
      );
    }
    const users = stacksUsing(config, type, name);
    if (users.length) {
      throw new CliError(
        `${componentNoun(type)} '${name}' is used by stack${users.length > 1 ? 's' : ''} ${users.map((s) => `'${s}'`).join(', ')}`,
        {
          // The default stack cannot be deleted: suggesting it would send the user to a second refusal.
          hint:
            `point the stack elsewhere first: dd-logstore stack update ${users[0]} ${flagFor(type)} OTHER` +
            (users[0] === DEFAULT_NAME
              ? ' (the default stack cannot be deleted)'
              : `, or delete the stack: dd-logstore stack delete ${users[0]}`),
        },
      );
    }
    delete config.components[type][name];
    return { id: component.id, dropped: waiting };
  });
  if (dropped > 0) {
    // --force: what waited for it can never be sent now.
    rmSync(join(f.paths().spool, id), { recursive: true, force: true });
    f.io.err(
      `Deleted ${componentNoun(type)} '${name}' and its spool (${dropped} file${dropped > 1 ? 's' : ''} of undelivered records dropped).\n`,
    );
    return;
  }
  f.io.err(`Deleted ${componentNoun(type)} '${name}'.\n`);
}

function spooledFiles(dir: string): number {
  try {
    // The older spool files, and the journals that kept undelivered records.
    return readdirSync(dir).filter((n) => n.endsWith('.jsonl') || n.endsWith('.open') || n.endsWith('.journal')).length;
  } catch {
    return 0;
  }
}

function flagFor(type: ComponentType): string {
  return type === 'log-store' ? '-ls' : type === 'orchestrator' ? '-o' : '-a';
}
