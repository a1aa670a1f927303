/**
 * `date.toISOString()`, the same text, without the first call's cost: V8 (Node 24 and 20) sets up the local time
 * zone on a Date's first formatting, ISO included (ICU reads /etc/localtime: ~1.4 ms of a `run` start, whose two
 * run-record times are its only dates; docs/performance.md, start-up). The UTC fields need no time zone.
 */
export function isoTime(date: Date): string {
  const year = date.getUTCFullYear();
  // Years outside 0-9999 are written with a sign and six digits, and an invalid date throws: Node's own for those.
  if (!(year >= 0 && year <= 9999)) return date.toISOString();
  return (
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.` +
    `${pad(date.getUTCMilliseconds(), 3)}Z`
  );
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
