/**
 * Credentials written into a URL (`http://user:pass@proxy:8080`): secrets like any other. Config values are
 * free-form, so any value that parses as a URL with a password is treated so: masked where the config is shown,
 * registered with the redactor where it is used (errors name the URL they could not reach); a CI provider's
 * repository URL is recorded with none (`stripCredentials`).
 */
import { MASK } from './redact.js';

/** The password of a URL value, as written and as decoded (either may be printed), or none. */
export function urlPasswords(value: string): string[] {
  if (!value.includes('://') || !value.includes('@')) return [];
  try {
    const { password } = new URL(value.trim());
    if (password === '') return [];
    const decoded = safeDecode(password);
    return decoded === password ? [password] : [password, decoded];
  } catch {
    return [];
  }
}

/** The value with a URL's password shown as ****; any other value as it is. */
export function maskUrlPassword(value: string): string {
  if (urlPasswords(value).length === 0) return value;
  // As written: the user info runs from the scheme's `//` to the authority's last `@` (a raw `@` in a password is
  // the URL parser's too), and the password from the first `:` in it.
  const start = value.indexOf('://') + 3;
  const rest = value.slice(start).search(/[/?#]/);
  const end = rest === -1 ? value.length : start + rest;
  const at = value.lastIndexOf('@', end - 1);
  const colon = value.indexOf(':', start);
  if (at < start || colon === -1 || colon > at) return value;
  return `${value.slice(0, colon + 1)}${MASK}${value.slice(at)}`;
}

/**
 * A repository URL without user name, password or token: `https://x-token:abc@gitlab.com/g/p.git` ->
 * `https://gitlab.com/g/p.git`. scp-like `git@host:path` has no secret in it and stays as it is.
 */
export function stripCredentials(url: string): string {
  if (!url.includes('://')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // Not a URL we can parse: drop anything up to an `@` after the scheme, which is where credentials go.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
