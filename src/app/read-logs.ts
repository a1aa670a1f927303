/**
 * The work half of `logs`: read the run once (with --limit, completeness against the run record, --wait) or follow
 * it. Loaded lazily by logs.ts so `--help` never pays for the readers.
 */
import { join } from 'node:path';
import { escapeControlChars } from '../core/control-chars.js';
import { CliError, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, EXIT_OK, outputCutShort, SilentExit } from '../core/errors.js';
import type { Factory } from './factory.js';
import type { ResolvedLogStore } from './resolve-log-store.js';
import { createColor } from '../io/color.js';
import { createFrameTextPrinter } from '../query/frame-text.js';
import { totalCounts } from '../store/run-records.js';
import { stepStatus } from '../store/run-status.js';
import type { RunRecord, RunRecordStore } from '../store/run-records.js';
import { destinationOf } from '../destinations/index.js';
import { follow } from '../query/follow.js';
import { hasContentFilter } from '../query/log-entry.js';
import type { LogEntry, LogFilter } from '../query/log-entry.js';
import { createPrinter } from '../query/render.js';
import type { RunRead, RunReader } from '../query/run-reader.js';
import { DEFAULT_LOOKBACK_MS, runProgress, stepsInView } from '../query/run-scope.js';
import type { LogsFormat } from '../query/render.js';
import type { SearchFn } from '../destinations/datadog/reader.js';
import type { Interrupt } from '../query/system.js';
import { plural } from '../io/plural.js';
import { journalsOfWriters } from '../pipeline/journal.js';

export interface LogsOptions {
  runId?: string;
  /** --log-id: one stream (run, step) by `zenml.log.id`, as ZenML's dashboard reads it. */
  logId?: string;
  last: boolean;
  stack?: string;
  logStore?: string;
  filter: LogFilter;
  limit?: number;
  /** --tail N: the last N records (with --follow: the last N so far, then the new ones). */
  tail?: number;
  output: LogsFormat;
  /** --raw: text and table output keep a record's control characters (escaped otherwise). */
  raw?: boolean;
  follow: boolean;
  /** --wait: how long to wait for every delivered record to be indexed. */
  waitMs?: number;
  /** --interval; undefined: the store's default (its destination's `follow.intervalMs`). */
  intervalMs?: number;
  /** false with --no-exit. */
  exitWhenDone: boolean;
  /** --web: open the run in Datadog's Logs Explorer instead of reading it here. */
  web?: boolean;
}

/** What showLogs needs besides the Factory: waiting, Ctrl-C, and (for tests) the search call. */
export interface LogsDeps {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  listenForInterrupt(): Interrupt;
  search?: SearchFn;
}

interface Target {
  run: RunRecord | undefined;
  /** Undefined for `--log-id` of a stream no run record here knows (one ZenML shipped). */
  runId: string | undefined;
  runs: RunRecordStore;
  settings: ResolvedLogStore;
}

