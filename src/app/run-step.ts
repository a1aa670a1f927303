/**
 * The `run` use case: resolve the log store before the child starts (exit 125 when that
 * fails), run the child with its output passed through live, turn that output into records, ship them, and exit
 * with the child's status whatever happened to shipping. `run` never writes to stdout: the child owns it.
 */
import type { Transport } from '../core/http/transport.js';
import { join } from 'node:path';
import { RunSetupError, UsageError, errorMessage, formatErrorLine } from '../core/errors.js';
import type { Factory } from './factory.js';
import { checkSameLogStore, prepare } from './prepare-run.js';
import type { Prepared, RunOptions } from './prepare-run.js';

export type { RunOptions } from './prepare-run.js';
import { ORIGINAL_TIMESTAMP } from '../core/log-record.js';
import { isoTime } from '../core/iso-time.js';
import { BUSY_RUN_BYTES, tuneJitForBusyRun } from '../core/jit-tuning.js';
import { destinationOf } from '../destinations/index.js';
import type { LogRecordData } from '../core/log-record.js';
import { currentOwner } from '../store/process-owner.js';
import { createRunRecordStore, emptyCounts, recordCountsOf, widenRecordRange } from '../store/run-records.js';
import type { RunRecord } from '../store/run-records.js';
import { describeAuthError, printRunReport } from './run-report.js';
import { startFlushWaitNotice } from './flush-wait-notice.js';
import { capturingRun } from '../runner/child-env.js';
import { outputSharing } from '../runner/merged-output.js';
import { sigintReachedCommand } from '../runner/terminal-sigint.js';
import { closeFifoPipes, openFifoPipesAsync } from '../runner/child-pipes.js';
import { DEFAULT_BATCHING } from '../pipeline/batching-processor.js';
import { startRunProgress } from './run-progress.js';

async function loadRunModules() {
  const [sink, builder, child, spool, flush, journal, direct] = await Promise.all([
    import('../pipeline/log-sink.js'),
    import('../runner/record-builder.js'),
    import('../runner/child.js'),
    import('../pipeline/spool.js'),
    import('./flush-spool.js'),
    import('../pipeline/journal.js'),
    import('../pipeline/direct-sink.js'),
  ]);
  return {
    createLogSink: sink.createLogSink,
    createRecordBuilder: builder.createRecordBuilder,
    startChild: child.startChild,
    PIPE_DRAIN_TIMEOUT_MS: child.PIPE_DRAIN_TIMEOUT_MS,
    PIPE_READ_LIMIT_MS: child.PIPE_READ_LIMIT_MS,
    createSpoolWriter: spool.createSpoolWriter,
    drainSpoolInBackground: flush.drainSpoolInBackground,
    createJournalWriter: journal.createJournalWriter,
    createDirectSink: direct.createDirectSink,
  };
}

