/**
 * The registry of destinations: the only place that names a log store flavor. Adding a flavor is one folder beside
 * these and one line here.
 */
import { unknownFlavor } from '../store/flavors.js';
import type { FlavorSpec } from '../store/flavors.js';
import type { Destination } from './destination.js';
import { datadogDestination } from './datadog/destination.js';
import type { DatadogSettings } from './datadog/settings.js';
import { localDestination } from './local/destination.js';
import type { LocalSettings } from './local/settings.js';
import { otelDestination } from './otel/destination.js';
import type { OtelSettings } from './otel/settings.js';

/** A log store's settings, resolved: one shape per flavor. */
export type ResolvedLogStore = LocalSettings | DatadogSettings | OtelSettings;
export type LogStoreFlavor = ResolvedLogStore['flavor'];

const DESTINATIONS: { [F in LogStoreFlavor]: Destination<Extract<ResolvedLogStore, { flavor: F }>> } = {
  local: localDestination,
  datadog: datadogDestination,
  otel: otelDestination,
};

export const LOG_STORE_SPECS: readonly FlavorSpec[] = Object.values(DESTINATIONS).map((d) => d.spec);

export function isFlavor(flavor: string): flavor is LogStoreFlavor {
  return Object.hasOwn(DESTINATIONS, flavor);
}

/** The destination of a flavor name from config.json or the command line; a UsageError names the valid ones. */
export function destinationNamed(flavor: string): Destination<ResolvedLogStore> {
  if (!isFlavor(flavor)) throw unknownFlavor('log-store', flavor, Object.keys(DESTINATIONS));
  return DESTINATIONS[flavor] as Destination<ResolvedLogStore>;
}

/**
 * The destination of resolved settings. TypeScript cannot tie the flavor of `settings` to the entry it picks, so
 * the entry is widened once here; each destination only ever receives settings of its own flavor.
 */
export function destinationOf<S extends ResolvedLogStore>(settings: S): Destination<S> {
  return DESTINATIONS[settings.flavor] as unknown as Destination<S>;
}
