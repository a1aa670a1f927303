/**
 * The one redactor: every secret value that gets resolved is registered here, and every printer (stdout, stderr,
 * run records, error lines) passes its text through `redact` before it leaves the process.
 */
import { escapeControlChars, escapeForOneLine } from '../core/control-chars.js';

export const MASK = '****';

/** Values shorter than this are not masked inside other text: masking "a" everywhere would garble output. */
const MIN_MASKED_LENGTH = 3;

export class Redactor {
  private readonly values = new Set<string>();
  /** The values' UTF-8, for output written as bytes (held-out.ts). */
  private bytes: Buffer[] | undefined;
  private pattern: RegExp | undefined;
  /** The same alternation without the `g` flag, for redactIfPresent. */
  private test: RegExp | undefined;

  add(value: string | undefined | null): void {
    if (!value || value.length < MIN_MASKED_LENGTH || this.values.has(value)) return;
    this.values.add(value);
    // Messages show a value's control characters escaped before it is masked (an error line, a tab too; a warning,
    // its newlines kept): those forms are the secret too.
    for (const escaped of [escapeForOneLine(value), escapeControlChars(value), escapeControlChars(value, true)])
      if (escaped !== value) this.values.add(escaped);
    this.pattern = undefined;
    this.test = undefined;
    this.bytes = undefined;
  }

  /**
   * Each value's UTF-8: text holds a value exactly when its UTF-8 holds the value's (a value with a lone surrogate,
   * which UTF-8 text never holds, is looked for as U+FFFD's bytes: at worst a needless `redact`).
   */
  valueBytes(): readonly Buffer[] {
    return (this.bytes ??= [...this.values].map((v) => Buffer.from(v, 'utf8')));
  }

  get size(): number {
    return this.values.size;
  }

  /**
   * `redact` for hot paths (each chunk a child writes, a log record, a read-back's lines): one test of every value at
   * once first, so the common case, text with no secret in it, allocates nothing. The text itself when nothing
   * matched. The test beats an `includes` per value at every length (two values: 100 chars 59 ns against 193, a
   * 64 KB chunk 8.5 us against 22, Node 20; Node 24 alike) and `Buffer.indexOf` of their bytes (19 us).
   */
  redactIfPresent(text: string): string {
    if (this.values.size === 0) return text;
    this.test ??= new RegExp(this.source());
    return this.test.test(text) ? this.redact(text) : text;
  }

  redact(text: string): string {
    if (this.values.size === 0 || text.length === 0) return text;
    this.pattern ??= new RegExp(this.source(), 'g');
    return text.replace(this.pattern, MASK);
  }

  /** Every value, longest first (so a value that contains another is masked whole). */
  private source(): string {
    return [...this.values]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|');
  }

  /**
   * Where text that goes on (a piece of a line too long to hold, the rest still to come) may be cut so that every
   * secret is masked whole: at most `text.length - (longest - 1)` (a secret that starts before the cut ends inside
   * `text`), and never inside an occurrence of a secret (the cut moves to its start). What is after the cut is
   * carried over to the next piece.
   */
  safeCut(text: string): number {
    if (this.values.size === 0) return text.length;
    let longest = 0;
    for (const v of this.values) if (v.length > longest) longest = v.length;
    let cut = Math.max(0, text.length - (longest - 1));
    for (let moved = true; moved && cut > 0;) {
      moved = false;
      for (const v of this.values) {
        // The first occurrence that could contain the cut: one starting in (cut - length, cut) does.
        const at = text.indexOf(v, Math.max(0, cut - v.length + 1));
        if (at !== -1 && at < cut) {
          cut = at;
          moved = true;
        }
      }
    }
    return cut;
  }

  /**
   * Redacts every string inside a JSON-like value (for run records and `--output json`): values, keys, and numbers
   * that spell a secret (which become the string `****`).
   */
  redactDeep<T>(value: T): T {
    if (this.values.size === 0) return value;
    return this.walk(value) as T;
  }

  /** `redactDeep` for hot paths (a JSON line's attributes): the value itself, untouched, when no secret is in it. */
  redactDeepIfPresent<T>(value: T): T {
    return this.values.size > 0 && this.holdsSecret(value) ? this.redactDeep(value) : value;
  }

  private holdsSecret(value: unknown): boolean {
    if (typeof value === 'string') return this.hasValue(value);
    if (typeof value === 'number' || typeof value === 'bigint') return this.hasValue(String(value));
    if (Array.isArray(value)) return value.some((v) => this.holdsSecret(v));
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) if (this.hasValue(k) || this.holdsSecret(v)) return true;
    }
    return false;
  }

  private hasValue(text: string): boolean {
    for (const v of this.values) if (text.includes(v)) return true;
    return false;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (typeof value === 'number' || typeof value === 'bigint') {
      const text = String(value);
      return this.hasValue(text) ? this.redact(text) : value;
    }
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.redact(k), this.walk(v)]));
    }
    return value;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
