/**
 * Anything but what a JSON string carries as is: C0 controls, `"`, `\` and surrogates (lone ones are escaped as
 * `\udXXX`; for paired ones `JSON.stringify` decides). Most log text has none, so the check is the fast path. Written
 * as a negated class, which V8 scans faster than the positive one.
 */
export const NEEDS_JSON_ESCAPE = /[^\u0020\u0021\u0023-\u005b\u005d-\ud7ff\ue000-\uffff]/;

/** `JSON.stringify(s)`, without its call when `s` needs no escaping (the same bytes either way). */
export function jsonString(s: string): string {
  return NEEDS_JSON_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}
