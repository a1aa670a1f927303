/**
 * ANSI escape sequences, stripped from record messages (the terminal still gets them): CSI (colours, cursor moves),
 * OSC (titles, hyperlinks; ended by BEL or ST), DCS/SOS/PM/APC strings ended by ST, and the short ESC forms. An
 * unterminated sequence at the end of a line is removed up to the end of the line.
 *
 * A hand-written scanner rather than a regular expression: coloured log lines are common, and this is several
 * times cheaper per line.
 */
const ESC = 0x1b;
const BEL = 0x07;
const BACKSLASH = 0x5c;

/** The text without escape sequences. Lines without ESC come back unchanged after one native scan. */
export function stripAnsi(text: string): string {
  let esc = text.indexOf('\x1b');
  if (esc === -1) return text;
  let out = '';
  let copyFrom = 0;
  const n = text.length;
  while (esc !== -1) {
    out += text.slice(copyFrom, esc);
    copyFrom = sequenceEnd(text, esc, n);
    esc = text.indexOf('\x1b', copyFrom);
  }
  return out + text.slice(copyFrom);
}

/** Index just past the escape sequence that starts at `esc`. */
function sequenceEnd(text: string, esc: number, n: number): number {
  let i = esc + 1;
  if (i >= n) return n;
  const c = text.charCodeAt(i);
  if (c === 0x5b /* [ */) {
    // CSI: parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, one final byte 0x40-0x7E.
    i++;
    while (i < n && inRange(text.charCodeAt(i), 0x30, 0x3f)) i++;
    while (i < n && inRange(text.charCodeAt(i), 0x20, 0x2f)) i++;
    return i < n && inRange(text.charCodeAt(i), 0x40, 0x7e) ? i + 1 : i;
  }
  if (c === 0x5d /* ] */ || c === 0x50 /* P */ || c === 0x58 /* X */ || c === 0x5e /* ^ */ || c === 0x5f /* _ */) {
    // A string up to ST (ESC \); OSC may also end with BEL.
    const isOsc = c === 0x5d;
    for (i++; i < n; i++) {
      const d = text.charCodeAt(i);
      if (isOsc && d === BEL) return i + 1;
      if (d === ESC) return text.charCodeAt(i + 1) === BACKSLASH ? i + 2 : i;
    }
    return n;
  }
  // nF (ESC, intermediates 0x20-0x2F, final 0x30-0x7E) and Fp/Fe/Fs (ESC, one byte 0x30-0x7E).
  while (i < n && inRange(text.charCodeAt(i), 0x20, 0x2f)) i++;
  return i < n && inRange(text.charCodeAt(i), 0x30, 0x7e) ? i + 1 : i;
}

function inRange(c: number, lo: number, hi: number): boolean {
  return c >= lo && c <= hi;
}
