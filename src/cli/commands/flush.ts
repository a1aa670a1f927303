/**
 * `dd-logstore flush [--log-store L]`: resend what the spool holds (app/flush-spool.ts) and print one line per log
 * store; exit 1 while records stay undelivered.
 */
import { checkNameFlags } from '../name-flags.js';
import { Command } from 'commander';
import { dirname } from 'node:path';
import { SilentExit } from '../../core/errors.js';
import type { Factory } from '../../app/factory.js';
import { flushSpools } from '../../app/flush-spool.js';
import type { FlushRow } from '../../app/flush-spool.js';
import { parseOutputFormat } from '../../io/output.js';
import { plural } from '../../io/plural.js';
import { addOutputOption, withExamples } from '../command-kit.js';

export interface FlushCommandOptions {
  logStore?: string;
  output?: string;
}

export function newCmdFlush(f: Factory, runF = flushCommand): Command {
  const cmd = new Command('flush')
    .description('resend the records kept in the spool (not delivered by earlier runs) and remove what was delivered')
    .option('--log-store <name>', 'only this log store (default: every log store with a spool)')
    .action(async (opts: { logStore?: string; output?: string }) => {
      // `--log-store="$STORE"` with the variable unset: refused as run and logs refuse it (it was exit 1, not found).
      checkNameFlags(opts, ['logStore']);
      const code = await runF(f, {
        ...(opts.logStore !== undefined ? { logStore: opts.logStore } : {}),
        ...(opts.output !== undefined ? { output: opts.output } : {}),
      });
      if (code !== 0) throw new SilentExit(code);
    });
  addOutputOption(cmd);
  return withExamples(cmd, ['dd-logstore flush', 'dd-logstore flush --log-store datadog_logs --output json']);
}

export async function flushCommand(f: Factory, opts: FlushCommandOptions): Promise<number> {
  const format = parseOutputFormat(opts.output, f.io);
  const rows: FlushRow[] = await flushSpools(f, opts.logStore !== undefined ? { logStore: opts.logStore } : {});
  const spoolRoot = f.paths().spool;
  if (format === 'json' || format === 'jsonl') {
    const text = format === 'json' ? JSON.stringify(rows, null, 2) : rows.map((r) => JSON.stringify(r)).join('\n');
    if (text) f.io.out(text + '\n');
  } else {
    if (rows.length === 0)
      f.io.err(
        opts.logStore !== undefined
          ? `nothing to flush: the spool of log store '${opts.logStore}' is empty\n`
          : 'nothing to flush: the spool is empty\n',
      );
    for (const r of rows)
      f.io.out(
        `${r.logStore}: ${plural(r.read, 'record')} read from ${plural(r.files, 'spool file')}, ${r.delivered} delivered, ${r.kept} still spooled` +
          (r.rejected ? ` (${r.rejected} rejected by the intake)` : '') +
          (r.restamped
            ? `; ${r.restamped} older than 18 h sent with the current time (original in dd_logstore.original_timestamp)`
            : '') +
          (r.inUse > 0
            ? `; ${plural(r.inUse, r.files > 0 ? 'more spool file' : 'spool file')} being resent by another dd-logstore process`
            : '') +
          '\n',
      );
  }
  let code = 0;
  for (const r of rows) {
    if (r.error) {
      f.io.err(`error: ${r.error}\n`);
      code = 1;
    } else if (r.stopped !== undefined) {
      f.io.err(
        `error: flush of log store '${r.logStore}' stopped: ${r.stopped}; ${r.kept} records are left in the spool (run dd-logstore flush again once the intake answers)\n`,
      );
      code = 1;
    } else if (r.kept > 0) {
      const why = r.firstError !== undefined ? `: ${r.firstError}` : '';
      f.io.err(
        `error: ${plural(r.kept, 'record')} of log store '${r.logStore}' ${r.kept === 1 ? 'is' : 'are'} still in the spool${why} (run dd-logstore flush again later; each record's reason is in ${spoolRoot})\n`,
      );
      code = 1;
    }
    if (r.inUse > 0) {
      // Another flush, or a run's flush in the background: what it delivers is not known here, nor what it leaves.
      f.io.err(
        `error: ${plural(r.inUse, 'spool file')} of log store '${r.logStore}' ${r.inUse === 1 ? 'is' : 'are'} being resent by another dd-logstore process, not counted here (run dd-logstore flush again once it ends)\n`,
      );
      code = 1;
    }
    if (r.corrupt.length > 0) {
      // Moved aside once all they could read was delivered: what follows their damage cannot be (kept, never removed).
      f.io.err(
        `error: ${plural(r.corrupt.length, 'damaged spool file')} of log store '${r.logStore}' moved to ${dirname(r.corrupt[0]!.file)}: what could be read was resent, the rest cannot be (see the warnings above)\n`,
      );
      code = 1;
    }
  }
  return code;
}
