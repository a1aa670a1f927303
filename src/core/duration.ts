/**
 * Durations given on the command line: `30s`, `1500ms`, `2m`, `1h`, `1h30m` (Go's and kubectl's compound form), or a
 * bare number of seconds.
 */
import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The longest wait a flag can ask for. Node's timers hold at most 2^31-1 ms (24.8 days) and fire after 1 ms past
 * that (TimeoutOverflowWarning): `--flush-timeout 30d` would spool everything at once. A day is far past any use.
 */
export const MAX_WAIT_MS = 86_400_000;

/**
 * `max` bounds a duration that becomes a timer; one that only measures back in time (`--since 30d`) has none.
 * `example` is the value the error suggests: one that makes sense for the flag (`runs prune --older-than 30s` would
 * delete nearly every run).
 */
export function parseDuration(raw: string, flag: string, max = Infinity, example = '30s'): number {
  const ms = durationMs(raw.trim());
  if (ms === undefined)
    throw new UsageError(`${flag} must be a duration such as 30s, 2m, 1h30m or 1500ms, got '${raw}'`, {
      hint: `e.g. ${flag} ${example}`,
    });
  if (ms > max) {
    throw new UsageError(`${flag} must be at most ${formatMax(max)}, got '${raw}'`, {
      hint: `use a duration from 0 to ${formatMax(max)}, e.g. ${flag} 30s`,
    });
  }
  return ms;
}

const BARE = /^\d+(?:\.\d+)?$/;
const COMPOUND = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Milliseconds of `30s`, `1h30m`, or a bare number of seconds; undefined when it is none of those. */
function durationMs(text: string): number | undefined {
  if (BARE.test(text)) return Math.round(Number(text) * 1000);
  if (!COMPOUND.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(PART)) ms += Number(n) * UNITS[unit!]!;
  return Math.round(ms);
}

/**
 * A bare number this large is a Unix time, not seconds back (1e9 s is 31 years): seconds, or milliseconds from 1e11
 * on (as `date +%s` and `date +%s%3N` print them; docker's `--since` takes the first).
 */
const UNIX_SECONDS_FROM = 1e9;
const UNIX_MILLISECONDS_FROM = 1e11;

function formatMax(ms: number): string {
  return ms % UNITS.h! === 0 ? `${ms / UNITS.h!}h` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A point in time on the command line (`logs --since`, `runs list --since`): a duration back from now, or an ISO time. */
export function parseWhen(raw: string, flag: string, nowMs: number): number {
  const text = raw.trim();
  if (BARE.test(text)) {
    const n = Number(text);
    if (n >= UNIX_MILLISECONDS_FROM) return Math.round(n);
    if (n >= UNIX_SECONDS_FROM) return Math.round(n * 1000);
  }
  // A bare number is seconds, as for every duration flag (Date.parse would take '7' for July 2001).
  const back = durationMs(text);
  if (back !== undefined) return nowMs - back;
  const t = Date.parse(raw);
  if (Number.isNaN(t))
    throw new UsageError(`${flag} must be a duration (1h, 15m, 1h30m), an ISO time or a Unix time, got '${raw}'`, {
      hint: `e.g. ${flag} 1h`,
    });
  return t;
}
