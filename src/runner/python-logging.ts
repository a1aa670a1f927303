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

export const LOGGER_NAME = 'logger.name';

export interface PythonLogLine {
  level: Level;
  /** The logger's name; undefined for formats without one. */
  logger: string | undefined;
  message: string;
}

const LEVELS: Readonly<Record<string, Level>> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  CRITICAL: 'critical',
  FATAL: 'critical',
};

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
const PATTERNS: ReadonlyArray<{ re: RegExp; level: number; name: number | undefined; message: number }> = [
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

type Pattern = (typeof PATTERNS)[number];
const at = (...indexes: number[]): Pattern[] => indexes.map((i) => PATTERNS[i] as Pattern);
/**
 * The patterns a line's first character allows, in PATTERNS' order: a level word starts only the first, a digit
 * (the time) those that start with TIME, `[` those that start with `[TIME]`. Each pattern skipped is a regex exec
 * per line saved (most lines of a run start the same way).
 */
const STARTING_WITH_LEVEL = at(0);
const STARTING_WITH_DIGIT = at(1, 2, 3, 5);
const STARTING_WITH_BRACKET = at(3, 4);

/** The line taken apart, or undefined when it is not in one of the formats above. Cheap for other lines. */
export function parsePythonLogLine(line: string): PythonLogLine | undefined {
  const c = line.charCodeAt(0);
  // Only a level word (D, I, W, E, C, F), a digit (the time) or `[` can start one of these formats.
  const patterns =
    c >= 0x30 && c <= 0x39
      ? STARTING_WITH_DIGIT
      : c === 0x5b
        ? STARTING_WITH_BRACKET
        : LEVEL_INITIALS.has(c)
          ? STARTING_WITH_LEVEL
          : undefined;
  if (patterns === undefined) return undefined;
  for (const p of patterns) {
    const m = p.re.exec(line);
    if (m === null) continue;
    // The bracket pattern has alternatives: the level and the name are whichever group matched.
    const levelWord = p.level === 0 ? (m[1] ?? m[2]) : m[p.level];
    const logger = p.name === 0 ? (m[3] ?? m[4]) : p.name === undefined ? undefined : m[p.name];
    const level = levelWord === undefined ? undefined : LEVELS[levelWord];
    if (level === undefined) continue;
    return { level, logger, message: m[p.message] ?? '' };
  }
  return undefined;
}