export async function readLogs(f: Factory, given: LogsOptions, d: LogsDeps, t: Target): Promise<void> {
  const followRules = destinationOf(t.settings).follow;
  const intervalMs = given.intervalMs ?? followRules.intervalMs;
  const opts: LogsOptions & { intervalMs: number } = { ...given, intervalMs };
  const interrupt = opts.follow || opts.waitMs !== undefined ? d.listenForInterrupt() : undefined;
  const signal = interrupt?.signal ?? new AbortController().signal;
  const notice = (line: string) => f.io.err(`${line}\n`);
  let run = t.run;
  const reader = await makeReader(f, t, d, signal, notice, () => run);
  const out = {
    write: (s: string) => f.io.outHeld(s),
    writeBytes: (bytes: Buffer, start: number, end: number): boolean => f.io.outHeldBytes(bytes, start, end),
    flush: () => f.io.flushOut(),
  };
  const printer = createPrinter(opts.output, out, createColor(f.io.colorOut), {
    raw: opts.raw === true,
  });
  // A follow runs until Ctrl-C: output that cannot be written (a full disk) ends it then, not at the end, and a
  // reader that went away (`logs --follow | head`) ends it quietly, exit 0, as `tail -f | head` does.
  const checkOutput = (): void => {
    const failure = f.io.outputFailure;
    if (failure !== undefined) throw outputCutShort(failure);
    if (f.io.stdoutClosed) throw new SilentExit(EXIT_OK);
  };
  const fail = (err: unknown): never => {
    throw reader.explainFailure?.(err) ?? err;
  };
  try {
    if (opts.follow) {
      const end = await follow(
        reader.followSource(opts.filter),
        {
          now: () => f.now().getTime(),
          // A stream reports a failed write a tick later, so it is looked at after each wait as well.
          sleep: async (ms, sleepSignal) => {
            await d.sleep(ms, sleepSignal);
            checkOutput();
          },
          signal,
          notice,
          print: (entries) => {
            printer.print(entries);
            f.io.flushOut();
            checkOutput();
          },
          progress: async () => {
            run = (await rereadRun(t)) ?? run;
            return runProgress(run, opts.filter.step, opts.filter.logId);
          },
        },
        {
          intervalMs: opts.intervalMs,
          // A record cannot be found before its batch is sent (up to schedule_delay_millis after it was read),
          // so new records are held that long (and what else the store needs) before printing: late ones still
          // print in order.
          holdMs: followRules.holdMs(t.settings, opts.intervalMs),
          exitWhenDone: opts.exitWhenDone,
          filter: opts.filter,
          countable: !hasContentFilter(opts.filter),
          giveUpMs: opts.waitMs ?? DEFAULT_GIVE_UP_MS,
          ...(opts.tail !== undefined ? { initialTail: opts.tail } : {}),
          isFatal: (err) => reader.isFatal?.(err) ?? false,
        },
      ).catch(fail);
      printer.end();
      if (end.kind === 'done' && run !== undefined) {
        spoolNote(f, run, opts.filter);
        // It ended because its dd-logstore was killed: said, as a read without --follow says it.
        if (wasInterrupted(run)) f.io.err(interruptedNote(f, run));
      }
      if (end.kind === 'incomplete')
        throw new CliError(
          `the run has ended but only ${end.seen} of its ${end.expected} delivered records were ${reader.arrivalWord}`,
          { hint: `see dd-logstore runs describe ${t.runId ?? ''}` },
        );
      return;
    }
    await readOnce(
      f,
      opts,
      d,
      t,
      reader,
      printer,
      signal,
      () => run,
      (r) => (run = r),
    ).catch(fail);
  } finally {
    interrupt?.dispose();
  }
}

const DEFAULT_GIVE_UP_MS = 5 * 60_000;

function rereadRun(t: Target): Promise<RunRecord | undefined> {
  return t.runId === undefined ? Promise.resolve(undefined) : t.runs.read(t.runId);
}

async function readOnce(
  f: Factory,
  opts: LogsOptions & { intervalMs: number },
  d: LogsDeps,
  t: Target,
  reader: RunReader,
  printer: ReturnType<typeof createPrinter>,
  signal: AbortSignal,
  getRun: () => RunRecord | undefined,
  setRun: (r: RunRecord | undefined) => void,
): Promise<void> {
  // A store that streams is never gathered: --tail keeps a ring of the last N records while it reads.
  if (reader.stream !== undefined && opts.waitMs === undefined) return streamOnce(f, opts, reader, printer, getRun());
  if (reader.readInOrder !== undefined && opts.waitMs === undefined)
    return readInOrderOnce(f, opts, reader, reader.readInOrder.bind(reader), printer, getRun());
  const started = f.now().getTime();
  const countFilter: LogFilter = {
    ...(opts.filter.step !== undefined ? { step: opts.filter.step } : {}),
    ...(opts.filter.logId !== undefined ? { logId: opts.filter.logId } : {}),
  };
  const countable = !hasContentFilter(opts.filter);
  let result: RunRead | undefined;
  let complete: Completeness = { ok: true, seen: 0, expected: 0, ended: true };
  for (;;) {
    const progress = runProgress(getRun(), opts.filter.step, opts.filter.logId);
    // With --wait, completeness is judged on the run's records (step kept), then the filters are applied.
    const checkOnly = opts.waitMs !== undefined && !countable;
    const read = checkOnly ? await reader.read(countFilter) : await reader.read(opts.filter, opts.limit);
    if (!checkOnly) result = read;
    complete = completeness(progress, read.entries.length);
    if (opts.waitMs === undefined || complete.ok || signal.aborted) break;
    const left = started + opts.waitMs - f.now().getTime();
    if (left <= 0) break;
    await d.sleep(Math.min(opts.intervalMs, left), signal);
    setRun((await rereadRun(t)) ?? getRun());
  }
  if (result === undefined) result = await reader.read(opts.filter, opts.limit);
  let entries = result.entries;
  const total = entries.length;
  if (opts.limit !== undefined && entries.length > opts.limit) entries = entries.slice(0, opts.limit);
  const tailed = opts.tail !== undefined && entries.length > opts.tail;
  if (opts.tail !== undefined && tailed) entries = entries.slice(entries.length - opts.tail);
  printer.print(entries);
  printer.end();
  const shown = { total, stoppedEarly: result.stoppedEarly, partial: result.partial };
  report(f, opts, reader, getRun(), shown, complete, signal.aborted);
}

