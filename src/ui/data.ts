/**
 * What the ui's server reads, from this home: run records (re-read at each request, so a running run's status and
 * counts move), and each run's records through `openRunPages`, from the log store the run was shipped to (or the
 * one `--log-store` names). Log stores are resolved once (secrets resolved and registered with the redactor).
 */
import type { Factory } from '../app/factory.js';
import { formatErrorLine } from '../core/errors.js';
import { resolveLogStoreSettings } from '../app/resolve-log-store.js';
import type { ResolvedLogStore } from '../app/resolve-log-store.js';
import { searchLogs } from '../destinations/datadog/api-client.js';
import { logsExplorerUrl } from '../destinations/datadog/sites.js';
import { openRunPages, pageQuery } from '../app/read-run-page.js';
import type { PageSource, RunPages } from '../app/read-run-page.js';
import { SearchFailure } from '../destinations/datadog/reader.js';
import type { SearchFn } from '../destinations/datadog/reader.js';
import { runWindow } from '../query/run-scope.js';
import { sleep } from '../query/system.js';
import { createRunRecordStore } from '../store/run-records.js';
import type { RunRecord } from '../store/run-records.js';
import type { Component } from '../store/model.js';
import { UiDataError } from './server.js';
import type { UiData } from './server.js';
import { newestFirst, summarizeRun } from './run-summary.js';
import type { RunDetail } from './run-summary.js';

/** Runs whose pages are kept open (a local run's index, a Datadog reader); the least recently used go first. */
const OPEN_RUNS = 8;
const MAX_NOTICES = 20;

export interface UiDataOptions {
  /** --log-store: list only the runs shipped to it, and read every run from it. */
  logStore?: Component;
  /** Tests pass the emulator's search; by default the real Logs Search client. */
  search?: SearchFn;
}

interface OpenRun {
  pages: RunPages;
  run: RunRecord | undefined;
  notices: string[];
}

