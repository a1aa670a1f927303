/**
 * `dd-logstore log-store verify NAME [--roundtrip] [--timeout 60s]`: runs the checks (app/verify-log-store.ts) and
 * prints one row per check. Exit 0 when every check passed, 1 otherwise.
 */
import { Command, Option } from 'commander';
import type { Factory } from '../../../app/factory.js';
import { verifyLogStore } from '../../../app/verify-log-store.js';
import type { CheckResult, CheckRow, VerifyOptions } from '../../../app/verify-log-store.js';
import { MAX_WAIT_MS, parseDuration } from '../../../core/duration.js';
import { SilentExit } from '../../../core/errors.js';
import { createColor } from '../../../io/color.js';
import { parseOutputFormat, printList } from '../../../io/output.js';
import type { OutputFormat } from '../../../io/output.js';
import { addOutputOption, withExamples } from '../../command-kit.js';

export const DEFAULT_VERIFY_TIMEOUT = '60s';

export type VerifyCommandOptions = VerifyOptions & { output: OutputFormat };

export function newCmdVerify(f: Factory, runF = verifyCommand): Command {
  const cmd = new Command('verify')
    .description(
      'check that a log store works: secret references, network, API key and site, application key ' +
        '(logs_read_data); --roundtrip also sends one record and times how long it takes to be readable',
    )
    .argument('<name>', 'name of the log store')
    .option('--roundtrip', 'send one record and wait until it can be read back (datadog)')
    .addOption(
      new Option('--timeout <duration>', 'how long --roundtrip waits for the record').default(DEFAULT_VERIFY_TIMEOUT),
    )
    .action(async (name: string, opts: { roundtrip?: boolean; timeout: string; output?: string }) => {
      const output = parseOutputFormat(opts.output, f.io);
      const timeoutMs = parseDuration(opts.timeout, '--timeout', MAX_WAIT_MS);
      await runF(f, { name, roundtrip: Boolean(opts.roundtrip), timeoutMs, output });
    });
  addOutputOption(cmd);
  return withExamples(cmd, [
    'dd-logstore log-store verify datadog_logs',
    'dd-logstore log-store verify datadog_logs --roundtrip --timeout 2m',
    'dd-logstore log-store verify datadog_logs --output json',
  ]);
}

/** Runs the checks, prints them, and exits 1 (SilentExit) when one failed. */
export async function verifyCommand(f: Factory, opts: VerifyCommandOptions): Promise<void> {
  const { component, rows } = await verifyLogStore(f, opts);
  await printRows(f, opts.output, rows);
  const failed = rows.filter((r) => r.result === 'FAILED').length;
  if (failed > 0) {
    f.io.err(`${failed} of ${rows.length} checks failed for log store '${component.name}'\n`);
    throw new SilentExit(1);
  }
  f.io.err(`log store '${component.name}' (${component.flavor}): all ${rows.length} checks passed\n`);
}

async function printRows(f: Factory, output: OutputFormat, rows: readonly CheckRow[]): Promise<void> {
  const color = createColor(f.io.colorOut);
  const paint = (r: CheckResult): string =>
    r === 'ok' ? color.green(r) : r === 'FAILED' ? color.red.bold(r) : color.yellow(r);
  await printList(
    f.io,
    output,
    rows,
    [
      { header: 'CHECK', value: (r) => r.check },
      { header: 'RESULT', value: (r) => (output === 'table' ? paint(r.result) : r.result) },
      { header: 'DETAIL', value: (r) => r.detail },
      { header: 'WHAT TO DO', value: (r) => r.hint },
    ],
    (r) => ({ check: r.check, ok: r.result === 'ok', result: r.result, detail: r.detail, hint: r.hint || null }),
  );
}
