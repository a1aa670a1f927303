/**
 * Sending the spool again (`dd-logstore flush`, and `run` in the background): the same rules as a run (retrying
 * transport, 413 split, 400 isolation, 401/403 stop), one claimed file at a time. What is delivered is removed; what
 * is not is written back to a new spool file with its latest reason. Records older than Datadog's 18 h window are sent
 * with the current time and their own in `dd_logstore.original_timestamp`.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { isAuthStatus } from './batching-processor.js';
import { compressBody, encodingHeader, type Compression } from './compression.js';
import { MAX_ENTRIES_PER_REQUEST, MAX_PAYLOAD_BYTES } from '../destinations/datadog/limits.js';
import { splitArrayBatch } from './exporter.js';
import type { BatchPart, Exporter } from './exporter.js';
import type { ExportOutcome } from '../core/http/http-outcome.js';
import { toExportOutcome } from '../core/http/http-outcome.js';
import { localLogPath } from '../destinations/local/paths.js';
import type { OtlpProtocol } from '../destinations/otel/exporter.js';
import { INSTRUMENTATION_SCOPE, SEVERITY_NUMBER, toHrTime } from '../destinations/otel/records.js';
import { exportWithSplitting } from './splitting.js';
import {
  claimableFiles,
  claimFile,
  moveAside,
  processIsAlive,
  readSpoolFile,
  removeFile,
  writeSpoolFile,
  type IsAlive,
  type SpoolEntry,
} from './spool.js';
import type { Transport } from '../core/http/transport.js';
import { INTAKE_ITEM_FIELDS } from '../destinations/datadog/serializer.js';
import type { Level } from '../core/log-record.js';

import { ORIGINAL_TIMESTAMP } from '../core/log-record.js';

/** Where a spool is resent: the log sink's targets, less the in-memory test one. */
/** Where the spool's records go: the destination says (destinations/<flavor>/destination.ts `resendTarget`). */
export type ResendTarget =
  | { flavor: 'local'; dir: string }
  | { flavor: 'datadog'; protocol: 'intake' | 'otlp'; url: string; apiKey: string; compression?: Compression }
  | {
      flavor: 'otel';
      url: string;
      headers?: Record<string, string>;
      protocol?: OtlpProtocol;
      compression?: Compression;
    };

export type ResendExporter = Pick<Exporter<SpoolEntry[]>, 'export' | 'split' | 'shutdown'>;

export interface FlushReport {
  files: number;
  /** Spool lines read. */
  read: number;
  delivered: number;
  /** Still in the spool afterwards (rejected ones included). */
  kept: number;
  /** Refused by the intake as malformed (400/413 on a single record): kept, with the intake's text. */
  rejected: number;
  restamped: number;
  /** Files moved aside to corrupt/, and their unreadable lines. */
  corrupt: { file: string; badLines: number }[];
  /** Set when a 401/403 stopped the flush. */
  authError?: { status: number; message: string };
  /** Why the first batch that failed in this flush failed (the intake's answer), for the summary. */
  firstError?: string;
  /** Delivered per (run id, log id), to update the run records. */
  deliveredByStream: Map<string, { runId: string; logId?: string; count: number; latestMs?: number }>;
}

