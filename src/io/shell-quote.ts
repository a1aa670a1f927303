/**
 * A command line as a POSIX shell reads it back, so `runs describe` can be copied and pasted: words that need no
 * quoting stay as they are, others are single-quoted (a `'` inside written as `'\''`), an empty word is `''`.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(word: string): string {
  if (word === '') return "''";
  if (SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
