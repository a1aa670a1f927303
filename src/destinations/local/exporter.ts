/**
 * The local flavor: appends JSONL (the intake item plus a unique `id`) to one file per stream, one write per
 * batch, in order, and fsyncs at shutdown.
 */
import { randomBytes } from '../../core/random.js';
import { open, type FileHandle } from 'node:fs/promises';
import { makeDirs } from '../../core/fs/make-dirs.js';
import { dirname } from 'node:path';
import { createIntakeSerializer } from '../datadog/serializer.js';
import { SUCCESS, type Exporter } from '../../pipeline/exporter.js';
import type { ExportOutcome } from '../../core/http/http-outcome.js';
import { createJsonBatchFactory, jsonBatchItems, type JsonBatch } from '../../pipeline/json-batch.js';
import type { StreamContext } from '../../core/log-record.js';
import { localLogPath } from './paths.js';

export interface LocalExporterOptions {
  /** The logs directory (home/logs or the flavor's `path`). */
  dir: string;
  context: StreamContext;
}

export interface LocalExporter extends Exporter<JsonBatch> {
  readonly file: string;
}

export function createLocalExporter(options: LocalExporterOptions): LocalExporter {
  const { context } = options;
  const file = localLogPath(options.dir, context.runId, context.logId);
  const serializer = createIntakeSerializer(context);
  // Unique across processes writing the same stream (a step run twice with one run id): random prefix + counter.
  const idPrefix = randomBytes(6).toString('hex');
  let counter = 0;
  const batches = createJsonBatchFactory(
    (out, record) => serializer.write(out, record, `${idPrefix}-${(counter++).toString(36)}`),
    'lines',
  );
  let handle: Promise<FileHandle> | undefined;
  // Writes are chained so batches land in the order they were closed, whatever the concurrency.
  let tail: Promise<unknown> = Promise.resolve();

  function openFile(): Promise<FileHandle> {
    handle ??= makeDirs(dirname(file)).then(() => open(file, 'a', 0o644));
    return handle;
  }

  function exportBatch(batch: JsonBatch): Promise<ExportOutcome> {
    const write = tail.then(async (): Promise<ExportOutcome> => {
      try {
        const fh = await openFile();
        await fh.write(batch.body);
        return SUCCESS;
      } catch (err) {
        return {
          kind: 'failure',
          message: `cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    });
    tail = write;
    return write;
  }

  async function shutdown(): Promise<void> {
    await tail;
    if (!handle) return;
    const fh = await handle.catch(() => undefined);
    handle = undefined;
    if (!fh) return;
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  return {
    file,
    createBatch: batches.createBatch,
    release: batches.release,
    export: exportBatch,
    items: (batch) => jsonBatchItems(batch, 'lines'),
    item: (record) => serializer.serialize(record),
    shutdown,
  };
}
