/**
 * A name flag given an empty value (`--log-store="$LOG_STORE"` with the variable unset) would read as no flag at all:
 * `run` would ship to the active stack's log store and `logs` read from it without a word. Refused instead, as an
 * empty `--run-id` is.
 */
import { UsageError } from '../core/errors.js';

const NAME_FLAGS = {
  stack: ['--stack', 'e.g. --stack my_stack'],
  logStore: ['--log-store', 'e.g. --log-store datadog_logs'],
  step: ['--step', 'e.g. --step train'],
  pipeline: ['--pipeline', 'e.g. --pipeline training'],
} as const;

export type NameFlag = keyof typeof NAME_FLAGS;

/** Throws a usage error naming the first of `keys` whose value in `opts` is empty (or only blanks). */
export function refuseEmptyNames(opts: Readonly<Record<string, unknown>>, keys: readonly NameFlag[]): void {
  for (const key of keys) {
    const value = opts[key];
    if (typeof value === 'string' && value.trim() === '') {
      const [flag, example] = NAME_FLAGS[key];
      throw new UsageError(`${flag} cannot be empty`, { hint: `give a name, ${example}, or leave the flag out` });
    }
  }
}
