/**
 * A `k:v` tag as `--tag` and the `tags` key take it: a key without `:`, `,` or blanks, and a value without `,`. An
 * empty value (`--tag team:$TEAM` with the variable unset) is told apart, so that it is refused by name rather than
 * shipped as `team:` on every record.
 */
import { firstControlChar } from './control-chars.js';

export type TagCheck = 'ok' | 'malformed' | 'reserved' | 'no value';

/** The first thing wrong with a tag, in that order (`reserved`: see isReservedTagKey), or `ok`. */
export function checkTag(tag: string): TagCheck {
  // A control character (a newline from `--tag note:$(cmd)`) would ride on every record: not a tag.
  if (!/^[^:,\s]+:[^,]*$/.test(tag) || firstControlChar(tag) !== undefined) return 'malformed';
  if (isReservedTagKey(tag)) return 'reserved';
  // The value is all after the first `:` (`a:b:` is key a, value b:); blanks alone are none.
  return tag.slice(tag.indexOf(':') + 1).trim() === '' ? 'no value' : 'ok';
}

/**
 * A tag key that names an attribute dd-logstore sets itself (`zenml.run.id`, `zenml.log.id`, `dd_logstore.seq`, ...):
 * such a tag would not be the record's attribute (the record keeps its own), only a confusing `ddtags` entry.
 */
export function isReservedTagKey(tag: string): boolean {
  // Datadog lowercases tag keys: ZENML.run.id is zenml.run.id there.
  const key = tag.slice(0, Math.max(0, tag.indexOf(':'))).toLowerCase();
  return key.startsWith('zenml.') || key.startsWith('dd_logstore.');
}
