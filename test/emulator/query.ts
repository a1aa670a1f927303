/**
 * The subset of Datadog's log search syntax the emulator understands: `service:` `status:` `host:` `source:`,
 * `message:`, `tag:value` (matched against tags), `@attr.path:value` (quoted, backslash-escaped, `*` / `?` wildcards
 * unquoted), grouped values `key:(a OR b)` (any of the above keys), free text on the message (case-insensitive),
 * implicit AND, `AND`, `OR`, `NOT` / `-` negation and parentheses.
 * Precedence, as in Datadog: NOT binds tightest, then AND, then OR.
 */
import { normalizeStatus } from './status.js';

/** What a query needs to see of a record. */
export interface QueryTarget {
  message: string;
  status: string;
  service: string;
  host: string;
  source: string;
  tags: readonly string[];
  /** The value stored under a flat dotted attribute path (`zenml.run.id`), or undefined. */
  attribute(path: string): unknown;
}

export type Query =
  | { kind: 'all' }
  | { kind: 'and'; parts: Query[] }
  | { kind: 'or'; parts: Query[] }
  | { kind: 'not'; part: Query }
  | { kind: 'text'; match: (s: string) => boolean; raw: string }
  | { kind: 'field'; field: 'service' | 'status' | 'host' | 'source'; match: (s: string) => boolean; raw: string }
  | { kind: 'tag'; key: string; match: (s: string) => boolean; raw: string }
  | { kind: 'attr'; path: string; match: (s: string) => boolean; raw: string };

export class QuerySyntaxError extends Error {}

type Token =
  | { t: 'lparen' }
  | { t: 'rparen' }
  | { t: 'and' }
  | { t: 'or' }
  | { t: 'not' }
  | { t: 'term'; key: string | undefined; value: string; quoted: boolean; wildcard: boolean };

const SPECIAL_END = new Set([' ', '\t', '\n', '\r', '(', ')']);

/** Splits the query into tokens; values keep `*`/`?` as wildcards only when unquoted and unescaped. */
function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = q.length;
  // `key:(a OR b)`: the values of a group take its key; groups nest inside parentheses (depth counted).
  const groups: { key: string; depth: number }[] = [];
  let depth = 0;
  while (i < n) {
    const c = q[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(') {
      out.push({ t: 'lparen' });
      depth++;
      i++;
      continue;
    }
    if (c === ')') {
      if (groups.length > 0 && groups[groups.length - 1]?.depth === depth) groups.pop();
      out.push({ t: 'rparen' });
      depth--;
      i++;
      continue;
    }
    if (c === '-' && i + 1 < n && !SPECIAL_END.has(q[i + 1] as string)) {
      out.push({ t: 'not' });
      i++;
      continue;
    }
    // A term: [key:]value, where value is "quoted" or bare with backslash escapes.
    const keyed = readKey(q, i);
    if (keyed !== undefined && q[keyed.next] === '(') {
      depth++;
      groups.push({ key: keyed.key, depth });
      out.push({ t: 'lparen' });
      i = keyed.next + 1;
      continue;
    }
    const key = keyed?.key ?? groups[groups.length - 1]?.key;
    if (keyed !== undefined) i = keyed.next;
    const { value, quoted, wildcard, next } = readValue(q, i);
    i = next;
    if (keyed === undefined && !quoted) {
      if (value === 'AND') {
        out.push({ t: 'and' });
        continue;
      }
      if (value === 'OR') {
        out.push({ t: 'or' });
        continue;
      }
      if (value === 'NOT') {
        out.push({ t: 'not' });
        continue;
      }
    }
    if (key !== undefined && value === '' && !quoted) throw new QuerySyntaxError(`missing value after "${key}:"`);
    out.push({ t: 'term', key, value, quoted, wildcard });
  }
  return out;
}

/** `name:` or `@attr.path:` (backslash escapes allowed in the name) at `start`, else undefined. */
function readKey(q: string, start: number): { key: string; next: number } | undefined {
  let i = start;
  let key = '';
  while (i < q.length) {
    const c = q[i] as string;
    if (c === '\\' && i + 1 < q.length) {
      key += q[i + 1];
      i += 2;
      continue;
    }
    if (c === ':') return key === '' ? undefined : { key, next: i + 1 };
    if (SPECIAL_END.has(c) || c === '"' || c === '*' || c === '?') return undefined;
    key += c;
    i++;
  }
  return undefined;
}

/** Wildcards are encoded as \u0000 (any run) and \u0001 (one char) so that escaped `*` stays literal. */
const ANY = '\u0000';
const ONE = '\u0001';

