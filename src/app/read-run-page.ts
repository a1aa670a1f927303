/**
 * The one function the ui reads a run's records through: the pages of the run's log store, from its destination
 * (local: offset pages over an index of the files; Datadog: Logs Search cursor pages). When the local store moves to
 * compact segments, its destination's pages change and nothing above them does.
 */
import { CliError } from '../core/errors.js';
import { destinationOf } from '../destinations/index.js';
import type { ResolvedLogStore } from '../destinations/index.js';
import type { PagesEnv, RunPages } from '../query/run-pages.js';

export type { PageRecord, PagesEnv, RecordPage, RecordQuery, RunPages, Histogram } from '../query/run-pages.js';

/** Whether a log store's runs can be read back page by page (an otel store ships only). */
export function canReadPages(settings: ResolvedLogStore): boolean {
  return destinationOf(settings).createRunPages !== undefined;
}

export async function openRunPages(settings: ResolvedLogStore, env: PagesEnv): Promise<RunPages> {
  const pages = await destinationOf(settings).createRunPages?.(settings, env);
  if (pages === undefined)
    throw new CliError(
      `log store '${settings.component.name}' is an ${settings.flavor} log store, which ships only and cannot read logs back`,
      { hint: 'read its runs in the backend it ships to' },
    );
  const explain = (err: unknown): never => {
    throw pages.explainFailure?.(err) ?? err;
  };
  return {
    ...pages,
    page: (q, cursor, limit) => pages.page(q, cursor, limit).catch(explain),
    histogram: (q, buckets) => pages.histogram(q, buckets).catch(explain),
  };
}
