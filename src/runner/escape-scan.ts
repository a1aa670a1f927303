/**
 * Where a chunk of ASCII text holds bytes a JSON string must escape, so that the record builder can tell the
 * serializer which lines need no escaping (core/log-record.ts `JsonSafeRecord`).
 *
 * The bytes are `"`, `\` and the C0 controls but `\n` (lines are cut there). Each is found with `Buffer.indexOf`
 * (a native memchr): 33 scans of a 64 KB chunk cost ~350 instructions per ~100-byte line, against ~1,500 for the
 * serializer's regex over the message (V8's regex costs ~15 instructions a character). The scan is lazy: a chunk
 * is scanned only when a line of it asks, and past an escaped byte only the scans that found it run again.
 */

/** `"`, `\`, then 0x00–0x1f without `\n`. */
const ESCAPED_BYTES: readonly number[] = [
  0x22,
  0x5c,
  ...Array.from({ length: 0x20 }, (_, b) => b).filter((b) => b !== 0x0a),
];

export interface EscapeScan {
  /** The chunk whose lines are asked about next (ASCII: its offsets are its text's), or undefined for none. */
  begin(chunk: Buffer | undefined): void;
  /** A chunk is set: `clean` can answer. */
  scanning(): boolean;
  /** No escaped byte in `[start, end)` of the chunk; false when no chunk is set. Cheapest asked in ascending order. */
  clean(start: number, end: number): boolean;
}

export function createEscapeScan(): EscapeScan {
  let chunk: Buffer | undefined;
  // Per escaped byte, its first offset at or after the last line asked about (chunk.length: none); `nearest` is the
  // least of them, -1 before the first scan of the chunk.
  const next = new Array<number>(ESCAPED_BYTES.length).fill(0);
  let nearest = -1;
  let lastStart = 0;

  function scanFrom(start: number, c: Buffer): void {
    let least = c.length;
    for (let k = 0; k < ESCAPED_BYTES.length; k++) {
      let at = next[k] as number;
      if (nearest === -1 || at < start) {
        at = c.indexOf(ESCAPED_BYTES[k] as number, start);
        if (at === -1) at = c.length;
        next[k] = at;
      }
      if (at < least) least = at;
    }
    nearest = least;
  }

  return {
    begin(c) {
      chunk = c;
      nearest = -1;
      lastStart = 0;
    },
    scanning: () => chunk !== undefined,
    clean(start, end) {
      const c = chunk;
      if (c === undefined) return false;
      // Asked out of order (no caller does): what was skipped may hold one, so scan again from the start.
      if (start < lastStart) nearest = -1;
      lastStart = start;
      if (nearest < start) scanFrom(start, c);
      return nearest >= end;
    },
  };
}
