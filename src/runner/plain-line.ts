/**
 * What the record builder makes of a "plain" line: one that became one record as it came (no `\r`, no ANSI, not
 * JSON, not blank, not part of a traceback or warning, short enough to be one part). The journal writes such lines
 * as their bytes alone and its reader gets their records back with this (docs/design.md, "parsed lines frames").
 *
 * record-builder.ts's `emitLogLine` calls it for every line that is not JSON, so the run and the reader share one
 * function. Change what it gives (or `parsePythonLogLine`, `detectLevel`), and PLAIN_LINE_VERSION goes up: a journal
 * written under another version is still read with this one (every line delivered once, with this version's level
 * and logger), which is the fallback, not the exact record (plain-line.test.ts pins version 1's answers).
 */
import type { Level } from '../core/log-record.js';
import { detectLevel } from './level-detect.js';
import { LOGGER_NAME, parsePythonLogLine } from './python-logging.js';

/** The version of the rules below (and of `parsePythonLogLine` and `detectLevel` as they apply to a plain line). */
export const PLAIN_LINE_VERSION = 1;

export interface PlainLineRecord {
  message: string;
  level: Level;
  attributes: Record<string, unknown> | undefined;
}

/** A plain line's record: `defaultLevel` is its stream's level for a line that does not say its own. */
export function plainLineRecord(line: string, defaultLevel: Level): PlainLineRecord {
  // Python logging's formats: the level, the logger, and the message without the prefix (record-builder.ts).
  const py = parsePythonLogLine(line);
  if (py !== undefined)
    return {
      message: py.message.length > 0 ? py.message : line,
      level: py.level,
      attributes: py.logger !== undefined ? { [LOGGER_NAME]: py.logger } : undefined,
    };
  return { message: line, level: detectLevel(line) ?? defaultLevel, attributes: undefined };
}

/** The parser a journal's reader hands its frame decoder (segment-format.ts `LineParser`). */
export const plainLineParser = { version: PLAIN_LINE_VERSION, parse: plainLineRecord } as const;