interface Shown {
  /** Records read (de-duplicated, filtered), before --limit and --tail. */
  total: number;
  stoppedEarly: boolean;
  partial: boolean;
}

interface Completeness {
  ok: boolean;
  seen: number;
  expected: number;
  ended: boolean;
}

/** Completeness of a read against the run record (as it was when the read began). */
function completeness(progress: ReturnType<typeof runProgress>, seen: number): Completeness {
  return progress === undefined
    ? { ok: true, seen, expected: 0, ended: true }
    : { ok: progress.ended && seen >= progress.delivered, seen, expected: progress.delivered, ended: progress.ended };
}

/**
 * A read of a store whose pages come in order (Datadog), without --wait: records are printed a page at a time as
 * they settle, never gathered; --limit and --tail as readOnce applies them, and the same notices after.
 */
async function readInOrderOnce(
  f: Factory,
  opts: LogsOptions,
  reader: RunReader,
  readInOrder: NonNullable<RunReader['readInOrder']>,
  printer: ReturnType<typeof createPrinter>,
  run: RunRecord | undefined,
): Promise<void> {
  const progress = runProgress(run, opts.filter.step, opts.filter.logId);
  const out = createLimitedPrinter(printer, opts.limit, opts.tail);
  // jsonl lines may come as the page's bytes (no object per record): the jsonl printer is their only reader.
  const want = opts.output === 'jsonl' ? { jsonlLines: true } : undefined;
  const r = await readInOrder(opts.filter, out.take, opts.limit, want);
  out.end();
  const shown = { total: r.count, stoppedEarly: r.stoppedEarly, partial: r.partial };
  report(f, opts, reader, run, shown, completeness(progress, r.count));
}

/** The notices after a whole read: what --limit and --tail left out, and whether the run's records are all there. */
function report(
  f: Factory,
  opts: LogsOptions,
  reader: RunReader,
  run: RunRecord | undefined,
  shown: Shown,
  complete: Completeness,
  aborted = false,
): void {
  const { total } = shown;
  const capped = opts.limit !== undefined && (total > opts.limit || shown.stoppedEarly);
  const tailed = opts.tail !== undefined && Math.min(total, opts.limit ?? total) > opts.tail;
  if (tailed) f.io.err(`showing the last ${opts.tail} of ${total} records (drop --tail to see all)\n`);
  if (capped)
    f.io.err(
      shown.stoppedEarly
        ? `showing the first ${plural(opts.limit ?? 0, 'record')}; more exist (raise --limit to see more)\n`
        : `showing the first ${opts.limit} of ${total} records (raise --limit to see more)\n`,
    );
  if (run === undefined) {
    // A search without a run record (a run shipped from elsewhere) that found nothing: said, never silence.
    if (total === 0 && !aborted)
      f.io.err(
        hasContentFilter(opts.filter) || opts.filter.step !== undefined
          ? 'no records found that match the filters\n'
          : `no records found in the last ${DEFAULT_LOOKBACK_MS / 86_400_000} days (check the id; an older run: --since 30d)\n`,
      );
    return;
  }
  if (total === 0 && totalCounts(run).read === 0 && !run.steps.some((s) => s.endedAt === undefined)) {
    // Nothing to print is success, but never silence: say why (a command that was not found printed nothing).
    f.io.err(`${noRecordsWhy(run)}\n`);
    return;
  }
  if (!aborted && complete.ended) noMatchNote(f, opts, run, total);
  const tooFew = !hasContentFilter(opts.filter) && !capped && complete.seen < complete.expected;
  if (opts.waitMs !== undefined && !complete.ok && !aborted) {
    const why = !complete.ended
      ? `the run is still running after --wait=${opts.waitMs / 1000}s (${plural(complete.seen, 'record')} ${reader.arrivalWord} so far)`
      : `only ${complete.seen} of ${complete.expected} records ${reader.arrivalWord} after waiting ${opts.waitMs / 1000}s`;
    throw new CliError(why, {
      hint: 'wait longer with --wait=TIMEOUT, or see dd-logstore runs describe ' + (run.runId ?? ''),
    });
  }
  if (complete.ended) spoolNote(f, run, opts.filter);
  if (wasInterrupted(run)) f.io.err(interruptedNote(f, run));
  else if (!complete.ended) f.io.err('the run is still running; add --follow to keep reading\n');
  else if (tooFew)
    f.io.err(
      `${complete.seen} of ${complete.expected} records ${reader.arrivalWord} so far` +
        (reader.arrivalWord === 'indexed'
          ? ' (Datadog indexes with a delay; add --wait to wait for the rest)\n'
          : ' (add --wait to wait for the rest)\n'),
    );
  if (shown.partial) f.io.err('results may be partial (Datadog search timed out)\n');
}

