/**
 * Datadog keeps at most 1 MB per log. A message over MAX_MESSAGE_BYTES (1,000,000 minus headroom for the other
 * fields of the item) is split into parts on UTF-8 character boundaries, never truncated: the parts, joined, give the
 * original message back.
 */
export const MAX_MESSAGE_BYTES = 900 * 1024;

/** The message as one or more parts of at most `maxBytes` UTF-8 bytes each. */
export function splitMessage(message: string, maxBytes = MAX_MESSAGE_BYTES): string[] {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most messages are cleared without encoding them.
  if (message.length * 3 <= maxBytes) return [message];
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= maxBytes) return [message];
  const parts: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + maxBytes, bytes.length);
    // Back off continuation bytes (10xxxxxx) so a character is never cut in two.
    while (end < bytes.length && end > start && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    parts.push(bytes.toString('utf8', start, end));
    start = end;
  }
  return parts;
}
