/**
 * The Datadog Logs Explorer URL of a run: its query (the one `logs` searches with) over the run's time window, on the
 * log store's site. Printed in `run`'s summary line and by `runs describe`, opened by `logs --web`.
 */
import { DEFAULT_DATADOG_SITE, logsExplorerUrl } from './sites.js';
import type { RunWebQuery } from '../destination.js';
import type { Component } from '../../store/model.js';
import { buildRunQuery } from './query.js';
import { runWindow } from '../../query/run-scope.js';

export interface RunLogsUrlOptions extends RunWebQuery {
  site: string;
  service: string;
}

export function runLogsUrl(o: RunLogsUrlOptions): string {
  const query = buildRunQuery({
    service: o.service,
    runId: o.runId,
    ...(o.step !== undefined ? { step: o.step } : {}),
    ...(o.level !== undefined ? { level: o.level } : {}),
    ...(o.grep !== undefined ? { grep: o.grep } : {}),
  });
  const window = runWindow(o.run, o.nowMs, o.since, o.until);
  return logsExplorerUrl(o.site, query, window.from, window.to);
}

/**
 * The site and service of a datadog log store as configured, without resolving secrets (`runs describe` and
 * `logs --web` need no keychain). Undefined when either is a secret reference.
 */
export function datadogSiteOf(component: Component): { site: string; service: string } | undefined {
  const site = String(component.config.site ?? '').trim() || DEFAULT_DATADOG_SITE;
  const service = String(component.config.service_name ?? '').trim() || 'zenml';
  if (site.includes('{{') || service.includes('{{')) return undefined;
  return { site, service };
}