/**
 * Text output of a store that hands out its frames (local, one stream): rendered from the frames' bytes, the same
 * output as printing entries. Undefined when it does not apply (another format, --tail, a read the store cannot do so).
 */
async function streamTextFromFrames(
  f: Factory,
  opts: LogsOptions,
  reader: RunReader,
): Promise<{ count: number; stoppedEarly: boolean } | undefined> {
  if (opts.output !== 'text' || opts.tail !== undefined || reader.streamFrames === undefined) return undefined;
  const text = createFrameTextPrinter(createColor(f.io.colorOut), { raw: opts.raw === true }, (b) => f.io.outBytes(b));
  const limit = opts.limit ?? Infinity;
  let printed = 0;
  const r = await reader.streamFrames(
    opts.filter,
    (bytes, span, step) => {
      // The store hands on one record past --limit (to tell that more exist): not printed.
      if (printed++ < limit) text.frame(bytes, span, step);
    },
    opts.limit,
  );
  text.flush();
  return r;
}

/**
 * A read of a store that streams (local): records are printed as they are read, never gathered; --tail N keeps the
 * last N in a ring while reading (memory bounded by N, not by the run).
 */
async function streamOnce(
  f: Factory,
  opts: LogsOptions,
  reader: RunReader,
  printer: ReturnType<typeof createPrinter>,
  run: RunRecord | undefined,
): Promise<void> {
  const stream = reader.stream as NonNullable<RunReader['stream']>;
  const { limit, tail } = opts;
  const out = createLimitedPrinter(printer, limit, tail);
  const r = (await streamTextFromFrames(f, opts, reader)) ?? (await stream(opts.filter, out.take, limit));
  out.end();
  if (r.stoppedEarly)
    f.io.err(`showing the first ${plural(limit ?? 0, 'record')}; more exist (raise --limit to see more)\n`);
  if (tail !== undefined && r.count > tail)
    f.io.err(`showing the last ${tail} of ${r.count} records (drop --tail to see all)\n`);
  if (run === undefined) return;
  if (r.count === 0 && totalCounts(run).read === 0 && !run.steps.some((s) => s.endedAt === undefined)) {
    // Nothing to print is success, but never silence: say why (a command that was not found printed nothing).
    f.io.err(`${noRecordsWhy(run)}\n`);
    return;
  }
  const progress = runProgress(run, opts.filter.step, opts.filter.logId);
  if (progress === undefined) return;
  // Killed before it could record its end: the store holds what it wrote (on the local store, all it showed).
  if (wasInterrupted(run)) f.io.err(interruptedNote(f, run));
  else if (!progress.ended) f.io.err('the run is still running; add --follow to keep reading\n');
  else if (hasContentFilter(opts.filter)) noMatchNote(f, opts, run, r.count);
  else if (!r.stoppedEarly && r.count < progress.delivered)
    // The run is over and the local store is read as it is on disk: waiting would not bring the rest.
    f.io.err(
      `${r.count} of ${progress.delivered} records ${reader.arrivalWord}: the rest could not be read back (see the warnings above, and dd-logstore runs describe ${run.runId})\n`,
    );
}

/**
 * Prints records as they come, as --limit or --tail (never both) allows: the first `limit` of them, or the last
 * `tail` kept in a ring and printed at the end (memory bounded by N, not by the run).
 */
function createLimitedPrinter(
  printer: ReturnType<typeof createPrinter>,
  limit: number | undefined,
  tail: number | undefined,
): { take(entries: LogEntry[]): void; end(): void } {
  const ring = tail === undefined ? undefined : createRing<LogEntry>(tail);
  let printed = 0;
  return {
    take(entries) {
      if (ring !== undefined) return ring.push(entries);
      const room = limit === undefined ? entries.length : limit - printed;
      if (room <= 0) return;
      const part = entries.length > room ? entries.slice(0, room) : entries;
      printed += part.length;
      printer.print(part);
    },
    end() {
      if (ring !== undefined) printer.print(ring.items());
      printer.end();
    },
  };
}

