/**
 * A `k:v` tag as `--tag` and the `tags` key take it: a key without `:`, `,` or blanks, and a value without `,`. An
 * empty value (`--tag team:$TEAM` with the variable unset) is told apart, so that it is refused by name rather than
 * shipped as `team:` on every record.
 */
export type TagCheck = 'ok' | 'malformed' | 'no value';

export function checkTag(tag: string): TagCheck {
  if (!/^[^:,\s]+:[^,]*$/.test(tag)) return 'malformed';
  return tag.endsWith(':') ? 'no value' : 'ok';
}