export interface FlushSpoolOptions {
  /** `spool/<log-store-id>`. */
  dir: string;
  exporter: ResendExporter;
  /** Re-stamp records older than 18 h (the Datadog flavor). */
  /** Records older than this are sent with the current time (the destination's time window); undefined: never. */
  restampOlderThanMs?: number;
  maxBatchItems?: number;
  maxBatchBytes?: number;
  now?: () => number;
  pid?: number;
  isAlive?: IsAlive;
  /** Stops between batches and aborts the one in flight (what is left stays in the spool). */
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

export async function flushSpool(options: FlushSpoolOptions): Promise<FlushReport> {
  const now = options.now ?? Date.now;
  const pid = options.pid ?? process.pid;
  const maxItems = Math.min(options.maxBatchItems ?? MAX_ENTRIES_PER_REQUEST, MAX_ENTRIES_PER_REQUEST);
  const maxBytes = Math.min(options.maxBatchBytes ?? MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES);
  const { exporter, signal } = options;
  const report: FlushReport = {
    files: 0,
    read: 0,
    delivered: 0,
    kept: 0,
    rejected: 0,
    restamped: 0,
    corrupt: [],
    deliveredByStream: new Map(),
  };
  let stoppedBy: ExportOutcome | undefined;
  const onAbort = (): void => void exporter.shutdown().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  const aborted = (): ExportOutcome | undefined =>
    signal?.aborted ? { kind: 'retryable', message: 'not resent: stopped', unsent: true } : stoppedBy;

  try {
    for (const name of claimableFiles(options.dir, options.isAlive ?? processIsAlive, pid)) {
      if (signal?.aborted || stoppedBy) break;
      const claimed = claimFile(options.dir, name, pid);
      if (claimed === undefined) continue;
      report.files++;
      let contents;
      try {
        contents = readSpoolFile(claimed);
      } catch (err) {
        options.warn?.(`cannot read spool file ${claimed}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      const { entries, bad } = contents;
      let original: string | undefined = claimed;
      if (bad > 0) {
        const dest = moveAside(options.dir, claimed, name);
        original = undefined;
        report.corrupt.push({ file: dest, badLines: bad });
        options.warn?.(
          `spool file ${name} has ${bad} unreadable line${bad === 1 ? '' : 's'}: moved to ${dest}; its ${entries.length} readable records are resent`,
        );
      }
      report.read += entries.length;
      const keep: SpoolEntry[] = [];
      for (const batch of chunk(entries, maxItems, maxBytes)) {
        if (aborted()) {
          keep.push(...batch);
          continue;
        }
        if (options.restampOlderThanMs !== undefined)
          report.restamped += restamp(batch, now(), options.restampOlderThanMs);
        const parts = await exportWithSplitting(
          exporter,
          { batch, count: batch.length },
          {
            stopped: aborted,
            observe: (o) => {
              if (o.kind === 'failure' && isAuthStatus(o.status) && !stoppedBy) {
                stoppedBy = { ...o, message: `not resent: HTTP ${o.status}`, unsent: true };
                report.authError = { status: o.status as number, message: o.message };
              }
            },
          },
        );
        for (const part of parts) settle(part, keep, report);
      }
      writeSpoolFile(options.dir, keep, now(), pid);
      report.kept += keep.length;
      if (original !== undefined) removeFile(original);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await exporter.shutdown().catch(() => undefined);
  }
  return report;
}

function settle(
  part: BatchPart<SpoolEntry[]> & { outcome: ExportOutcome },
  keep: SpoolEntry[],
  report: FlushReport,
): void {
  const { outcome, batch } = part;
  if (outcome.kind === 'success') {
    report.delivered += batch.length;
    for (const e of batch) {
      const key = `${e.runId}\u0000${e.logId ?? ''}`;
      const ts = typeof e.item.timestamp === 'number' ? e.item.timestamp : undefined;
      const s = report.deliveredByStream.get(key);
      if (s) {
        s.count++;
        if (ts !== undefined && (s.latestMs === undefined || ts > s.latestMs)) s.latestMs = ts;
      } else
        report.deliveredByStream.set(key, {
          runId: e.runId,
          ...(e.logId ? { logId: e.logId } : {}),
          count: 1,
          ...(ts === undefined ? {} : { latestMs: ts }),
        });
    }
    return;
  }
  if (outcome.kind === 'failure' && (outcome.status === 400 || outcome.status === 413) && batch.length === 1)
    report.rejected++;
  // Not tried (stopped, or after the key was refused): the record keeps the reason it was spooled for.
  const stopped = outcome.unsent === true;
  if (!stopped) report.firstError ??= outcome.message;
  for (const e of batch) keep.push(stopped ? e : { ...e, reason: outcome.message });
}

/** Gives records past the 18 h window the current time, keeping theirs; answers how many. */
function restamp(batch: SpoolEntry[], now: number, maxAgeMs: number): number {
  let n = 0;
  for (const e of batch) {
    const ts = e.item.timestamp;
    if (typeof ts === 'number' && ts < now - maxAgeMs) {
      if (e.item[ORIGINAL_TIMESTAMP] === undefined) e.item[ORIGINAL_TIMESTAMP] = ts;
      e.item.timestamp = now;
      n++;
    }
  }
  return n;
}

function* chunk(entries: SpoolEntry[], maxItems: number, maxBytes: number): Generator<SpoolEntry[]> {
  let batch: SpoolEntry[] = [];
  let bytes = 2;
  for (const e of entries) {
    // A rough size: the item's message dominates; the rest is a few hundred bytes.
    const size = Buffer.byteLength(String(e.item.message)) + 600;
    if (batch.length > 0 && (batch.length >= maxItems || bytes + size > maxBytes)) {
      yield batch;
      batch = [];
      bytes = 2;
    }
    batch.push(e);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/** The exporter that sends spooled items to a log store. */
export function createResendExporter(target: ResendTarget, transport: () => Transport): ResendExporter {
  switch (target.flavor) {
    case 'local':
      return createLocalResend(target.dir);
    case 'datadog':
      return target.protocol === 'intake'
        ? createIntakeResend(target.url, target.apiKey, target.compression ?? 'gzip', transport())
        : createOtlpResend(
            target.url,
            { 'dd-api-key': target.apiKey },
            'http/protobuf',
            target.compression ?? 'gzip',
            transport(),
          );
    case 'otel':
      return createOtlpResend(
        target.url,
        target.headers ?? {},
        target.protocol ?? 'http/protobuf',
        target.compression ?? 'none',
        transport(),
      );
  }
}

function createIntakeResend(
  url: string,
  apiKey: string,
  compression: Compression,
  transport: Transport,
): ResendExporter {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'DD-API-KEY': apiKey,
    ...encodingHeader(compression),
  };
  return {
    async export(batch) {
      const json = '[' + batch.map((e) => JSON.stringify(e.item)).join(',') + ']';
      const body = await compressBody(json, compression);
      return toExportOutcome(await transport.send({ url, headers, body }));
    },
    split: splitArrayBatch,
    shutdown: () => transport.close(),
  };
}

function createOtlpResend(
  url: string,
  extraHeaders: Record<string, string>,
  protocol: OtlpProtocol,
  compression: Compression,
  transport: Transport,
): ResendExporter {
  const headers: Record<string, string> = {
    ...extraHeaders,
    'Content-Type': protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
    ...encodingHeader(compression),
  };
  const resources = new Map<string, ReadableLogRecord['resource']>();
  const resourceOf = (item: Record<string, unknown>): ReadableLogRecord['resource'] => {
    const attrs = {
      'service.name': String(item.service ?? 'zenml'),
      'service.version': String(item.version ?? ''),
      'host.name': String(item.hostname ?? ''),
    };
    const key = JSON.stringify(attrs);
    let r = resources.get(key);
    if (!r) {
      const make = (a: Record<string, string>): ReadableLogRecord['resource'] => ({
        attributes: a,
        merge: (other) => make({ ...a, ...((other?.attributes ?? {}) as Record<string, string>) }),
        getRawAttributes: () => Object.entries(a),
      });
      r = make(attrs);
      resources.set(key, r);
    }
    return r;
  };
  const toReadable = (e: SpoolEntry): ReadableLogRecord => {
    const item = e.item;
    const level = (typeof item.status === 'string' && item.status in SEVERITY_NUMBER ? item.status : 'info') as Level;
    const attributes: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(item)) {
      if (INTAKE_ITEM_FIELDS.has(k) || v === undefined || v === null) continue;
      attributes[k] = typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean);
    }
    const hrTime = toHrTime(typeof item.timestamp === 'number' ? item.timestamp : Date.now());
    return {
      hrTime,
      hrTimeObserved: hrTime,
      severityText: level,
      severityNumber: SEVERITY_NUMBER[level],
      body: String(item.message),
      resource: resourceOf(item),
      instrumentationScope: INSTRUMENTATION_SCOPE,
      attributes,
      droppedAttributesCount: 0,
    };
  };
  return {
    async export(batch) {
      try {
        const m = await import('@opentelemetry/otlp-transformer');
        const s = protocol === 'http/json' ? m.JsonLogsSerializer : m.ProtobufLogsSerializer;
        const bytes = s.serializeRequest(batch.map(toReadable));
        if (bytes === undefined) return { kind: 'failure', message: 'OTLP serialization failed' };
        const body = await compressBody(bytes, compression);
        return toExportOutcome(await transport.send({ url, headers, body }));
      } catch (err) {
        return {
          kind: 'failure',
          message: `OTLP encoding failed: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    },
    split: splitArrayBatch,
    shutdown: () => transport.close(),
  };
}

function createLocalResend(dir: string): ResendExporter {
  const prefix = randomBytes(6).toString('hex');
  let counter = 0;
  return {
    async export(batch) {
      try {
        const byFile = new Map<string, string>();
        for (const e of batch) {
          const file = localLogPath(dir, e.runId, e.logId ?? String(e.item['zenml.log.id'] ?? 'spool'));
          const item = { id: e.item.id ?? `${prefix}-${(counter++).toString(36)}`, ...e.item };
          byFile.set(file, (byFile.get(file) ?? '') + JSON.stringify(item) + '\n');
        }
        for (const [file, text] of byFile) {
          mkdirSync(dirname(file), { recursive: true });
          appendFileSync(file, text);
        }
        return { kind: 'success' };
      } catch (err) {
        return {
          kind: 'failure',
          message: `cannot write ${join(dir)}: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    },
    split: splitArrayBatch,
    shutdown: async () => undefined,
  };
}
