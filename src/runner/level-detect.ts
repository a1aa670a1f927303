/**
 * Level detection from a line of text. Ordered by cost: one look at the first character picks the only checks that
 * can apply, so a plain line costs a few character reads, not a cascade of regular expressions.
 *
 * Recognised:
 * - `WARNING:name:msg` (Python logging's default), `ERROR msg`, `INFO[0000] msg` (logrus), `warn: msg`, `Error: msg`
 * - glog/klog `W1125 12:00:00.000000 ...`
 * - `[LEVEL]`, and a level among the first tokens after a timestamp: `2024-01-01 12:00:00 INFO ...` (Python, Java,
 *   zap console, Spring Boot), `12:00:00.123 [main] WARN ...`, `[2024-01-01 12:00:00] [error] ...`
 * - ` - LEVEL - ` (Python `%(asctime)s - %(name)s - %(levelname)s - %(message)s`)
 * - logfmt `level=warn`, `time=... level=INFO` (Go slog, logrus)
 */
import type { Level } from '../core/log-record.js';

/** Level words, matched in any case (where the context allows) without allocating: grouped by length. */
const LEVEL_WORDS: ReadonlyArray<readonly [string, Level]> = [
  ['trace', 'debug'],
  ['debug', 'debug'],
  ['info', 'info'],
  ['notice', 'info'],
  ['warn', 'warn'],
  ['warning', 'warn'],
  ['error', 'error'],
  ['severe', 'error'],
  ['fatal', 'critical'],
  ['critical', 'critical'],
  ['crit', 'critical'],
  ['panic', 'critical'],
  ['alert', 'critical'],
  ['emerg', 'critical'],
];

/** Short forms only trusted in upper case (zerolog console, syslog-ish): `ERR` or `INF` in prose is rare, `err` is not. */
const UPPER_ONLY_WORDS: ReadonlyArray<readonly [string, Level]> = [
  ['TRC', 'debug'],
  ['DBG', 'debug'],
  ['INF', 'info'],
  ['WRN', 'warn'],
  ['ERR', 'error'],
  ['FTL', 'critical'],
  ['CRT', 'critical'],
];

const MIN_WORD = 3;
const MAX_WORD = 8;

/** Index: word length -> candidates of that length. */
const WORDS_BY_LENGTH: ReadonlyArray<ReadonlyArray<readonly [string, Level]>> = Array.from(
  { length: MAX_WORD + 1 },
  (_, n) => LEVEL_WORDS.filter(([w]) => w.length === n),
);

/** glog/klog severity letters. */
const GLOG_LEVELS: Readonly<Record<string, Level>> = { I: 'info', W: 'warn', E: 'error', F: 'critical' };

/** How many whitespace-separated tokens of a timestamped prefix are looked at, and within how many characters. */
const PREFIX_TOKENS = 4;
const PREFIX_CHARS = 120;
/** ` - LEVEL - ` is looked for this far into the line. */
const DASH_PATTERN_CHARS = 200;

/**
 * A JSON line's level field: a level word in any case, or (with `numeric`, for a `level` field only) pino/bunyan's
 * numbers. Other numbers are not levels: `"status": 200` is an HTTP status.
 */
export function levelFromValue(value: unknown, numeric = false): Level | undefined {
  if (typeof value === 'string') {
    const v = value.trim();
    return anyCaseWord(v, 0, v.length) ?? upperWord(v.toUpperCase(), 0, v.length);
  }
  if (numeric && typeof value === 'number' && value >= 10 && value <= 60) {
    // pino / bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
    if (value >= 60) return 'critical';
    if (value >= 50) return 'error';
    if (value >= 40) return 'warn';
    if (value >= 30) return 'info';
    return 'debug';
  }
  return undefined;
}

/** The level the line announces, or undefined when it says nothing. */
export function detectLevel(line: string): Level | undefined {
  const c = line.charCodeAt(0);
  let level: Level | undefined;
  if (isUpper(c)) level = detectAtUpperStart(line, c);
  else if (isLower(c)) level = detectAtLowerStart(line);
  else if (isDigit(c) || c === 0x5b /* [ */) level = detectInPrefixTokens(line);
  return level ?? detectDashPattern(line);
}

function detectAtUpperStart(line: string, c: number): Level | undefined {
  // glog: `I1125 12:00:00.000000 ...`: a severity letter and four digits (MMDD).
  if (
    line.length > 5 &&
    isDigit(line.charCodeAt(1)) &&
    isDigit(line.charCodeAt(2)) &&
    isDigit(line.charCodeAt(3)) &&
    isDigit(line.charCodeAt(4)) &&
    line.charCodeAt(5) === 0x20
  ) {
    return GLOG_LEVELS[String.fromCharCode(c)];
  }
  const end = wordEnd(line, 0);
  const next = line.charCodeAt(end);
  if (isAllUpper(line, 0, end)) {
    // `WARNING:root:msg`, `ERROR msg`, `INFO[0000] msg`, `ERROR\tmsg`, `ERR!`; end of line counts too.
    if (next === 0x3a || next === 0x20 || next === 0x09 || next === 0x5b || next === 0x21 || Number.isNaN(next)) {
      return upperWord(line, 0, end);
    }
    return undefined;
  }
  // `Error: ...`, `Warning: ...`: capitalised words need the colon, `Error handling improved` is prose.
  return next === 0x3a ? anyCaseWord(line, 0, end) : undefined;
}

