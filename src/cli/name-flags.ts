/**
 * The name flags (`--stack`, `--log-store`, `--step`, `--pipeline`), checked before anything runs:
 * - An empty value (`--log-store="$LOG_STORE"` with the variable unset) would read as no flag at all: `run` would ship
 *   to the active stack's log store and `logs` read from it without a word. Refused instead, as an empty `--run-id` is.
 * - A control character (a newline from `--step "$(cmd)"`) would go into every record's attributes and split the
 *   one-line messages that name the step. Refused too: no step or component name can hold one.
 */
import { firstControlChar } from '../core/control-chars.js';
import { UsageError } from '../core/errors.js';

const NAME_FLAGS = {
  stack: ['--stack', 'e.g. --stack my_stack'],
  logStore: ['--log-store', 'e.g. --log-store datadog_logs'],
  step: ['--step', 'e.g. --step train'],
  pipeline: ['--pipeline', 'e.g. --pipeline training'],
} as const;

export type NameFlag = keyof typeof NAME_FLAGS;

/** Throws a usage error naming the first of `keys` whose value in `opts` is empty (or only blanks), or holds a control character. */
export function checkNameFlags(opts: Readonly<Record<string, unknown>>, keys: readonly NameFlag[]): void {
  for (const key of keys) {
    const value = opts[key];
    if (typeof value !== 'string') continue;
    const [flag, example] = NAME_FLAGS[key];
    if (value.trim() === '') {
      throw new UsageError(`${flag} cannot be empty`, { hint: `give a name, ${example}, or leave the flag out` });
    }
    const what = firstControlChar(value);
    if (what !== undefined)
      throw new UsageError(`${flag} cannot hold ${what}`, { hint: `give a name on one line, ${example}` });
  }
}
