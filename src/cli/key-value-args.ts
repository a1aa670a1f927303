/**
 * ZenML-style config flags: `--key=value` and `--key value` both work, for keys that only the flavor knows, so
 * commander hands us the raw words and we pair them here.
 */
import { UsageError } from '../core/errors.js';
import { isSecretLookingKey } from '../secrets/references.js';

/** Flags that are not config keys: consumed here so they may stand anywhere among the keys. */
export interface ParsedKeyValues {
  values: Record<string, string>;
  /** Boolean flags seen among the words (e.g. verify, set). */
  switches: Set<string>;
  /** Value flags that belong to the command (e.g. flavor, output). */
  options: Record<string, string>;
}

export function parseKeyValueArgs(
  words: readonly string[],
  /** `secretValues`: the words are a secret's values (`secret create/update`): a stray one is never quoted back. */
  known: { switches?: readonly string[]; options?: readonly string[]; secretValues?: boolean } = {},
): ParsedKeyValues {
  const values: Record<string, string> = {};
  const options: Record<string, string> = {};
  const switches = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('--') || word === '--') throw strayWord(word, known.secretValues === true);
    const eq = word.indexOf('=');
    const key = eq === -1 ? word.slice(2) : word.slice(2, eq);
    if (key === '')
      throw new UsageError(`malformed flag '${word}'`, { hint: 'config values are given as --key=value' });
    if (known.switches?.includes(key)) {
      if (eq !== -1) throw new UsageError(`--${key} takes no value`, { hint: `write just --${key}` });
      switches.add(key);
      continue;
    }
    let value: string;
    if (eq !== -1) {
      value = word.slice(eq + 1);
    } else {
      const next = words[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new UsageError(`--${key} needs a value`, { hint: `write --${key}=VALUE` });
      }
      value = next;
      i++;
    }
    const target = known.options?.includes(key) ? options : values;
    if (target[key] !== undefined && target[key] !== value) {
      throw new UsageError(`--${key} is given twice`, { hint: 'give each key once' });
    }
    target[key] = value;
  }
  return { values, switches, options };
}

/**
 * A word that is not a flag: `api_key=abc` (the `--` left out) is pointed at its flag; a secret's value (a stray word
 * of `secret create`, half of an unquoted value with a space, `api_key=...`) is not written to the terminal or a CI log.
 */
function strayWord(word: string, secret: boolean): UsageError {
  const pair = /^-?([A-Za-z0-9_][\w.-]*)=(.*)$/s.exec(word);
  if (pair) {
    const [, key, value] = pair;
    const masked = secret || isSecretLookingKey(key!);
    return new UsageError(`unexpected argument '${masked ? `${key!}=****` : word}'`, {
      hint: `did you mean --${key!}=${masked ? '...' : value!}?`,
    });
  }
  if (secret)
    return new UsageError('unexpected argument (not shown: it may be a secret value)', {
      hint: 'give values as --key=value, and quote a value that has spaces',
    });
  return new UsageError(`unexpected argument '${word}'`, { hint: 'config values are given as --key=value' });
}