function detectAtLowerStart(line: string): Level | undefined {
  const end = wordEnd(line, 0);
  const next = line.charCodeAt(end);
  // `info: msg` (winston), `warning: msg` (git, gcc).
  if (next === 0x3a) {
    const level = anyCaseWord(line, 0, end);
    if (level) return level;
  }
  // logfmt: `level=warn ...`, `time=... level=INFO msg=...`.
  if (next === 0x3d /* = */) return detectLogfmt(line);
  return undefined;
}

function detectLogfmt(line: string): Level | undefined {
  let i = line.startsWith('level=') ? 0 : line.indexOf(' level=');
  if (i === -1) return undefined;
  i += i === 0 ? 6 : 7;
  if (line.charCodeAt(i) === 0x22 /* " */) i++;
  return anyCaseWord(line, i, wordEnd(line, i));
}

/** Timestamped or bracketed prefixes: look at the first few tokens for `LEVEL`, `[LEVEL]` or `[level]`. */
function detectInPrefixTokens(line: string): Level | undefined {
  const limit = Math.min(line.length, PREFIX_CHARS);
  let i = 0;
  for (let t = 0; t < PREFIX_TOKENS && i < limit; t++) {
    while (i < limit && isSpace(line.charCodeAt(i))) i++;
    let start = i;
    while (i < limit && !isSpace(line.charCodeAt(i))) i++;
    let end = i;
    const bracketed = line.charCodeAt(start) === 0x5b;
    if (bracketed) start++;
    // Trailing punctuation: `INFO:`, `[INFO]`, `[INFO]:`, `ERROR,`.
    while (end > start && isTrailingPunct(line.charCodeAt(end - 1))) end--;
    if (end - start < MIN_WORD || end - start > MAX_WORD || !isLetter(line.charCodeAt(start))) continue;
    const level = bracketed
      ? anyCaseWord(line, start, end)
      : isAllUpper(line, start, end)
        ? upperWord(line, start, end)
        : undefined;
    if (level) return level;
  }
  return undefined;
}

/** ` - LEVEL - ` near the start of the line. Single-character indexOf: much cheaper than searching for ' - '. */
function detectDashPattern(line: string): Level | undefined {
  let i = line.indexOf('-');
  while (i !== -1 && i < DASH_PATTERN_CHARS) {
    if (line.charCodeAt(i - 1) === 0x20 && line.charCodeAt(i + 1) === 0x20) {
      const start = i + 2;
      const end = wordEnd(line, start);
      if (line.charCodeAt(end) === 0x20 && line.charCodeAt(end + 1) === 0x2d && line.charCodeAt(end + 2) === 0x20) {
        const level = isAllUpper(line, start, end) ? upperWord(line, start, end) : undefined;
        if (level) return level;
      }
    }
    i = line.indexOf('-', i + 1);
  }
  return undefined;
}

/** An upper-case level word (`WARNING`, `ERR`) between start and end; the caller checked the case. */
function upperWord(line: string, start: number, end: number): Level | undefined {
  if (end - start === MIN_WORD) {
    for (const [word, level] of UPPER_ONLY_WORDS) if (line.startsWith(word, start)) return level;
    return undefined;
  }
  return anyCaseWord(line, start, end);
}

/** A level word in any case between start and end, compared code by code: no substring, no lower-casing. */
function anyCaseWord(line: string, start: number, end: number): Level | undefined {
  const candidates = WORDS_BY_LENGTH[end - start];
  if (!candidates) return undefined;
  for (const [word, level] of candidates) {
    let i = 0;
    // `| 0x20` lower-cases an ASCII letter; the words are all letters.
    while (i < word.length && (line.charCodeAt(start + i) | 0x20) === word.charCodeAt(i)) i++;
    if (i === word.length) return level;
  }
  return undefined;
}

/** Index just past the run of ASCII letters starting at `start`. */
function wordEnd(line: string, start: number): number {
  let i = start;
  const max = Math.min(line.length, start + MAX_WORD + 1);
  while (i < max && isLetter(line.charCodeAt(i))) i++;
  return i;
}

function isAllUpper(line: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) if (!isUpper(line.charCodeAt(i))) return false;
  return true;
}

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}
function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}
function isLetter(c: number): boolean {
  return isUpper(c) || isLower(c);
}
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
function isTrailingPunct(c: number): boolean {
  return c === 0x5d /* ] */ || c === 0x3a /* : */ || c === 0x2c /* , */ || c === 0x29 /* ) */ || c === 0x7c; /* | */
}
