/**
 * The name a run's log store has now: a run record keeps the id, name and flavor of its log store as they were, and
 * `log-store rename` does not rewrite the records, so what `runs list` and `runs describe` show is looked up by id.
 */
import type { Component } from './model.js';
import type { RunRecord } from './run-records.js';

/** The log store a run shipped to, found by its id, or undefined when no log store of that id is registered. */
export function logStoreOfRun(
  recorded: RunRecord['logStore'],
  stores: Record<string, Component>,
): Component | undefined {
  return Object.values(stores).find((c) => c.id === recorded.id);
}

/** The log store's name now, or undefined when no log store of that id is registered. */
export function logStoreNow(recorded: RunRecord['logStore'], stores: Record<string, Component>): string | undefined {
  return logStoreOfRun(recorded, stores)?.name;
}
