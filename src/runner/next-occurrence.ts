/**
 * Whether a line of a chunk's text holds a fixed string, answered from one search of the chunk rather than one per
 * line: the first occurrence at or after the line asked about is kept, and searched again only once a line starts
 * past it. A string that a run prints rarely (`Warning: `) costs one `indexOf` per chunk instead of one per line.
 */
import { createFindText } from '../core/find-text.js';

export interface NextOccurrence {
  /** The text whose lines are asked about next. */
  begin(text: string): void;
  /** `text.slice(start, end)` holds the string; cheapest asked in ascending order. */
  within(start: number, end: number): boolean;
}

export function createNextOccurrence(needle: string): NextOccurrence {
  const find = createFindText(needle);
  let text = '';
  // The first occurrence at or after `from` (text.length when none); -1 before the first search of the text.
  let at = -1;
  let from = 0;
  return {
    begin(t) {
      text = t;
      at = -1;
      from = 0;
    },
    within(start, end) {
      if (at === -1 || at < start || start < from) {
        const i = find(text, start);
        at = i === -1 ? text.length : i;
      }
      from = start;
      return at + needle.length <= end;
    },
  };
}
