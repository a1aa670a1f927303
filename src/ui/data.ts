/**
 * What the ui's server reads, from this home: run records (re-read at each request, so a running run's status and
 * counts move), and each run's records through `openRunPages`, from the log store the run was shipped to (or the
 * one `--log-store` names). Log stores are resolved once (secrets resolved and registered with the redactor).
 */
import type { Factory } from '../app/factory.js';
import { formatErrorLine } from '../core/errors.js';
import { componentDestination, resolveLogStoreSettings } from '../app/resolve-log-store.js';
import { logStoreOfRun } from '../store/run-log-store.js';
import type { ResolvedLogStore } from '../app/resolve-log-store.js';
import { openRunPages } from '../app/read-run-page.js';
import { countInterruptedSteps } from '../app/interrupted-counts.js';
import type { RunPages } from '../app/read-run-page.js';
import type { SearchFn } from '../destinations/datadog/reader.js';
import { sleep } from '../query/system.js';
import { createRunRecordStore } from '../store/run-records.js';
import type { RunRecord } from '../store/run-records.js';
import type { Component } from '../store/model.js';
import { UiDataError } from './server.js';
import type { UiData } from './server.js';
import { newestFirst, summarizeRun } from './run-summary.js';
import type { RunDetail, UnrecordedRunDetail } from './run-summary.js';

/** Runs whose pages are kept open (a local run's index, a Datadog reader); the least recently used go first. */
const OPEN_RUNS = 8;
const MAX_NOTICES = 20;
/** How long an answer waits for the log stores' secrets to resolve (knowSecrets). */
const SECRETS_WAIT_MS = 3000;

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
    return logStoreOfRun(run.logStore, config.components['log-store']);
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

  const pagesOf = async (runId: string, run: RunRecord | undefined): Promise<RunPages | undefined> => {
    // Without a run record only a store that searches by run id can find the run (as `logs --log-store` does).
    const findsUnrecorded = o.logStore !== undefined && componentDestination(o.logStore).findsUnrecordedRuns;
    const entry = open.get(runId);
    // A run deleted (`runs delete`, `prune`) while the ui had it open is gone, not a run with no records.
    if (entry !== undefined && run === undefined && !findsUnrecorded) {
      open.delete(runId);
      return undefined;
    }
    if (entry !== undefined) {
      entry.run = run ?? entry.run;
      open.delete(runId);
      open.set(runId, entry); // most recently used last
      return entry.pages;
    }
    if (run === undefined && !findsUnrecorded) return undefined;
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
    const created: OpenRun = { run, notices: [], pages: undefined as unknown as RunPages };
    const notice = (line: string) => {
      f.io.err(`${line}\n`);
      created.notices.push(line);
      if (created.notices.length > MAX_NOTICES) created.notices.shift();
    };
    try {
      created.pages = await openRunPages(settings, {
        runId,
        run: () => created.run,
        now: () => f.now().getTime(),
        sleep,
        notice,
        ...(o.search !== undefined ? { search: o.search } : {}),
      });
    } catch (err) {
      throw new UiDataError(formatErrorLine(err).replace(/^error: /, ''), 409);
    }
    open.set(runId, created);
    if (open.size > OPEN_RUNS) open.delete(open.keys().next().value!);
    return created.pages;
  };

  /**
   * Every log store's secrets, resolved (best effort) before the first answer: the redactor then masks them in every
   * answer alike. Resolved as each Datadog run was read, a local run's command that printed a key showed it until some
   * Datadog run's page had been opened, and masked after.
   */
  let secretsKnown: Promise<void> | undefined;
  const knowSecrets = (): Promise<void> => {
    secretsKnown ??= (async () => {
      const config = await f.configStore().read();
      await Promise.all(Object.values(config.components['log-store']).map((c) => settingsOf(c).catch(() => undefined)));
    })().catch(() => undefined);
    // A keychain that asks (an unlock prompt) must not hold the runs page: an answer waits SECRETS_WAIT_MS at most.
    return Promise.race([secretsKnown, new Promise<void>((done) => setTimeout(done, SECRETS_WAIT_MS).unref())]);
  };
  /** The run with each argument masked on its own: quoted for the page (`'\''`), a secret would no longer match. */
  const masked = (run: RunRecord): RunRecord => ({
    ...run,
    steps: run.steps.map((st) => ({ ...st, argv: st.argv.map((a) => f.io.redactor.redact(a)) })),
  });

  /** Records of killed steps counted from their files, by run, log id and writer (countInterruptedSteps). */
  const counted = new Map<string, number>();
  return {
    async listRuns() {
      await knowSecrets();
      const all = await runs.list((file) => {
        if (unreadable.has(file)) return;
        unreadable.add(file);
        f.warn(`skipped ${file}: not a readable run record`);
      });
      const now = f.now().getTime();
      const shown = all.filter((r) => o.logStore === undefined || r.logStore.id === o.logStore.id);
      // As runs list counts them (a killed step's files are counted once, then remembered).
      for (const r of shown) await countInterruptedSteps(f, r, counted);
      return shown.map((r) => summarizeRun(masked(r), now)).sort(newestFirst);
    },
    async runDetail(runId) {
      await knowSecrets();
      const run = await readRun(runId);
      if (run === undefined) {
        // A run only the --log-store finds (by run id, with no record here): its records are read; say from where,
        // rather than "no run" over them.
        if (o.logStore === undefined || componentDestination(o.logStore).findsUnrecordedRuns !== true) return undefined;
        let webUrl: string | null = null;
        try {
          webUrl = (await pagesOf(runId, undefined))?.webUrl?.() ?? null;
        } catch {
          // Reading the records says what is wrong with the store.
        }
        const unrecorded: UnrecordedRunDetail = {
          runId,
          recorded: false,
          explorerUrl: webUrl,
          readFrom: { name: o.logStore.name, flavor: o.logStore.flavor },
        };
        return unrecorded;
      }
      await countInterruptedSteps(f, run, counted);
      const component = await componentOf(run);
      let webUrl: string | null = null;
      try {
        webUrl = (await pagesOf(runId, run))?.webUrl?.() ?? null;
      } catch {
        // Reading the records says what is wrong with the store; the run itself is still shown.
      }
      const detail: RunDetail = {
        ...summarizeRun(masked(run), f.now().getTime()),
        explorerUrl: webUrl,
        readFrom: component
          ? { name: component.name, flavor: component.flavor }
          : { name: run.logStore.name, flavor: run.logStore.flavor },
      };
      return detail;
    },
    async pages(runId) {
      await knowSecrets();
      return pagesOf(runId, await readRun(runId));
    },
    takeNotices(runId) {
      const entry = open.get(runId);
      return entry === undefined ? [] : entry.notices.splice(0);
    },
  };
}
