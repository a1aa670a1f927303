/** Datadog's `from` / `to`: epoch milliseconds, ISO-8601, or date math relative to now (`now`, `now-15m`, `now+1h`). */
const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  M: 30 * 86_400_000,
  y: 365 * 86_400_000,
};

const DATE_MATH = /^now(?:([+-])(\d+)([smhdwMy]))?$/;

/** A date-time with no `Z` or `+hh:mm` offset: Datadog reads it as UTC, where `Date.parse` would take local time. */
const NO_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** Epoch ms of an ISO-8601 time, UTC unless it names an offset; NaN when it is not one. */
export function parseIsoUtc(s: string): number {
  return Date.parse(NO_OFFSET.test(s) ? `${s.replace(' ', 'T')}Z` : s);
}

/** Epoch ms for a `from`/`to` value, or undefined when it cannot be read. */
export function parseDatadogTime(value: unknown, now: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const m = DATE_MATH.exec(s);
  if (m) {
    if (m[1] === undefined) return now;
    const delta = Number(m[2]) * (UNIT_MS[m[3] as string] as number);
    return m[1] === '-' ? now - delta : now + delta;
  }
  const t = parseIsoUtc(s);
  return Number.isNaN(t) ? undefined : t;
}
