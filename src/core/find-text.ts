/**
 * `text.indexOf(needle, from)` for a needle searched often in long text (a chunk of a child's output), faster where
 * the needle is 7 characters or more. V8 searches a pattern that long with Boyer-Moore-Horspool, which over log text
 * ran 6-9x slower than its search for a shorter one, a scan for the first character and a compare: per 64 KB chunk
 * without a match, `Warning: ` took 23 us and `Warning` 33, its first six characters 3.5 (Node 20 and 24 alike).
 * So the first six are searched and the rest compared where they are found.
 */
const HEAD = 6;

export type FindText = (text: string, from?: number) => number;

export function createFindText(needle: string): FindText {
  if (needle.length <= HEAD) return (text, from = 0) => text.indexOf(needle, from);
  const head = needle.slice(0, HEAD);
  const rest = needle.slice(HEAD);
  return (text, from = 0) => {
    let i = text.indexOf(head, from);
    while (i !== -1 && !text.startsWith(rest, i + HEAD)) i = text.indexOf(head, i + 1);
    return i;
  };
}