/** The last `size` items pushed, oldest first. */
function createRing<T>(size: number): { push(items: readonly T[]): void; items(): T[] } {
  const slots: T[] = [];
  let pushed = 0;
  return {
    push(items) {
      if (size === 0) return;
      for (const item of items) slots[pushed++ % size] = item;
    },
    items: () => (pushed <= size ? slots : [...slots.slice(pushed % size), ...slots.slice(0, pushed % size)]),
  };
}

/** Why an ended run has no records, from how its steps ended: `run X has no records: ... (exit 127)`. */
export function noRecordsWhy(run: RunRecord): string {
  const how = run.steps.map((s) => {
    const name = s.name === null ? '' : `step ${s.name}: `;
    const cmd = s.argv[0] ?? '';
    if (s.signal) return `${name}${cmd} was killed by ${s.signal} before printing anything`;
    if (s.exitCode === EXIT_NOT_FOUND) return `${name}command not found: ${cmd} (exit 127)`;
    if (s.exitCode === EXIT_NOT_EXECUTABLE) return `${name}${cmd} is not executable (exit 126)`;
    return `${name}${cmd} printed nothing (exit ${s.exitCode ?? '?'})`;
  });
  // A step name or command can hold anything (`--step $'a\n\e]0;x\a'`): shown escaped, never written raw.
  return escapeControlChars(`run ${run.runId} has no records: ${how.join('; ') || 'it has no steps'}`);
}

async function makeReader(
  f: Factory,
  t: Target,
  d: LogsDeps,
  signal: AbortSignal,
  notice: (line: string) => void,
  run: () => RunRecord | undefined,
): Promise<RunReader> {
  const reader = await destinationOf(t.settings).createRunReader?.(t.settings, {
    runId: t.runId,
    sleep: d.sleep,
    notice,
    warn: (line) => f.warn(line),
    signal,
    now: () => f.now().getTime(),
    run,
    ...(d.search ? { search: d.search } : {}),
  });
  if (!reader) throw new CliError(`log store '${t.settings.component.name}' cannot be read back`);
  return reader;
}

/**
 * Filters that match nothing print nothing on stdout (a script's empty result); a person is told why on stderr, as
 * kubectl says "No resources found".
 */
function noMatchNote(f: Factory, opts: LogsOptions, run: RunRecord, count: number): void {
  if (count === 0 && hasContentFilter(opts.filter))
    f.io.err(`no records of run ${run.runId} match the filters (widen or drop --level, --grep, --since, --until)\n`);
}

/** Records `run` could not deliver are in the spool, not in the store: never read back as if they did not exist. */
function spoolNote(f: Factory, run: RunRecord, filter: LogFilter): void {
  const spooled = stepsInView(run, filter.step, filter.logId).reduce((n, s) => n + s.counts.spooled, 0);
  if (spooled > 0)
    f.io.err(
      `${plural(spooled, 'record')} of run ${run.runId} ${spooled === 1 ? 'was' : 'were'} never delivered: ${spooled === 1 ? 'it is' : 'they are'} in the spool (resend: dd-logstore flush, then read again)\n`,
    );
}

/**
 * A killed step of a remote log store delivered what its acknowledged batches held; the rest of what it read waits
 * in its journal until a `flush` (runs describe says so too). Said, so that a short read is not taken for all.
 */
function interruptedNote(f: Factory, run: RunRecord): string {
  const writers = run.steps.flatMap((s) =>
    s.endedAt === undefined && s.writer !== undefined && stepStatus(s) === 'interrupted' ? [s.writer] : [],
  );
  const waiting = journalsOfWriters(join(f.paths().spool, run.logStore.id), writers).length > 0;
  return waiting
    ? 'the run was interrupted (dd-logstore was killed before it ended): these are the records it delivered; the rest of what it read waits in its journal (deliver it with dd-logstore flush, then read again)\n'
    : 'the run was interrupted (dd-logstore was killed before it ended): these are the records it wrote\n';
}

/** A step never recorded its end and its dd-logstore is gone (killed, out of memory, a reboot). */
function wasInterrupted(run: RunRecord): boolean {
  return run.steps.some((s) => s.endedAt === undefined && stepStatus(s) === 'interrupted');
}
