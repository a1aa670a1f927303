/**
 * Control characters made visible. A record (or a run id in an error) can hold anything a job printed; written raw
 * to a terminal, `\x1b]0;...\x07` retitles it, `\x1b[2J` clears it, `\r` hides what came before. Escaped as `\xNN`
 * (C0, DEL and C1 controls; a tab and, where `keepNewlines`, a newline are kept), the text shows what was there.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function escapeControlChars(text: string, keepNewlines = false): string {
  const pattern = keepNewlines ? CONTROLS_BUT_NEWLINE : CONTROLS;
  pattern.lastIndex = 0;
  if (!pattern.test(text)) return text;
  pattern.lastIndex = 0;
  return text.replace(pattern, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** One line of a message (an error line): control characters shown, a tab too (`invalid stack name 'a\tb'`). */
export function escapeForOneLine(text: string): string {
  return escapeControlChars(text).replace(/\t/g, '\\t');
}

// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The first control character in `text` (a tab and a newline included), named for a message (`a newline`, `a tab`,
 * `a control character (0x1b)`), or undefined: for names and tags, which go into every record and one-line messages.
 */
export function firstControlChar(text: string): string | undefined {
  const found = ANY_CONTROL.exec(text);
  if (found === null) return undefined;
  const code = found[0].charCodeAt(0);
  return code === 10
    ? 'a newline'
    : code === 9
      ? 'a tab'
      : `a control character (0x${code.toString(16).padStart(2, '0')})`;
}
