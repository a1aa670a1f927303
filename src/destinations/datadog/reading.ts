/**
 * The datadog flavor's reading side (Logs Search: `logs`, the ui) and its `verify` checks. destination.ts loads this
 * module on first use, so `run`, which only ships, never loads the readers, the search client or `node:net`.
 */
import { CliError } from '../../core/errors.js';
import type { PagesEnv, RunPages } from '../../query/run-pages.js';
import type { RunReader } from '../../query/run-reader.js';
import type { Component } from '../../store/model.js';
import { skipped } from '../check-row.js';
import type { CheckRow, VerifyRequest } from '../check-row.js';
import type { ReaderEnv } from '../destination.js';
import { searchLogs } from './api-client.js';
import { SearchFailure } from './reader.js';
import { shippedServiceOf } from '../../store/run-records.js';
import type { SearchFn } from './reader.js';
import { createDatadogRunPages } from './run-pages.js';
import { createDatadogRunReader } from './run-reader.js';
import type { DatadogSettings } from './settings.js';
import { networkWithoutSecrets } from './verify.js';

export { checkDatadog } from './verify.js';

const LATER_CHECKS = ['api key', 'application key'];

/** A 403 from Logs Search, in one line: the application key's permission and the site in use. */
function searchFailure(err: unknown, s: DatadogSettings): Error | undefined {
  if (!(err instanceof SearchFailure)) return undefined;
  if (err.kind !== 'auth')
    return new CliError(`reading logs from Datadog failed: ${err.message}`, {
      hint: 'try again; --debug shows the cause',
      cause: err,
    });
  const api = new URL(s.routes.searchUrl).origin;
  return new CliError(
    `Datadog refused the logs search (${err.message}) on site ${s.site} (${api}): the application key ` +
      `needs the logs_read_data permission, and both keys must belong to site ${s.site}`,
    { hint: `check the keys of log store '${s.component.name}' and its site`, cause: err },
  );
}

export async function verifyWithoutSecrets(component: Component, request: VerifyRequest): Promise<CheckRow[]> {
  // The hosts can still be checked: that needs no secret.
  const network = await networkWithoutSecrets(component);
  const later = [
    ...(network ? [] : ['network: api', 'network: intake']),
    ...LATER_CHECKS,
    ...(request.roundtrip ? ['roundtrip'] : []),
  ];
  return [...(network ?? []), ...later.map((c) => skipped(c, 'the secret references must resolve first'))];
}

export function createDatadogReader(s: DatadogSettings, env: ReaderEnv): RunReader {
  const keys = { apiKey: s.apiKey, appKey: s.applicationKey };
  const search: SearchFn =
    env.search ?? ((body, sig, read) => searchLogs(s.routes, keys, body, { ...(sig ? { signal: sig } : {}), ...read }));
  const reader = createDatadogRunReader({
    service: shippedServiceOf(env.run()) ?? s.serviceName,
    runId: env.runId,
    deps: { search, sleep: env.sleep, notice: env.notice, signal: env.signal },
    now: env.now,
    run: env.run,
  });
  return {
    ...reader,
    explainFailure: (err) => searchFailure(err, s),
    isFatal: (err) => err instanceof SearchFailure && err.kind === 'auth',
  };
}

export function createDatadogPages(s: DatadogSettings, env: PagesEnv & { search?: SearchFn }): RunPages {
  const keys = { apiKey: s.apiKey, appKey: s.applicationKey };
  const search = env.search ?? ((body, sig) => searchLogs(s.routes, keys, body, sig ? { signal: sig } : {}));
  return createDatadogRunPages(
    {
      service: shippedServiceOf(env.run()) ?? s.serviceName,
      site: s.site,
      deps: { search, sleep: env.sleep, notice: env.notice },
      explainFailure: (err) => searchFailure(err, s),
    },
    env,
  );
}
