/**
 * A run in its log store's web UI (Datadog's Logs Explorer): the URL `runs describe` shows, and the page
 * `logs --web` opens (or prints where no browser can be shown). Neither needs a secret: the destination builds it
 * from the log store's config.
 */
import { CliError, UsageError } from '../core/errors.js';
import { openInBrowser } from '../io/browser.js';
import type { Component } from '../store/model.js';
import type { RunRecord } from '../store/run-records.js';
import { logStoreOfRun } from '../store/run-log-store.js';
import type { Factory } from './factory.js';
import type { LogsOptions } from './read-logs.js';
import { componentDestination } from './resolve-log-store.js';

/** The run's web URL, when its log store is still registered here and has a web UI. */
export async function runLogsUrlOf(f: Factory, run: RunRecord): Promise<string | undefined> {
  const config = await f.configStore().read();
  const component = logStoreOfRun(run.logStore, config.components['log-store']);
  if (component === undefined) return undefined;
  return componentDestination(component).webUrl?.(component, { runId: run.runId, run, nowMs: f.now().getTime() });
}

/** `logs --web`: the run's Logs Explorer page, opened or printed. */
export async function openRunInDatadog(
  f: Factory,
  opts: LogsOptions,
  component: Component,
  run: RunRecord | undefined,
  runId: string,
): Promise<void> {
  const destination = componentDestination(component);
  const webUrl = destination.webUrl;
  if (webUrl === undefined)
    throw new UsageError(
      `--web opens Datadog's Logs Explorer, and log store '${component.name}' is ${/^[aeiou]/i.test(component.flavor) ? 'an' : 'a'} ${component.flavor} log store`,
      {
        // An otel log store ships only: `logs` cannot read it back either.
        hint:
          destination.createRunReader !== undefined
            ? `read the run here: dd-logstore logs --run-id ${runId}`
            : 'it ships only: read the run in the backend its OTLP endpoint feeds',
      },
    );
  const url = webUrl(component, {
    runId,
    run,
    nowMs: f.now().getTime(),
    step: opts.filter.step,
    level: opts.filter.level,
    grep: opts.filter.grep,
    since: opts.filter.since,
    until: opts.filter.until,
  });
  if (url === undefined)
    throw new CliError(`log store '${component.name}' gives its site or service_name as a secret reference`, {
      hint: `the Logs Explorer URL needs them as plain values: dd-logstore log-store update ${component.name}`,
    });
  await openInBrowser(url, { io: f.io, env: f.env });
}
