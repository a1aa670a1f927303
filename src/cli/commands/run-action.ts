/**
 * What `dd-logstore run` does with its parsed flags: checks them and turns them into RunOptions for the `run a step`
 * use case (app/run-step.ts). Free of commander: the command's declaration (run.ts) and run's fast path
 * (cli/run-fast-path.ts) both call it with the same options object commander would build.
 */
import { RunSetupError, SilentExit, UsageError } from '../../core/errors.js';
import { MAX_WAIT_MS, parseDuration } from '../../core/duration.js';
import { LEVELS, levelNamed } from '../../core/log-record.js';
import type { Level } from '../../core/log-record.js';
import { RUN_ID_HINT, RUN_ID_PATTERN, checkRunId } from '../../store/run-records.js';
import type { Factory } from '../../app/factory.js';
import { ON_OVERFLOW_CHOICES } from '../run-fast-path.js';
import { runCommand } from '../../app/run-step.js';
import { checkNameFlags } from '../name-flags.js';
import { checkTag } from '../../core/tags.js';

/** Throws SilentExit with the child's exit code once the run is over; a usage or set-up error otherwise. */
export async function runAction(
  f: Factory,
  command: string[],
  opts: Record<string, unknown>,
  runF = runCommand,
): Promise<never> {
  const stderrLevel = normalizeLevel(String(opts.stderrLevel));
  const tags = (opts.tag as string[] | undefined) ?? [];
  for (const t of tags) {
    const check = checkTag(t);
    if (check === 'malformed') throw new UsageError(`--tag must be k:v, got '${t}'`, { hint: 'e.g. --tag team:ml' });
    if (check === 'reserved')
      throw new UsageError(`--tag ${t} names an attribute dd-logstore sets itself`, {
        hint: 'zenml.* and dd_logstore.* say whose record it is: give the tag another key, e.g. --tag team:ml',
      });
    if (check === 'no value')
      throw new UsageError(`--tag ${t} has no value`, {
        hint: `give one, e.g. --tag ${t.slice(0, t.indexOf(':') + 1)}ml, or leave the tag out`,
      });
  }
  checkNameFlags(opts, ['stack', 'logStore', 'step', 'pipeline']);
  if (opts.stack !== undefined && opts.logStore !== undefined) {
    throw new UsageError('--stack and --log-store cannot be used together', { hint: 'give one of them' });
  }
  const flagRunId = opts.runId as string | undefined;
  const runId = flagRunId ?? (f.env.DD_LOGSTORE_RUN_ID || undefined);
  // A bad --run-id is a usage error; a bad DD_LOGSTORE_RUN_ID in the environment stops the run before it starts.
  if (flagRunId !== undefined) checkRunId(flagRunId);
  else if (runId !== undefined && !RUN_ID_PATTERN.test(runId)) {
    throw new RunSetupError(`DD_LOGSTORE_RUN_ID='${runId}' is not a valid run id`, { hint: RUN_ID_HINT });
  }
  const code = await runF(f, {
    command,
    tags,
    stderrLevel,
    flushTimeoutMs: parseDuration(String(opts.flushTimeout), '--flush-timeout', MAX_WAIT_MS),
    killAfterMs: parseDuration(String(opts.killAfter), '--kill-after', MAX_WAIT_MS),
    quiet: Boolean(opts.quiet),
    onOverflow: parseOnOverflow(String(opts.onOverflow)),
    ciTags: opts.ciTags !== false,
    ...(opts.stack !== undefined ? { stack: String(opts.stack) } : {}),
    ...(opts.logStore !== undefined ? { logStore: String(opts.logStore) } : {}),
    ...(runId !== undefined ? { runId } : {}),
    ...(opts.step !== undefined ? { step: String(opts.step) } : {}),
    ...(opts.pipeline !== undefined ? { pipeline: String(opts.pipeline) } : {}),
  });
  throw new SilentExit(code);
}

function parseOnOverflow(raw: string): (typeof ON_OVERFLOW_CHOICES)[number] {
  const policy = ON_OVERFLOW_CHOICES.find((p) => p === raw);
  if (policy === undefined) {
    throw new UsageError(`--on-overflow must be one of ${ON_OVERFLOW_CHOICES.join(', ')}, got '${raw}'`, {
      hint: 'e.g. --on-overflow drop',
    });
  }
  return policy;
}

function normalizeLevel(raw: string): Level {
  const level = levelNamed(raw);
  if (level === undefined) {
    throw new UsageError(`--stderr-level must be one of ${LEVELS.join(', ')}, got '${raw}'`, {
      hint: 'e.g. --stderr-level warn',
    });
  }
  return level;
}
