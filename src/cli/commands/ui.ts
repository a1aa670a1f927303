/**
 * `dd-logstore ui [--port N] [--log-store L] [--no-open]`: the runs and their logs in a browser, served on
 * 127.0.0.1 with a token in the printed URL. The builder parses the flags; the server is imported only when the
 * command runs, so no other command pays for it.
 */
import { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { Factory } from '../../app/factory.js';
import { withExamples } from '../command-kit.js';
import type { UiOptions } from '../../ui/start.js';

export function newCmdUi(
  f: Factory,
  runF: (f: Factory, o: UiOptions) => Promise<void> = async (f, o) => (await import('../../ui/start.js')).serveUi(f, o),
): Command {
  const cmd = new Command('ui')
    .description('show the runs and their logs in a browser (served on 127.0.0.1, with a token in the URL)')
    .option('--port <n>', 'the port to listen on (0: any free port)', '0')
    .option('--log-store <name>', 'only the runs shipped to this log store, read from it')
    .option('--no-open', 'print the URL without opening a browser')
    .action(async (opts: { port: string; logStore?: string; open: boolean }) => {
      await runF(f, parseUiOptions(opts));
    });
  return withExamples(cmd, [
    'dd-logstore ui',
    'dd-logstore ui --port 8484 --no-open',
    'dd-logstore ui --log-store datadog_logs',
  ]);
}

export function parseUiOptions(opts: { port: string; logStore?: string; open: boolean }): UiOptions {
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port) || !Number.isInteger(port) || port > 65535)
    throw new UsageError(`--port must be a whole number from 0 to 65535, got '${opts.port}'`, {
      hint: 'e.g. --port 8484, or --port 0 for any free port',
    });
  return { port, open: opts.open, ...(opts.logStore !== undefined ? { logStore: opts.logStore } : {}) };
}
