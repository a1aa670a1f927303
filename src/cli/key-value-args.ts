/**
 * ZenML-style config flags: `--key=value` and `--key value` both work, for keys that only the flavor knows, so
 * commander hands us the raw words and we pair them here.
 */
import { UsageError } from '../core/errors.js';

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
  known: { switches?: readonly string[]; options?: readonly string[] } = {},
): ParsedKeyValues {
  const values: Record<string, string> = {};
  const options: Record<string, string> = {};
  const switches = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('--') || word === '--') {
      throw new UsageError(`unexpected argument '${word}'`, { hint: 'config values are given as --key=value' });
    }
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
