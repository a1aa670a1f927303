/**
 * Datadog's status remapper, as documented for the log status: the first letters decide (`emerg`/`f` emergency,
 * `a` alert, `c` critical, `e`/`err` error, `w` warn, `n` notice, `i` info, `d`/`trace`/`verbose` debug,
 * `o`/`s` ok), syslog numbers 0-7 too; anything else is `info`.
 */
const SYSLOG = ['emergency', 'alert', 'critical', 'error', 'warn', 'notice', 'info', 'debug'];

export function normalizeStatus(raw: unknown): string {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 7) return SYSLOG[raw] as string;
  if (typeof raw !== 'string' || raw === '') return 'info';
  const s = raw.toLowerCase();
  if (/^[0-7]$/.test(s)) return SYSLOG[Number(s)] as string;
  if (s.startsWith('emerg') || s.startsWith('f')) return 'emergency';
  if (s.startsWith('a')) return 'alert';
  if (s.startsWith('c')) return 'critical';
  if (s.startsWith('e')) return 'error';
  if (s.startsWith('w')) return 'warn';
  if (s.startsWith('n')) return 'notice';
  if (s.startsWith('i')) return 'info';
  if (s.startsWith('d') || s.startsWith('trace') || s.startsWith('verbose')) return 'debug';
  if (s.startsWith('o') || s.startsWith('s')) return 'ok';
  return 'info';
}

/** OTLP SeverityNumber ranges (TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20, FATAL 21-24). */
export function statusFromSeverityNumber(n: number): string {
  if (n <= 0) return 'info';
  if (n <= 8) return 'debug';
  if (n <= 12) return 'info';
  if (n <= 16) return 'warn';
  if (n <= 20) return 'error';
  return 'emergency';
}
