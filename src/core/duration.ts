/** Durations given on the command line: `30s`, `1500ms`, `2m`, `1h`, or a bare number of seconds. */
import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(raw: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m)
    throw new UsageError(`${flag} must be a duration such as 30s, 2m or 1500ms, got '${raw}'`, {
      hint: `e.g. ${flag} 30s`,
    });
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000));
}
