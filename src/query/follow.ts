/**
 * The follow loop behind `logs --follow` / `logs tail`: poll a source every interval, keep each record once, print
 * new ones in (timestamp, seq) order, and stop by itself once the run has ended and every delivered record was seen.
 * Time, waiting and Ctrl-C are injected (gh `run watch`), so tests drive it without sleeping.
 */
import { compareEntries, createEntrySet, matchesFilter } from './log-entry.js';
import type { LogEntry, LogFilter } from './log-entry.js';

export interface FollowSource {
  /**
   * Records that may be new (repeats are fine: the loop de-duplicates). `full`: look at the whole run again, not
   * only the recent window (used when the run has ended and records are still missing). Throws on failure.
   */
  poll(full: boolean): Promise<LogEntry[]>;
}

/** What the run record says now. */
export interface RunProgress {
  /** Every step of the run has ended. */
  ended: boolean;
  /** Epoch ms of the last step end, when ended. */
  endedAt: number | undefined;
  /** Records delivered by the steps in view, when ended. */
  delivered: number;
}

export interface FollowDeps {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Aborted on Ctrl-C: the loop prints what it holds and returns 'interrupted'. */
  signal: AbortSignal;
  notice(line: string): void;
  print(entries: readonly LogEntry[]): void;
  /** Undefined while there is no run record yet (tail started before the run). */
  progress(): Promise<RunProgress | undefined>;
}

export interface FollowOptions {
  intervalMs: number;
  /** New records are held this long past their timestamp so late arrivals still print in order. */
  holdMs: number;
  /** false: `--no-exit`, keep polling after the run ended. */
  exitWhenDone: boolean;
  filter: LogFilter;
  /** The filter keeps every record of the steps in view, so seen records can be counted against `delivered`. */
  countable: boolean;
  /** After the run ended, give up waiting for missing records after this long (then 'incomplete'). */
  giveUpMs: number;
  /** --tail N: of the records the first poll finds, only the last N are printed (the rest count as seen). */
  initialTail?: number;
  /** Errors that end the follow (a rejected key) instead of costing one interval. */
  isFatal?: (err: unknown) => boolean;
}

export type FollowEnd =
  { kind: 'done' | 'interrupted'; seen: number } | { kind: 'incomplete'; seen: number; expected: number };

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The hold grows with the lag seen, up to this: a record spooled and resent much later must not stall the tail. */
export const MAX_HOLD_MS = 15_000;
/** Each poll, the lag remembered decays by this factor, so a burst of slow deliveries does not slow the tail for good. */
const LAG_DECAY = 0.9;
/** A writer slowed by load is slowed unevenly: the hold leaves half the lag seen again for the records still coming. */
const LAG_HEADROOM = 1.5;

export async function follow(source: FollowSource, deps: FollowDeps, opts: FollowOptions): Promise<FollowEnd> {
  const seen = createEntrySet();
  let pending: LogEntry[] = [];
  let failing = false;
  let firstPoll = true;
  /**
   * When the last poll that answered started: every record stored before then has been seen. Held records are
   * released only up to this (less the hold), so a failed poll never lets a later record print before an earlier
   * one that was stored while the store could not be read.
   */
  let seenUpTo = Number.NEGATIVE_INFINITY;
  /**
   * How late records show up: the largest (previous poll's start - timestamp) of records new to a poll, decaying. The fixed hold
   * assumes a writer that ships within its schedule; a starved writer on a loaded machine (or a slow intake) delivers
   * later than that, and a record released before an earlier one is stored prints out of order. So the hold is at
   * least the lag seen, with headroom (`logs tail` then prints later, not out of order). The first poll's backlog says nothing.
   */
  let lag = 0;
  const hold = (): number => Math.max(opts.holdMs, Math.min(MAX_HOLD_MS, lag * LAG_HEADROOM));
  const release = (upTo: number): void => {
    if (pending.length === 0) return;
    const ready: LogEntry[] = [];
    const keep: LogEntry[] = [];
    for (const e of pending) (e.timestamp <= upTo ? ready : keep).push(e);
    pending = keep;
    if (ready.length > 0) deps.print(ready.sort(compareEntries));
  };
  while (!deps.signal.aborted) {
    const pollStarted = deps.now();
    let progress: RunProgress | undefined;
    try {
      progress = await deps.progress();
    } catch (err) {
      deps.notice(`cannot read the run record: ${errorText(err)}`);
    }
    const ended = progress?.ended === true;
    const missing = ended && opts.countable && seen.size < (progress?.delivered ?? 0);
    let fresh: LogEntry[] = [];
    try {
      const polled = await source.poll(missing);
      if (deps.signal.aborted) break;
      fresh = seen.addNew(polled.filter((e) => matchesFilter(e, opts.filter)));
      if (failing) deps.notice('reading again');
      failing = false;
    } catch (err) {
      if (deps.signal.aborted) break;
      if (opts.isFatal?.(err)) throw err;
      // Keep going: a network error or an exhausted retry costs one interval, never the follow.
      deps.notice(`poll failed (${errorText(err)}); trying again in ${opts.intervalMs / 1000}s`);
      failing = true;
    }
    if (firstPoll && opts.initialTail !== undefined && !failing) {
      fresh = fresh.sort(compareEntries).slice(Math.max(0, fresh.length - opts.initialTail));
    }
    if (!failing) {
      lag *= LAG_DECAY;
      // A record new to this poll was not there when the previous one started: it took at least that long.
      if (!firstPoll) for (const e of fresh) lag = Math.max(lag, seenUpTo - e.timestamp);
      firstPoll = false;
      seenUpTo = pollStarted;
    }
    for (const e of fresh) pending.push(e);
    const now = deps.now();
    const endedAt = progress?.endedAt ?? 0;
    const done =
      ended &&
      !failing &&
      (opts.countable
        ? seen.size >= (progress?.delivered ?? 0)
        : fresh.length === 0 && pollStarted >= endedAt + hold());
    release(done ? Number.POSITIVE_INFINITY : Math.min(now, seenUpTo) - hold());
    if (done && opts.exitWhenDone) return { kind: 'done', seen: seen.size };
    if (ended && !done && opts.exitWhenDone && opts.countable && now - endedAt > opts.giveUpMs) {
      release(Number.POSITIVE_INFINITY);
      return { kind: 'incomplete', seen: seen.size, expected: progress?.delivered ?? 0 };
    }
    await deps.sleep(opts.intervalMs, deps.signal);
  }
  release(Number.POSITIVE_INFINITY);
  return { kind: 'interrupted', seen: seen.size };
}
