/**
 * One interface per destination (a log store flavor): its config keys, how its settings resolve, the exporter that
 * ships live and spooled records, its verify checks, its reader (when it can read back) and its hints. The registry
 * in ./index.ts is the only place that names a flavor; everything above it asks the destination.
 */
import type { Exporter } from '../pipeline/exporter.js';
import type { RecordWriter } from '../pipeline/direct-sink.js';
import type { BatchingOptions } from '../pipeline/batching-processor.js';
import type { SpoolExporter } from '../pipeline/resend.js';
import type { StreamContext } from '../core/log-record.js';
import type { Transport } from '../core/http/transport.js';
import type { Redactor } from '../io/redact.js';
import type { RunReader } from '../query/run-reader.js';
import type { PagesEnv, RunPages } from '../query/run-pages.js';
import type { FlavorSpec } from '../store/flavors.js';
import type { Component, ConfigValue } from '../store/model.js';
import type { RunRecord } from '../store/run-records.js';
import type { CheckRow, VerifyRequest } from './check-row.js';
import type { SearchFn } from './datadog/reader.js';
import type { Level } from '../core/log-record.js';

export interface BatchingSettings {
  maxExportBatchSize: number;
  maxQueueSize: number;
  scheduleDelayMillis: number;
  exportTimeoutMillis: number;
}

/** What every flavor's settings carry. */
export interface CommonSettings {
  component: Component;
  serviceName: string;
  serviceVersion: string;
  source: string;
  tags: string[];
  batching: BatchingSettings;
}

/** What a destination gets to resolve its settings: the config with defaults, secret references resolved. */
export interface ResolveInput {
  common: CommonSettings;
  /** The config with defaults applied, as written (references unresolved). */
  raw: Record<string, ConfigValue>;
  /** Every key's value as a string, secret references resolved. */
  values: Record<string, string>;
  /** The home's logs directory (the local flavor's default path). */
  logsDir: string;
  redactor: Redactor;
  /** One `warning:` line on stderr (a setting that cannot be honoured here, and what is done instead). */
  warn(line: string): void;
}

/** What a destination's reader needs from `logs`: waiting, notices and the clock. */
export interface ReaderEnv {
  /** Undefined for `logs --log-id` of a stream no run record here knows (only `findsUnrecordedRuns` get that). */
  runId: string | undefined;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  notice(line: string): void;
  warn(line: string): void;
  signal: AbortSignal;
  now(): number;
  /** The run record as it is now (re-read by follow), or undefined. */
  run(): RunRecord | undefined;
  /** Replaces the Logs Search call (tests). */
  search?: SearchFn;
}

/** Where verify writes its notes (stderr) and how it waits. */
export interface VerifyEnv {
  note(line: string): void;
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

/** Datadog drops records timed outside a window around now: such records are sent with the time they are read. */
export interface TimeWindow {
  maxAgeMs: number;
  maxLeadMs: number;
}

/** Which records of which run a web UI link shows. */
export interface RunWebQuery {
  runId: string;
  /** For the run's time window; undefined: the default look-back. */
  run: RunRecord | undefined;
  nowMs: number;
  step?: string | undefined;
  level?: Level | undefined;
  grep?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
}

export interface Destination<S extends CommonSettings = CommonSettings> {
  readonly spec: FlavorSpec;
  resolve(input: ResolveInput): S;
  /** Batching defaults of this flavor and the caps its intake puts on them. */
  batching(options: BatchingOptions): BatchingOptions;
  /** The exporter for one stream; `transport` makes the (retrying) HTTP transport when the flavor needs one. */
  createExporter(settings: S, context: StreamContext, transport: () => Transport): Exporter;
  /**
   * Wraps the HTTP transport, under the retries, to decide which answers count as delivery: the datadog flavor takes
   * only the intake's own answer (a proxy's HTML page is not). Used by `run` and by the spool's resend loop.
   */
  checkAnswers?(settings: S, inner: Transport): Transport;
  /** Sends spooled intake items (older spool files) again; `transport` as for createExporter. */
  createSpoolExporter(settings: S, transport: () => Transport): SpoolExporter;
  /**
   * Records go over the network: each is written to the run's journal before it counts as read, so a killed run
   * loses nothing (docs/reliability.md). The local flavor writes its own files and needs none.
   */
  readonly journaled: boolean;
  /**
   * The destination writes records itself, synchronously: `run` hands it each chunk's records before the chunk is
   * shown, instead of the batching sink, so its files are the journal (a kill -9 loses nothing that was shown).
   * Undefined: records go through the batching sink (and the journal when `journaled`).
   */
  createRecordWriter?(settings: S, context: StreamContext & { writer: string }): RecordWriter;
  /**
   * Records one step's own files hold (the local store): what a step that was killed before it ended had written.
   * Undefined where records are counted by their delivery (the journaled flavors: `flush` counts them).
   */
  storedRecords?(settings: S, step: { runId: string; logId: string; writer: string }): Promise<number>;
  /** How `logs --follow` polls this store, and how long it holds a new record so late ones still print in order. */
  readonly follow: { intervalMs: number; holdMs(settings: S, intervalMs: number): number };
  /** Removes a run's records (`runs delete`); undefined where they live elsewhere (see recordsKeptBy). */
  deleteRecords?(settings: S, runId: string): Promise<number>;
  /** Where a deleted run's records stay, for the message: `Datadog`. */
  recordsKeptBy?(component: Component): string;
  /** Records outside this window are re-stamped (Datadog); undefined: timestamps are kept as they are. */
  readonly timeWindow?: TimeWindow;
  /** The `zenml.log.uri` of a stream (of one writer: its files), for flavors that store files. */
  logUri?(settings: S, runId: string, logId: string, writer?: string): string;
  verify(settings: S, request: VerifyRequest, env: VerifyEnv): Promise<CheckRow[]>;
  /** The checks when the secret references do not resolve: what can still be checked, the rest skipped. */
  verifyWithoutSecrets(component: Component, request: VerifyRequest): Promise<CheckRow[]>;
  /** Its records can be found without a run record in this home (a search by run id, not files of the run). */
  readonly findsUnrecordedRuns?: boolean;
  /**
   * Reads a run back; undefined for write-only flavors (otel). Asynchronous: the reader's modules load on first use,
   * so `run` never loads them (as `verify`'s).
   */
  createRunReader?(settings: S, env: ReaderEnv): Promise<RunReader>;
  /** Reads a run back a page at a time (the ui); undefined for write-only flavors. Loaded on first use, as above. */
  createRunPages?(settings: S, env: PagesEnv & { search?: SearchFn }): Promise<RunPages>;
  /**
   * The run in the destination's own web UI (Datadog's Logs Explorer), from the component's config alone: no
   * secret needed. Undefined for flavors without one; the function returns undefined when the config cannot say.
   */
  webUrl?(component: Component, query: RunWebQuery): string | undefined;
  /** One line for credentials the far end refused, and what to run next. */
  describeAuthFailure(settings: S, status: number | undefined): { where: string; fix: string };
}
