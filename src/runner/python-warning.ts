/**
 * Python's warnings as `warnings.showwarning` prints them: `path.py:12: UserWarning: message`, then (when the source
 * is at hand) the line of code indented by two spaces. Both belong to one record at level `warn`.
 */
import { createFindText } from '../core/find-text.js';

/** `{filename}:{lineno}: {category}: {message}`; the category is a class name ending in `Warning`. */
const WARNING_LINE = /^\S.*?:\d+: (?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*Warning: /;

/** Every warning's first line holds this: a line without it is not one. */
export const WARNING_MARK = 'Warning: ';

const findMark = createFindText(WARNING_MARK);

/** True for the first line of a printed warning. Cheap for other lines: one substring search first. */
export function isPythonWarningLine(line: string): boolean {
  return findMark(line) !== -1 && WARNING_LINE.test(line);
}

/** The source line Python prints under a warning: indented, not blank. */
export function isWarningSourceLine(line: string): boolean {
  const c = line.charCodeAt(0);
  return (c === 0x20 || c === 0x09) && line.trim().length > 0;
}
