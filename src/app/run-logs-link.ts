/**
 * A run in Datadog's Logs Explorer: the URL `runs describe` shows, and the page `logs --web` opens (or prints where
 * no browser can be shown). Neither needs a secret: the site and service come from the log store's config.
 */
import { CliError, UsageError } from '../core/errors.js';
import { datadogSiteOf, runLogsUrl } from '../destinations/datadog/logs-url.js';
import { openInBrowser } from '../io/browser.js';
import type { Component } from '../store/model.js';
import type { RunRecord } from '../store/run-records.js';
import type { Factory } from './factory.js';
import type { LogsOptions } from './read-logs.js';

/** The run in Datadog's Logs Explorer, when its log store is a datadog one still registered here. */
export async function runLogsUrlOf(f: Factory, run: RunRecord): Promise<string | undefined> {
  const config = await f.configStore().read();
  const component = Object.values(config.components['log-store']).find((c) => c.id === run.logStore.id);
  const where = component ? datadogSiteOf(component) : undefined;
  if (!where) return undefined;
  return runLogsUrl({ ...where, runId: run.runId, run, nowMs: f.now().getTime() });
}

/** `logs --web`: the run's Logs Explorer page, opened or printed; no secrets needed. */
export async function openRunInDatadog(
  f: Factory,
  opts: LogsOptions,
  component: Component,
  run: RunRecord | undefined,
  runId: string,
): Promise<void> {
  if (component.flavor !== 'datadog')
    throw new UsageError(
      `--web opens Datadog's Logs Explorer, and log store '${component.name}' is a ${component.flavor} log store`,
      { hint: `read the run here: dd-logstore logs --run-id ${runId}` },
    );
  const where = datadogSiteOf(component);
  if (!where)
    throw new CliError(`log store '${component.name}' gives its site or service_name as a secret reference`, {
      hint: 'the Logs Explorer URL needs them as plain values: dd-logstore log-store update ' + component.name,
    });
  const url = runLogsUrl({
    ...where,
    runId,
    run,
    nowMs: f.now().getTime(),
    step: opts.filter.step,
    level: opts.filter.level,
    grep: opts.filter.grep,
    since: opts.filter.since,
    until: opts.filter.until,
  });
  await openInBrowser(url, { io: f.io, env: f.env });
}