function readValue(q: string, start: number): { value: string; quoted: boolean; wildcard: boolean; next: number } {
  let i = start;
  let value = '';
  if (q[i] === '"') {
    i++;
    while (i < q.length && q[i] !== '"') {
      if (q[i] === '\\' && i + 1 < q.length) i++;
      value += q[i];
      i++;
    }
    if (i >= q.length) throw new QuerySyntaxError('unterminated quoted value');
    return { value, quoted: true, wildcard: false, next: i + 1 };
  }
  let wildcard = false;
  while (i < q.length && !SPECIAL_END.has(q[i] as string)) {
    const c = q[i] as string;
    if (c === '\\' && i + 1 < q.length) {
      value += q[i + 1];
      i += 2;
      continue;
    }
    if (c === '*') {
      value += ANY;
      wildcard = true;
    } else if (c === '?') {
      value += ONE;
      wildcard = true;
    } else value += c;
    i++;
  }
  return { value, quoted: false, wildcard, next: i };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function wildcardRegExp(value: string, flags: string, anchored: boolean): RegExp {
  const body = value
    .split('')
    .map((ch) => (ch === ANY ? '.*' : ch === ONE ? '.' : escapeRegExp(ch)))
    .join('');
  return new RegExp(anchored ? `^${body}$` : body, flags + 's');
}

function exactMatcher(value: string, wildcard: boolean, caseInsensitive: boolean): (s: string) => boolean {
  if (wildcard) {
    const re = wildcardRegExp(value, caseInsensitive ? 'i' : '', true);
    return (s) => re.test(s);
  }
  if (caseInsensitive) {
    const v = value.toLowerCase();
    return (s) => s.toLowerCase() === v;
  }
  return (s) => s === value;
}

function textMatcher(value: string, wildcard: boolean): (s: string) => boolean {
  if (wildcard) {
    const re = wildcardRegExp(value, 'i', false);
    return (s) => re.test(s);
  }
  const v = value.toLowerCase();
  return (s) => s.toLowerCase().includes(v);
}

function termToQuery(tok: Extract<Token, { t: 'term' }>): Query {
  const raw = tok.key !== undefined ? `${tok.key}:${tok.value}` : tok.value;
  if (tok.key === undefined) return { kind: 'text', match: textMatcher(tok.value, tok.wildcard), raw };
  if (tok.key.startsWith('@')) {
    const path = tok.key.slice(1);
    if (path === '') throw new QuerySyntaxError('empty attribute path');
    return { kind: 'attr', path, match: exactMatcher(tok.value, tok.wildcard, false), raw };
  }
  const key = tok.key;
  // `message:` is the message, as free text is: a phrase (quoted or one word) anywhere in it, case-insensitive; with
  // wildcards the pattern covers the whole message (`message:*timeout*`).
  if (key === 'message') {
    const match = tok.wildcard ? exactMatcher(tok.value, true, true) : textMatcher(tok.value, false);
    return { kind: 'text', match, raw };
  }
  if (key === 'status') {
    if (tok.wildcard) return { kind: 'field', field: 'status', match: exactMatcher(tok.value, true, true), raw };
    const want = normalizeStatus(tok.value);
    return { kind: 'field', field: 'status', match: (s) => s === want, raw };
  }
  if (key === 'service' || key === 'host' || key === 'source') {
    return { kind: 'field', field: key, match: exactMatcher(tok.value, tok.wildcard, true), raw };
  }
  return { kind: 'tag', key: key.toLowerCase(), match: exactMatcher(tok.value, tok.wildcard, true), raw };
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  parse(): Query {
    if (this.toks.length === 0) return { kind: 'all' };
    const q = this.or();
    if (this.i < this.toks.length) throw new QuerySyntaxError('unexpected ")"');
    return q;
  }

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private or(): Query {
    const parts = [this.and()];
    while (this.peek()?.t === 'or') {
      this.i++;
      parts.push(this.and());
    }
    return parts.length === 1 ? (parts[0] as Query) : { kind: 'or', parts };
  }

  private and(): Query {
    const parts = [this.unary()];
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.t === 'or' || t.t === 'rparen') break;
      if (t.t === 'and') this.i++;
      parts.push(this.unary());
    }
    return parts.length === 1 ? (parts[0] as Query) : { kind: 'and', parts };
  }

  private unary(): Query {
    const t = this.toks[this.i++];
    if (t === undefined) throw new QuerySyntaxError('query ends where a term was expected');
    switch (t.t) {
      case 'not':
        return { kind: 'not', part: this.unary() };
      case 'lparen': {
        const q = this.or();
        if (this.toks[this.i++]?.t !== 'rparen') throw new QuerySyntaxError('missing ")"');
        return q;
      }
      case 'term':
        return termToQuery(t);
      default:
        throw new QuerySyntaxError(`unexpected ${t.t.toUpperCase()}`);
    }
  }
}

export function parseQuery(q: string | undefined): Query {
  const s = (q ?? '').trim();
  if (s === '' || s === '*') return { kind: 'all' };
  return new Parser(tokenize(s)).parse();
}

function matchValue(v: unknown, match: (s: string) => boolean): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.some((x) => matchValue(x, match));
  if (typeof v === 'object') return false;
  return match(String(v));
}

export function matchQuery(q: Query, r: QueryTarget): boolean {
  switch (q.kind) {
    case 'all':
      return true;
    case 'and':
      return q.parts.every((p) => matchQuery(p, r));
    case 'or':
      return q.parts.some((p) => matchQuery(p, r));
    case 'not':
      return !matchQuery(q.part, r);
    case 'text':
      return q.match(r.message);
    case 'field':
      return q.match(r[q.field]);
    case 'tag':
      for (const tag of r.tags) {
        const i = tag.indexOf(':');
        if (i > 0 && tag.slice(0, i).toLowerCase() === q.key && q.match(tag.slice(i + 1))) return true;
      }
      return false;
    case 'attr':
      return matchValue(r.attribute(q.path), q.match);
  }
}