export async function runCommand(f: Factory, opts: RunOptions): Promise<number> {
  const [command, ...args] = opts.command;
  if (command === undefined || command === '')
    throw new UsageError('run needs a command', { hint: 'dd-logstore run -- COMMAND [ARGS...]' });
  // The run's modules load while the config is read and the secrets resolved: start-up is one wait, not two.
  const loading = loadRunModules();
  loading.catch(() => undefined);
  const fifos = openFifoPipesAsync();
  let prepared: Prepared;
  try {
    prepared = await prepare(f, opts);
  } catch (err) {
    // Awaited: the process exits right after the error, and a `mkfifo` still running would leave its directory.
    await fifos.then(closeFifoPipes);
    throw err;
  }
  const { settings, context, runId } = prepared;
  opts = prepared.opts;
  const outer = capturingRun(f.env);
  if (outer !== undefined) {
    // Our output goes to an outer `run`'s pipe: it records these lines too, as its own.
    f.warn(
      `this run is inside another dd-logstore run (${outer}), which records its output too: every line is stored ` +
        'twice (here, and in the outer run); run the steps one after another under one DD_LOGSTORE_RUN_ID instead ' +
        'of nesting them (docs/ci.md)',
    );
  }
  const {
    createLogSink,
    createRecordBuilder,
    startChild,
    createSpoolWriter,
    drainSpoolInBackground,
    createJournalWriter,
    createDirectSink,
    PIPE_DRAIN_TIMEOUT_MS,
    PIPE_READ_LIMIT_MS,
  } = await loading;

  const spoolDir = join(f.paths().spool, settings.component.id);
  const spoolWriter = createSpoolWriter({ dir: spoolDir, runId, logId: context.logId });
  // Why records were spooled can quote the intake's answer, which can quote what we sent: masked like any output.
  const spool: typeof spoolWriter = {
    ...spoolWriter,
    append: (items, reason) => spoolWriter.append(items, f.io.redactor.redact(reason)),
  };
  // The remote flavors write every record to the run's journal before shipping it: what is not acknowledged by the
  // end (or when we are killed) stays there, and that is the spool. Without a journal (a disk that refuses it), the
  // older spool file keeps what is not delivered.
  // DD_LOGSTORE_BENCH_NO_JOURNAL=1 is for `npm run bench` alone: it measures what the journal costs (docs/performance.md).
  const journal =
    !destinationOf(settings).journaled || f.env.DD_LOGSTORE_BENCH_NO_JOURNAL === '1'
      ? undefined
      : createJournalWriter({
          spoolDir,
          context: { ...context, writer: context.writer as string },
          // Also the bench's alone: the journal's own time on this thread, written to this file at the end.
          ...(f.env.DD_LOGSTORE_BENCH_JOURNAL_CLOCK ? { clockFile: f.env.DD_LOGSTORE_BENCH_JOURNAL_CLOCK } : {}),
        });
  if (journal !== undefined && !journal.healthy)
    f.warn(
      `cannot write the journal in ${journal.dir} (${journal.error ?? 'unknown error'}): if dd-logstore is killed, the lines not yet delivered are lost`,
    );
  const journaling = journal !== undefined && journal.healthy ? journal : undefined;
  const journalSpool = journaling && {
    // The records are in the journal already: spooling them is remembering why. A journal that failed since keeps
    // nothing more, and those records count as failed.
    append: (_items: readonly string[], reason: string) => {
      journaling.noteReason(f.io.redactor.redact(reason));
      return journaling.healthy;
    },
  };
  const destination = destinationOf(settings);
  const checkAnswers = destination.checkAnswers;
  // A destination that writes records itself (local segments) gets each chunk's records at once: its journal.
  const recordWriter = destination.createRecordWriter?.(settings, { ...context, writer: context.writer as string });
  const direct = recordWriter && createDirectSink({ writer: recordWriter, spool });
  const sink =
    direct ??
    createLogSink({
      createExporter: (transport) => destination.createExporter(settings, context, transport),
      ...(checkAnswers ? { checkAnswers: (inner: Transport) => checkAnswers(settings, inner) } : {}),
      spool: journalSpool ?? spool,
      ...(journaling ? { journal: journaling } : {}),
      overflow: opts.onOverflow ?? 'spool',
      batching: destination.batching({
        ...DEFAULT_BATCHING,
        maxExportBatchSize: settings.batching.maxExportBatchSize,
        maxQueueSize: settings.batching.maxQueueSize,
        scheduleDelayMillis: settings.batching.scheduleDelayMillis,
      }),
      exportTimeoutMs: settings.batching.exportTimeoutMillis,
    });
  // Earlier runs' spool, resent in the background while this one runs; stopped once this run has flushed.
  const drainStop = new AbortController();
  const draining = drainSpoolInBackground(
    spoolDir,
    f.paths().runs,
    settings,
    drainStop.signal,
    (m) => f.warn(m),
    (t) => f.io.redactor.redact(t),
    journaling?.dir,
  );

  const runs = createRunRecordStore(f.paths().runs);
  const startedAt = isoTime(f.now());
  const maskedArgv = opts.command.map((a) => f.io.redactor.redact(a));
  const stepName = opts.step ?? null;
  let recordError: string | undefined;
  try {
    await runs.update(runId, (current): RunRecord => {
      // Again under the run's lock: a first step of the same run id may have started meanwhile elsewhere.
      checkSameLogStore(current, runId, settings.component);
      const run: RunRecord = current ?? {
        runId,
        logStore: {
          id: settings.component.id,
          name: settings.component.name,
          flavor: settings.component.flavor,
          // Not one resolved from a secret reference: a run record holds no secret.
          ...(String(settings.component.config.service_name ?? '').includes('{{')
            ? {}
            : { service: settings.serviceName }),
        },
        createdAt: startedAt,
        updatedAt: startedAt,
        steps: [],
        ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
      };
      run.updatedAt = startedAt;
      run.steps.push({
        name: stepName,
        logId: context.logId,
        argv: maskedArgv,
        cwd: process.cwd(),
        ...(opts.tags.length > 0 ? { tags: opts.tags } : {}),
        startedAt,
        counts: emptyCounts(),
        writer: context.writer as string,
        owner: currentOwner(),
        ...(context.logUri ? { logUri: context.logUri } : {}),
      });
      return run;
    });
  } catch (err) {
    if (err instanceof RunSetupError) {
      // The step could not be recorded (another log store holds the run id): nothing started, nothing left running.
      drainStop.abort();
      await fifos.then(closeFifoPipes);
      throw err;
    }
    // A full disk, a read-only home, an unwritable runs/: the user's job comes first. It runs; the record is a
    // warning, and what is counted is reported below all the same.
    recordError = errorMessage(err);
    f.warn(
      `cannot write the run record in ${f.paths().runs} (${recordError}): the command runs anyway; runs list and logs ` +
        'will not know this step',
    );
  }
  const progress =
    recordError === undefined
      ? startRunProgress({
          runs,
          runId,
          logId: context.logId,
          writer: context.writer as string,
          counts: () => sink.counts(),
          now: () => f.now(),
        })
      : undefined;

  let paused = false;
  const redactor = f.io.redactor;
  // Datadog silently drops a log older than 18 h or over 2 h ahead: a JSON line stamped like that goes out with the
  // time it was read, its own kept in dd_logstore.original_timestamp. The bounds move with a clock read once a second.
  const window = destination.timeWindow;
  let clock = Date.now();
  let earliest = Infinity;
  let latest = -Infinity;
  const control = { pause: () => {}, resume: () => {} };
  const builder = createRecordBuilder({
    stderrLevel: opts.stderrLevel,
    now: Date.now,
    firstSeq: prepared.firstSeq,
    // The journal writes lines that became records as they came, as their bytes (no encoding).
    rawLines: journaling !== undefined,
    // A secret the log store resolved (the API key, say) that the child prints is masked in the record too.
    mask:
      redactor.size > 0
        ? {
            text: (t) => redactor.redactIfPresent(t),
            deep: (v) => redactor.redactDeepIfPresent(v),
            cut: (t) => redactor.safeCut(t),
          }
        : undefined,
    onRecord: (record) => {
      if (window && (record.timestamp < clock - window.maxAgeMs || record.timestamp > clock + window.maxLeadMs)) {
        record.attributes = { ...record.attributes, [ORIGINAL_TIMESTAMP]: record.timestamp };
        record.timestamp = Date.now();
      }
      // Readers search the run's time window: records timed outside it widen it (recordsFrom/recordsTo).
      if (record.timestamp < earliest) earliest = record.timestamp;
      if (record.timestamp > latest) latest = record.timestamp;
      if (journaling || direct) pending.push(record);
      else ship(record);
    },
  });
  /** A chunk's records go to the journal (or the writing destination) in one write: journaled before counted. */
  const pending: LogRecordData[] = [];
  const flushPending = (): void => {
    if (pending.length === 0) return;
    if (direct) direct.write(pending);
    else if (journaling) {
      journaling.append(pending, builder.rawLines);
      pending.forEach(ship);
    }
    pending.length = 0;
  };
  function ship(record: LogRecordData): void {
    if (!sink.emit(record) && !paused) {
      // The queue is full: stop reading the child until it drains (the child blocks on its write; nothing is lost).
      paused = true;
      control.pause();
      void sink.drain().then(() => {
        paused = false;
        control.resume();
      });
    }
  }
  const ticker = setInterval(() => {
    clock = Date.now();
    builder.tick();
    flushPending();
    journaling?.heartbeat();
    direct?.tick();
  }, 1000);
  ticker.unref();

  // A child that writes this much is likely to write a lot more: V8 is tuned for it (core/jit-tuning.ts).
  let untilTuned = BUSY_RUN_BYTES;
  const pairs = await fifos;
  const sharing = outputSharing(f.io.rawStdout, f.io.rawStderr);
  const running = startChild({
    fifos: { pairs },
    command,
    args,
    env: f.env,
    runId,
    step: opts.step,
    stdout: f.io.rawStdout,
    stderr: f.io.rawStderr,
    // `run ... > out 2>&1`: one pipe for both, so the child's lines keep their order (docs/run.md).
    merged: sharing === 'merged',
    onChunk: (stream, chunk) => {
      if (untilTuned > 0 && (untilTuned -= chunk.length) <= 0) tuneJitForBusyRun();
      // Where our notes go: a note after `downloading 50%` (no newline) starts a line of its own.
      if (chunk.length > 0 && (stream !== 'stdout' || sharing !== 'apart'))
        f.io.errMidLine = chunk[chunk.length - 1] !== 0x0a;
      builder.push(stream, chunk);
      flushPending();
    },
    signals: process,
    sigintReachedChild: (pid) => sigintReachedCommand(pid, f.io.stdinIsTTY),
    ...(opts.killAfterMs === undefined ? {} : { killAfterMs: opts.killAfterMs }),
    // Our own stdout and stderr: a background process still writing when we stop reading keeps them.
    passThroughFds: [1, 2],
    onNote: (m) => f.warn(m),
  });
  control.pause = running.pause;
  control.resume = running.resume;
  const result = await running.done;
  if (result.pipesAbandoned) {
    const after =
      result.pipesAbandoned === 'handed-off'
        ? 'still reaches this terminal (or file) but is not recorded'
        : 'is neither shown nor recorded';
    f.warn(
      'the command exited, but a process it started (in the background?) still holds its output open: dd-logstore ' +
        `stopped reading after ${PIPE_DRAIN_TIMEOUT_MS / 1000} s of silence or ${PIPE_READ_LIMIT_MS / 1000} s in ` +
        `all, so what that process prints from now on ${after} (wait for it in the command, or redirect its output)`,
    );
  }
  clearInterval(ticker);
  builder.end();
  flushPending();

  // The child is gone; a Ctrl-C (or SIGTERM) while we flush stops the wait and spools what is left.
  const onSecondSignal = (): void => {
    sink.interrupt();
    drainStop.abort();
  };
  process.on('SIGINT', onSecondSignal);
  process.on('SIGTERM', onSecondSignal);
  const flushStarted = Date.now();
  const notice = startFlushWaitNotice({
    io: f.io,
    timeoutMs: opts.flushTimeoutMs,
    quiet: opts.quiet,
    waiting: () => {
      const c = sink.counts();
      return c.read - c.delivered - c.spooled - c.dropped - c.failed;
    },
    delivered: () => sink.counts().delivered,
    problem: () => {
      const e = sink.firstErrors();
      return (e.retryable ?? e.failure)?.message;
    },
  });
  const counts = await sink.shutdown(opts.flushTimeoutMs);
  notice.stop();
  const flushMs = Date.now() - flushStarted;
  drainStop.abort();
  const drained = await draining;
  process.off('SIGINT', onSecondSignal);
  process.off('SIGTERM', onSecondSignal);
  let spoolError = spool.lastError();
  try {
    spool.close();
  } catch (err) {
    spoolError ??= errorMessage(err);
  }
  if (journal !== undefined) {
    try {
      journal.finish();
    } catch (err) {
      spoolError ??= errorMessage(err);
    }
    if (journaling !== undefined && !journaling.healthy) spoolError ??= journaling.error;
  }

  const auth = sink.authFailure();
  const errors = sink.firstErrors();
  const authError = auth ? errors.failure : undefined;
  const errorText = authError ? describeAuthError(authError, counts.spooled, settings) : undefined;
  const endedAt = isoTime(f.now());
  const finalCounts = recordCountsOf(counts);
  const firstProblem = errors.retryable ?? errors.failure;
  let finalRun: RunRecord | undefined;
  // A counts write in flight would land after the final one otherwise.
  await progress?.stop();
  try {
    if (recordError !== undefined) throw new Error(recordError);
    finalRun = await runs.update(runId, (current) => {
      if (current === undefined) throw new Error('the run record is gone');
      const run = current;
      run.updatedAt = endedAt;
      const step = [...run.steps]
        .reverse()
        .find((s) => s.logId === context.logId && s.startedAt === startedAt && s.endedAt === undefined);
      if (step) {
        step.endedAt = endedAt;
        delete step.seenAt; // its end says more
        step.exitCode = result.exitCode;
        if (result.signal) step.signal = result.signal;
        if (result.killedAfter !== undefined) step.killedAfter = result.killedAfter;
        step.counts = finalCounts;
        step.nextSeq = prepared.firstSeq + builder.count;
        const stepError = errorText ?? firstProblem?.message;
        if (stepError) step.error = f.io.redactor.redact(stepError);
        if (latest >= earliest) widenRecordRange(step, earliest, latest);
      }
      return run;
    });
  } catch (err) {
    // Never the exit code: the counts below still say what was kept and what was lost.
    if (recordError === undefined)
      f.warn(
        `cannot update the run record in ${f.paths().runs} (${errorMessage(err)}); the counts below are the run's`,
      );
  }

  if (result.error) f.io.err(formatErrorLine(result.error) + '\n');
  printRunReport(f.io, {
    runId,
    step: opts.step,
    quiet: opts.quiet,
    counts: finalCounts,
    reasons: sink.reasons(),
    flushMs,
    errorText,
    firstProblem: firstProblem && !authError ? firstProblem.message : undefined,
    spoolDir,
    spoolError,
    drained,
    logStore: settings.component.name,
    flavor: settings.flavor,
    // The link is part of the summary line, which --quiet leaves out: not built then.
    logsUrl: opts.quiet
      ? undefined
      : destinationOf(settings).webUrl?.(settings.component, { runId, run: finalRun, nowMs: Date.now() }),
  });
  // A delivered journal is removed on the thread pool meanwhile (journal.ts finish): done before we exit.
  await journal?.removed();
  return result.exitCode;
}
