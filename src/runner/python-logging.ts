/**
 * Lines written by Python's `logging` in its common formats, taken apart as Datadog's Python log pipeline does: the
 * level, the logger as `logger.name` (Datadog's standard attribute) and the message without the repeated prefix.
 *
 * Recognised (`%(levelname)-8s` padding included; asctime as logging prints it, `2024-05-01 12:00:00,123`, with or
 * without the date, `.` or `,` before the milliseconds, an optional `T` and zone):
 * - `LEVEL:name:message`                                   logging.basicConfig's default
 * - `TIME - name - LEVEL - message`, `TIME - LEVEL - message`  the cookbook's format and its nameless variant
 * - `[TIME] LEVEL name: message`, `TIME LEVEL name: message`, `TIME [LEVEL] name: message`, `[TIME] [LEVEL] name: m`
 * - `TIME LEVEL [name] message`, `[TIME] [name] [LEVEL] message`
 * - `TIME | LEVEL | name | message`
 *
 * The level word must be one of logging's level names in upper case (DEBUG, INFO, WARNING, WARN, ERROR, CRITICAL,
 * FATAL): prose never matches. The line's time is not taken (logging prints local time without a zone).
 */
import type { Level } from '../core/log-record.js';
import { isDigit } from './level-detect.js';

export const LOGGER_NAME = 'logger.name';

export interface PythonLogLine {
  level: Level;
  /** The logger's name; undefined for formats without one. */
  logger: string | undefined;
  message: string;
}

/**
 * logging's level name as our level. A switch, not a lookup table: the word is a substring of a regex match, and
 * `table[word]` had V8 look it up in the string table (to internalize it) and then in a megamorphic stub cache on
 * every line.
 */
function levelOf(word: string): Level | undefined {
  switch (word) {
    case 'INFO':
      return 'info';
    case 'WARNING':
    case 'WARN':
      return 'warn';
    case 'ERROR':
      return 'error';
    case 'DEBUG':
      return 'debug';
    case 'CRITICAL':
    case 'FATAL':
      return 'critical';
    default:
      return undefined;
  }
}

const LEVEL_INITIALS = new Set([...'DIWECF'].map((ch) => ch.charCodeAt(0)));
const LEVEL = '(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)';
/** A logger name: dotted identifiers (`__main__`, `urllib3.connectionpool`, `uvicorn.error`). */
const NAME = '([A-Za-z_<][\\w.<>-]*)';
/**
 * Before a colon, where prose could stand (`12:00:00 INFO Starting: the server`), only a name in the style of
 * `logging.getLogger(__name__)`: lower case or `_` first.
 */
const MODULE_NAME = '([a-z_][\\w.<>-]*)';
const TIME = '(?:\\d{4}-\\d{2}-\\d{2}[ T])?\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?(?:Z|[+-]\\d{2}:?\\d{2})?';

/** Which group holds what; 0: one of two alternatives (the bracket pattern). */
/** Exported for the test that checks the first-character dispatch below against trying every pattern. */
export const PATTERNS: ReadonlyArray<{ re: RegExp; level: number; name: number | undefined; message: number }> = [
  { re: new RegExp(`^${LEVEL}:${NAME}:(.*)$`, 's'), level: 1, name: 2, message: 3 },
  { re: new RegExp(`^${TIME} - ${NAME} - ${LEVEL} *- (.*)$`, 's'), level: 2, name: 1, message: 3 },
  { re: new RegExp(`^${TIME} - ${LEVEL} *- (.*)$`, 's'), level: 1, name: undefined, message: 2 },
  {
    re: new RegExp(
      `^(?:\\[${TIME}\\]|${TIME}) +(?:\\[${LEVEL}\\]|${LEVEL}) +(?:${MODULE_NAME}:|\\[${NAME}\\]) (.*)$`,
      's',
    ),
    level: 0,
    name: 0,
    message: 5,
  },
  { re: new RegExp(`^\\[${TIME}\\] \\[${NAME}\\] \\[${LEVEL}\\] (.*)$`, 's'), level: 2, name: 1, message: 3 },
  { re: new RegExp(`^${TIME} *\\| *${LEVEL} *\\| *${NAME} *\\| ?(.*)$`, 's'), level: 1, name: 2, message: 3 },
];

export type Pattern = (typeof PATTERNS)[number];
const at = (...indexes: number[]): Pattern[] => indexes.map((i) => PATTERNS[i] as Pattern);
/**
 * The patterns a line's start allows, in PATTERNS' order (each pattern skipped is a regex exec per line saved, and
 * most lines of a run start the same way). A level word starts only the first. A line starting with the time is
 * told by what follows the time and its spaces: `-` (` - `) only the two dash formats, `|` only the pipe format, `[`
 * or a capital (the level) only the bracket pattern. `[` must be followed by the time's first digit.
 */
