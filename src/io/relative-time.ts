/** Times and durations for people: `3 min ago`, `2 h ago`, `4m12s`. Machine output keeps ISO times and milliseconds. */

/** `just now`, `42 s ago`, `3 min ago`, `5 h ago`, `2 days ago`; past 30 days the date (`2026-11-02`). */
export function relativeTime(atMs: number, nowMs: number): string {
  const s = Math.round((nowMs - atMs) / 1000);
  if (s < 0) return new Date(atMs).toISOString();
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  const d = Math.floor(h / 24);
  if (d <= 30) return `${d} days ago`;
  return new Date(atMs).toISOString().slice(0, 10);
}

/** `850ms`, `12.3s`, `4m12s`, `2h05m`, `3d04h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.floor(s)}s`;
  const totalS = Math.floor(s);
  const m = Math.floor(totalS / 60);
  if (m < 60) return `${m}m${String(totalS % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}
