/** The local flavor: records in files under the home (or `path`), read back and tailed from there. */
import type { Destination } from '../destination.js';
import { skipped } from '../check-row.js';
import type { LocalSettings } from './settings.js';
import { LOCAL_SCHEDULE_DELAY_MS } from './batching.js';
import { LOCAL_SPEC } from './config.js';
import { createLocalExporter } from './exporter.js';
import { createSegmentExporter, createSegmentRecordWriter } from './segment-exporter.js';
import { createLocalSpoolExporter } from './spool-exporter.js';
import { localLogUri } from './paths.js';

/** Reading what was appended to a few files is cheap: tail polls often and is close to live. */
const FOLLOW_INTERVAL_MS = 200;
/**
 * `run` writes a local record before it shows it: held only this long (a busy machine writing late), so lines of
 * parallel steps still print in order.
 */
const FOLLOW_HOLD_MS = 250;

// Reading back, counting, deleting and `verify` load their modules on first use: `run` never needs them
// (docs/performance.md, start-up).

export const localDestination: Destination<LocalSettings> = {
  spec: LOCAL_SPEC,
  // The local flavor has no batching keys: `run` writes each chunk's records at once (createRecordWriter); the
  // exporter, for other callers, within LOCAL_SCHEDULE_DELAY_MS.
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
  // Segments, one set of files per writing process; a context without a writer (older callers) writes JSONL.
  journaled: false,
  follow: {
    intervalMs: FOLLOW_INTERVAL_MS,
    holdMs: () => FOLLOW_HOLD_MS,
  },
  deleteRecords: async (s, runId) => (await import('./remove-run.js')).removeLocalRun(s.dir, runId),
  createExporter: (s, context) =>
    context.writer !== undefined
      ? createSegmentExporter({ dir: s.dir, context: { ...context, writer: context.writer } })
      : createLocalExporter({ dir: s.dir, context }),
  // `run` writes each chunk's records to the segments before showing it: the files are the run's journal.
  createRecordWriter: (s, context) => createSegmentRecordWriter({ dir: s.dir, context }),
  storedRecords: async (s, step) => (await import('./store-reader.js')).countStepRecords(s.dir, step),
  createSpoolExporter: (s) => createLocalSpoolExporter(s.dir),
  logUri: (s, runId, logId, writer) => localLogUri(s.dir, runId, logId, writer),
  verify: async (s) => [await (await import('./verify.js')).checkDirectory(s.dir, s.component.name)],
  verifyWithoutSecrets: async () =>
    (await import('./verify.js')).LOCAL_CHECKS.map((c) => skipped(c, 'the secret references must resolve first')),
  // Not findsUnrecordedRuns: `logs` reads a local store only through a run record, so the run id is known.
  createRunReader: async (s, env) =>
    (await import('./run-reader.js')).createLocalRunReader(s.dir, env.runId ?? '', env.warn),
  createRunPages: async (s, env) => (await import('./segment-run-pages.js')).createSegmentRunPages(s.dir, env),
  describeAuthFailure: (s, status) => ({
    where: `the local store refused the write (HTTP ${status})`,
    fix: `check the directory of log store '${s.component.name}'`,
  }),
};
