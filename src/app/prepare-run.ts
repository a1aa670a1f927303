/**
 * What `run` settles before the child starts: the log store and its secrets, the run id, the stream's context and
 * where its numbering continues. Any failure here is exit 125 and nothing has started.
 */
import { randomBytes, randomUUID } from '../core/random.js';
import { hostname } from 'node:os';
import { noteCodePath } from '../core/code-paths.js';
import { CliError, RunSetupError, errorMessage } from '../core/errors.js';
import type { Level, StreamContext } from '../core/log-record.js';
import { destinationOf } from '../destinations/index.js';
import { readCiMetadata } from '../runner/ci-metadata.js';
import { resolveLogStore } from '../store/active-stack.js';
import { createRunRecordStore, shippedServiceOf } from '../store/run-records.js';
import type { RunRecord } from '../store/run-records.js';
import type { Factory } from './factory.js';
import { resolveLogStoreSettings } from './resolve-log-store.js';
import type { ResolvedLogStore } from './resolve-log-store.js';

export interface RunOptions {
  command: string[];
  stack?: string;
  logStore?: string;
  runId?: string;
  step?: string;
  pipeline?: string;
  tags: string[];
  stderrLevel: Level;
  flushTimeoutMs: number;
  /** After a signal, how long the command may take to exit before SIGKILL (`--kill-after`, default 10 s). */
  killAfterMs?: number;
  quiet: boolean;
  /** A full queue spools (default) or drops, counted; it never slows the child. */
  onOverflow?: 'spool' | 'drop';
  /** Put the CI job's git.* / ci.* attributes on every record (default; --no-ci-tags turns it off). */
  ciTags?: boolean;
}

export interface Prepared {
  settings: ResolvedLogStore;
  context: StreamContext;
  runId: string;
  /** Where this stream's numbering continues when the same step runs again under one run id. */
  firstSeq: number;
  /** The options with the step, pipeline and tags masked: a value that spells a secret is `****` there too. */
  opts: RunOptions;
}

/** Everything that can fail before the child starts; any failure here is exit 125. */
export async function prepare(f: Factory, opts: RunOptions): Promise<Prepared> {
  try {
    const config = await f.configStore().read();
    const component = resolveLogStore(config, f.env, {
      ...(opts.stack ? { stack: opts.stack } : {}),
      ...(opts.logStore ? { logStore: opts.logStore } : {}),
    });
    const settings = await resolveLogStoreSettings(f, component);
    noteCodePath(`run:${settings.flavor}`);
    // The secrets are known now: a step, pipeline or tag that spells one is masked like everything else we write.
    const mask = (v: string): string => f.io.redactor.redact(v);
    opts = {
      ...opts,
      ...(opts.step !== undefined ? { step: mask(opts.step) } : {}),
      ...(opts.pipeline !== undefined ? { pipeline: mask(opts.pipeline) } : {}),
      tags: opts.tags.map(mask),
    };
    const runId = opts.runId ?? randomUUID();
    const existing = await createRunRecordStore(f.paths().runs).read(runId);
    // Refused here, before anything starts; checked again under the run's lock when the step is added.
    checkSameLogStore(existing, runId, component);
    const sameStep = existing?.steps.filter((s) => s.name === (opts.step ?? null)) ?? [];
    const logId = sameStep[0]?.logId ?? randomUUID();
    const firstSeq = sameStep.reduce((n, s) => Math.max(n, s.nextSeq ?? s.counts.read), 0);
    // A run is read back under one service, the one its first step shipped under (its record keeps it): a later step
    // ships under it too, though service_name changed meanwhile, or it would not be found.
    const service = shippedServiceOf(existing) ?? settings.serviceName;
    if (service !== settings.serviceName)
      f.warn(
        `run ${runId} ships under service '${service}', as its first step did (log store '${component.name}' has service_name '${settings.serviceName}' now)`,
      );
    const context: StreamContext = {
      runId,
      logId,
      logSource: opts.step ? 'step' : 'run',
      logStoreId: component.id,
      logStoreName: component.name,
      tags: [...settings.tags, ...opts.tags],
      service,
      serviceVersion: settings.serviceVersion,
      hostname: hostname(),
      source: settings.source,
      writer: randomBytes(6).toString('hex'),
      ...(opts.step ? { stepName: opts.step } : {}),
      ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
      ...ciAttributes(f, opts),
    };
    const logUri = destinationOf(settings).logUri?.(settings, runId, logId, context.writer);
    if (logUri !== undefined) context.logUri = logUri;
    return { settings, context, runId, firstSeq, opts };
  } catch (err) {
    // Flags were checked before; what fails here comes from config, env or secrets: the run could not start.
    if (err instanceof RunSetupError) throw err;
    if (err instanceof CliError)
      throw new RunSetupError(err.message, { ...(err.hint ? { hint: err.hint } : {}), cause: err });
    throw new RunSetupError(`cannot prepare the run: ${errorMessage(err)}`, { cause: err });
  }
}

/** The CI job's attributes, read once for the run (none outside CI or with --no-ci-tags), masked like the tags. */
function ciAttributes(f: Factory, opts: RunOptions): Pick<StreamContext, 'attributes'> {
  if (opts.ciTags === false) return {};
  const attributes = readCiMetadata(f.env);
  for (const key of Object.keys(attributes)) attributes[key] = f.io.redactor.redact(attributes[key]!);
  return Object.keys(attributes).length > 0 ? { attributes } : {};
}

/** One run, one log store: `logs --run-id` reads a run from the store its record names. */
export function checkSameLogStore(
  run: RunRecord | undefined,
  runId: string,
  logStore: { id: string; name: string },
): void {
  if (run === undefined || run.logStore.id === logStore.id) return;
  // The same name, another id: the store the run began with was deleted and this one registered under its name.
  if (run.logStore.name === logStore.name)
    throw new RunSetupError(
      `run '${runId}' ships to the log store that was named '${logStore.name}' when it began (id ${run.logStore.id}), ` +
        `not the '${logStore.name}' registered since (id ${logStore.id}): its steps must share one log store`,
      { hint: `give this step another --run-id` },
    );
  throw new RunSetupError(
    `run '${runId}' ships to log store '${run.logStore.name}', not '${logStore.name}': its steps must share one log store`,
    { hint: `add this step with --log-store ${run.logStore.name}, or give it another --run-id` },
  );
}