export function createUiData(f: Factory, o: UiDataOptions = {}): UiData {
  const runs = createRunRecordStore(f.paths().runs);
  const settingsById = new Map<string, Promise<ResolvedLogStore>>();
  const open = new Map<string, OpenRun>();
  const unreadable = new Set<string>();

  const componentOf = async (run: RunRecord | undefined): Promise<Component | undefined> => {
    if (o.logStore !== undefined) return o.logStore;
    if (run === undefined) return undefined;
    const config = await f.configStore().read();
    return Object.values(config.components['log-store']).find((c) => c.id === run.logStore.id);
  };
  const settingsOf = (c: Component): Promise<ResolvedLogStore> => {
    let s = settingsById.get(c.id);
    if (s === undefined) {
      s = resolveLogStoreSettings(f, c);
      // A failure (a missing secret) is not remembered: fixing it and reloading the page must work.
      s.catch(() => settingsById.delete(c.id));
      settingsById.set(c.id, s);
    }
    return s;
  };
  const readRun = async (runId: string): Promise<RunRecord | undefined> => {
    const run = await runs.read(runId);
    if (run !== undefined && o.logStore !== undefined && run.logStore.id !== o.logStore.id) return undefined;
    return run;
  };

  const explorerUrl = (s: ResolvedLogStore, runId: string, run: RunRecord | undefined): string | null => {
    if (s.flavor !== 'datadog') return null;
    const w = runWindow(run, f.now().getTime(), undefined, undefined);
    return logsExplorerUrl(s.site, pageQuery(s.serviceName, runId, {}), w.from, w.to);
  };

  return {
    async listRuns() {
      const all = await runs.list((file) => {
        if (unreadable.has(file)) return;
        unreadable.add(file);
        f.warn(`skipped ${file}: not a readable run record`);
      });
      const now = f.now().getTime();
      return all
        .filter((r) => o.logStore === undefined || r.logStore.id === o.logStore.id)
        .map((r) => summarizeRun(r, now))
        .sort(newestFirst);
    },
    async runDetail(runId) {
      const run = await readRun(runId);
      if (run === undefined) return undefined;
      const component = await componentOf(run);
      let url: string | null = null;
      if (component !== undefined) {
        try {
          url = explorerUrl(await settingsOf(component), runId, run);
        } catch {
          // The records' read says what is wrong with the store; the run itself is still shown.
        }
      }
      const detail: RunDetail = {
        ...summarizeRun(run, f.now().getTime()),
        explorerUrl: url,
        readFrom: component
          ? { name: component.name, flavor: component.flavor }
          : { name: run.logStore.name, flavor: run.logStore.flavor },
      };
      return detail;
    },
    async pages(runId) {
      const run = await readRun(runId);
      const entry = open.get(runId);
      if (entry !== undefined) {
        entry.run = run ?? entry.run;
        open.delete(runId);
        open.set(runId, entry); // most recently used last
        return entry.pages;
      }
      // Without a run record only a Datadog store named by --log-store can be searched (as `logs` does).
      if (run === undefined && o.logStore?.flavor !== 'datadog') return undefined;
      const component = await componentOf(run);
      if (component === undefined)
        throw new UiDataError(
          `the log store of run ${runId} ('${run?.logStore.name}') is no longer registered: start the ui with --log-store NAME`,
          409,
        );
      let settings: ResolvedLogStore;
      try {
        settings = await settingsOf(component);
      } catch (err) {
        throw new UiDataError(formatErrorLine(err).replace(/^error: /, ''), 409);
      }
      const notices: string[] = [];
      const notice = (line: string) => {
        f.io.err(`${line}\n`);
        notices.push(line);
        if (notices.length > MAX_NOTICES) notices.shift();
      };
      const source = pageSource(settings, notice, o.search);
      const created: OpenRun = { run, notices, pages: undefined as unknown as RunPages };
      created.pages = wrapFailures(
        openRunPages(source, { runId, run: () => created.run, now: () => f.now().getTime() }),
        settings,
      );
      open.set(runId, created);
      if (open.size > OPEN_RUNS) open.delete(open.keys().next().value!);
      return created.pages;
    },
    takeNotices(runId) {
      const entry = open.get(runId);
      return entry === undefined ? [] : entry.notices.splice(0);
    },
  };
}

function pageSource(s: ResolvedLogStore, notice: (line: string) => void, search: SearchFn | undefined): PageSource {
  if (s.flavor === 'local') return { flavor: 'local', dir: s.dir };
  if (s.flavor === 'otel')
    throw new UiDataError(
      `log store '${s.component.name}' is an otel log store, which ships only and cannot read logs back`,
      409,
    );
  const keys = { apiKey: s.apiKey, appKey: s.applicationKey };
  const fn: SearchFn = search ?? ((body, signal) => searchLogs(s.routes, keys, body, signal ? { signal } : {}));
  return { flavor: 'datadog', service: s.serviceName, deps: { search: fn, sleep, notice } };
}

/** A Logs Search failure as the one line `logs` would print (a 403 names the permission and the site). */
function wrapFailures(pages: RunPages, s: ResolvedLogStore): RunPages {
  const say = (err: unknown): never => {
    if (err instanceof SearchFailure && s.flavor === 'datadog') {
      if (err.kind === 'auth')
        throw new UiDataError(
          `Datadog refused the logs search (${err.message}) on site ${s.site}: the application key needs the ` +
            `logs_read_data permission, and both keys must belong to site ${s.site}`,
          502,
        );
      throw new UiDataError(`reading logs from Datadog failed: ${err.message}`, 502);
    }
    throw err;
  };
  return {
    page: (q, cursor, limit) => pages.page(q, cursor, limit).catch(say),
    histogram: (q, buckets) => pages.histogram(q, buckets).catch(say),
    damaged: () => pages.damaged(),
  };
}
