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
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}
