/**
 * Datadog keeps at most 1 MB per log, measured on the item as the intake reads it: JSON, escapes included. A message
 * whose JSON string would be over MAX_MESSAGE_BYTES (1,000,000 minus headroom for the other fields of the item) is
 * split into parts on character boundaries, never truncated: the parts, joined, give the original message back.
 * Sized by their raw UTF-8 bytes, a line of JSON text (each `"` two bytes in the body) or of NULs (`\u0000`, six)
 * made parts past 1 MB, which the intake cut short or refused.
 */
export const MAX_MESSAGE_BYTES = 900 * 1024;

/**
 * The most a JSON line's own fields may take beside a message part: 900 KiB + 32 KiB leaves ~45 KB of the 1 MB for
 * the record's other attributes.
 */
export const MAX_ATTRIBUTES_BYTES = 32 * 1024;

/** The most a UTF-16 code unit takes in a JSON string (a control character as `\u0000`). */
const MAX_BYTES_PER_UNIT = 6;

/** True when `message` is one part: nearly every message, cleared by its length alone. */
export function fitsOnePart(message: string, maxBytes = MAX_MESSAGE_BYTES): boolean {
  return message.length * MAX_BYTES_PER_UNIT <= maxBytes;
}

/**
 * The message as one or more parts whose JSON strings (as `JSON.stringify` writes them, quotes aside) take at most
 * `maxBytes` UTF-8 bytes each.
 */
export function splitMessage(message: string, maxBytes = MAX_MESSAGE_BYTES): string[] {
  if (fitsOnePart(message, maxBytes)) return [message];
  const parts: string[] = [];
  const n = message.length;
  let start = 0;
  let size = 0;
  for (let i = 0; i < n;) {
    const c = message.charCodeAt(i);
    let units = 1;
    let bytes: number;
    if (c < 0x20) bytes = SHORT_ESCAPES.has(c) ? 2 : 6;
    else if (c === 0x22 || c === 0x5c) bytes = 2;
    else if (c < 0x80) bytes = 1;
    else if (c < 0x800) bytes = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(message.charCodeAt(i + 1))) {
      // A pair is one character (4 bytes): never cut between its halves.
      bytes = 4;
      units = 2;
    } else if (c >= 0xd800 && c <= 0xdfff) bytes = 6;
    else bytes = 3;
    if (size + bytes > maxBytes && i > start) {
      parts.push(message.slice(start, i));
      start = i;
      size = 0;
    }
    size += bytes;
    i += units;
  }
  parts.push(message.slice(start));
  return parts;
}

/** `\b \t \n \f \r`: two bytes each in JSON; the other C0 controls take six. */
const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

/** The second half of a surrogate pair: a cut before it would split a character. */
export function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The bytes of `value` as JSON in a request body. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
