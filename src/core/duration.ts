/** Durations given on the command line: `30s`, `1500ms`, `2m`, `1h`, or a bare number of seconds. */
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
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m)
    throw new UsageError(`${flag} must be a duration such as 30s, 2m or 1500ms, got '${raw}'`, {
      hint: `e.g. ${flag} ${example}`,
    });
  const ms = Math.round(Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000));
  if (ms > max) {
    throw new UsageError(`${flag} must be at most ${formatMax(max)}, got '${raw}'`, {
      hint: `use a duration from 0 to ${formatMax(max)}, e.g. ${flag} 30s`,
    });
  }
  return ms;
}

function formatMax(ms: number): string {
  return ms % UNITS.h! === 0 ? `${ms / UNITS.h!}h` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A point in time on the command line (`logs --since`, `runs list --since`): a duration back from now, or an ISO time. */
export function parseWhen(raw: string, flag: string, nowMs: number): number {
  // A bare number is seconds, as for every duration flag (Date.parse would take '7' for July 2001).
  if (/^\d+(\.\d+)?(ms|s|m|h|d)?$/.test(raw.trim())) return nowMs - parseDuration(raw, flag);
  const t = Date.parse(raw);
  if (Number.isNaN(t))
    throw new UsageError(`${flag} must be a duration (1h, 15m) or an ISO time, got '${raw}'`, {
      hint: `e.g. ${flag} 1h`,
    });
  return t;
}