const STARTING_WITH_LEVEL = at(0);
const TIME_THEN_DASH = at(1, 2);
const TIME_THEN_LEVEL = at(3);
const TIME_THEN_PIPE = at(5);
const STARTING_WITH_BRACKET = at(3, 4);

/** The line taken apart, or undefined when it is not in one of the formats above. Cheap for other lines. */
export function parsePythonLogLine(line: string): PythonLogLine | undefined {
  const c = line.charCodeAt(0);
  // Only a level word (D, I, W, E, C, F), a digit (the time) or `[` and a digit can start one of these formats.
  const patterns = isDigit(c)
    ? afterTime(line)
    : c === 0x5b
      ? isDigit(line.charCodeAt(1))
        ? STARTING_WITH_BRACKET
        : undefined
      : LEVEL_INITIALS.has(c)
        ? STARTING_WITH_LEVEL
        : undefined;
  return patterns === undefined ? undefined : firstMatch(line, patterns);
}

/** The first of `patterns` (in order) that matches with a level word of logging's. */
export function firstMatch(line: string, patterns: readonly Pattern[]): PythonLogLine | undefined {
  for (const p of patterns) {
    const m = p.re.exec(line);
    if (m === null) continue;
    // The bracket pattern has alternatives: the level and the name are whichever group matched.
    const levelWord = p.level === 0 ? (m[1] ?? m[2]) : m[p.level];
    const logger = p.name === 0 ? (m[3] ?? m[4]) : p.name === undefined ? undefined : m[p.name];
    const level = levelWord === undefined ? undefined : levelOf(levelWord);
    if (level === undefined) continue;
    return { level, logger, message: m[p.message] ?? '' };
  }
  return undefined;
}

/**
 * The patterns that can match a line starting with a digit, by the character after TIME's longest match and the
 * spaces after it. Any shorter match of TIME's optional parts (fewer fraction digits, no fraction, no zone) is followed
 * by a digit, `.`, `,`, `Z`, `+` or `-`, where every pattern needs a space or `|`: so the longest is the only one that
 * can lead to a match, and a pattern ruled out here could not have matched.
 */
function afterTime(line: string): readonly Pattern[] | undefined {
  let i = timeEnd(line);
  if (i === -1) return undefined;
  const spaces = i;
  while (line.charCodeAt(i) === 0x20) i++;
  const c = line.charCodeAt(i);
  if (c === 0x2d /* - */) return i - spaces === 1 ? TIME_THEN_DASH : undefined;
  if (c === 0x7c /* | */) return TIME_THEN_PIPE;
  if (i > spaces && (c === 0x5b /* [ */ || LEVEL_INITIALS.has(c))) return TIME_THEN_LEVEL;
  return undefined;
}

/** Where TIME's longest match at the line's start ends, or -1: `(?:DATE[ T])?HH:MM:SS(?:[.,]\d{1,9})?(?:Z|[+-]HH:?MM)?`. */
function timeEnd(line: string): number {
  let i = 0;
  // The date, then `T` or a space. Without it the line must start `HH:`, which a date's fourth character (a digit) is not.
  if (
    digits(line, 0, 4) &&
    line.charCodeAt(4) === 0x2d &&
    digits(line, 5, 2) &&
    line.charCodeAt(7) === 0x2d &&
    digits(line, 8, 2) &&
    (line.charCodeAt(10) === 0x20 || line.charCodeAt(10) === 0x54)
  )
    i = 11;
  if (!(digits(line, i, 2) && line.charCodeAt(i + 2) === 0x3a && digits(line, i + 3, 2))) return -1;
  if (!(line.charCodeAt(i + 5) === 0x3a && digits(line, i + 6, 2))) return -1;
  i += 8;
  let c = line.charCodeAt(i);
  if ((c === 0x2e || c === 0x2c) && isDigit(line.charCodeAt(i + 1))) {
    let j = i + 1;
    while (j < i + 10 && isDigit(line.charCodeAt(j))) j++;
    i = j;
    c = line.charCodeAt(i);
  }
  if (c === 0x5a /* Z */) return i + 1;
  if ((c === 0x2b || c === 0x2d) && digits(line, i + 1, 2)) {
    if (line.charCodeAt(i + 3) === 0x3a && digits(line, i + 4, 2)) return i + 6;
    if (digits(line, i + 3, 2)) return i + 5;
  }
  return i;
}

function digits(line: string, at: number, n: number): boolean {
  for (let k = at; k < at + n; k++) if (!isDigit(line.charCodeAt(k))) return false;
  return true;
}
