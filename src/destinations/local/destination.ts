/** The local flavor: records in files under the home (or `path`), read back and tailed from there. */
import type { Destination } from '../destination.js';
import type { LocalSettings } from './settings.js';
import { skipped } from '../check-row.js';
import { LOCAL_SCHEDULE_DELAY_MS } from './batching.js';
import { LOCAL_SPEC } from './config.js';
import { createLocalExporter } from './exporter.js';
import { localLogUri } from './paths.js';
import { createLocalRunReader } from './run-reader.js';
import { createLocalRunPages } from './run-pages.js';
import { LOCAL_CHECKS, checkDirectory } from './verify.js';

export const localDestination: Destination<LocalSettings> = {
  spec: LOCAL_SPEC,
  // The local flavor has no batching keys: it writes within LOCAL_SCHEDULE_DELAY_MS, so `logs tail` (which holds
  // records that long) is close to live.
  resolve: ({ common, values, logsDir }) => ({
    ...common,
    batching: { ...common.batching, scheduleDelayMillis: LOCAL_SCHEDULE_DELAY_MS },
    flavor: 'local',
    dir: values.path ?? logsDir,
  }),
  batching: (options) => ({
    ...options,
    maxExportBatchSize: 1000,
    scheduleDelayMillis: LOCAL_SCHEDULE_DELAY_MS,
    maxConcurrentExports: 1,
  }),
  createExporter: (s, context) => createLocalExporter({ dir: s.dir, context }),
  resendTarget: (s) => ({ flavor: 'local', dir: s.dir }),
  logUri: (s, runId, logId) => localLogUri(s.dir, runId, logId),
  verify: async (s) => [await checkDirectory(s.dir, s.component.name)],
  verifyWithoutSecrets: async () => LOCAL_CHECKS.map((c) => skipped(c, 'the secret references must resolve first')),
  // Not findsUnrecordedRuns: `logs` reads a local store only through a run record, so the run id is known.
  createRunReader: (s, env) => createLocalRunReader(s.dir, env.runId ?? '', env.warn),
  createRunPages: (s, env) => createLocalRunPages(s.dir, env),
  describeAuthFailure: (s, status) => ({
    where: `the local store refused the write (HTTP ${status})`,
    fix: `check the directory of log store '${s.component.name}'`,
  }),
};
