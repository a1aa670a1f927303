/**
 * The local flavor's writers: each call is one append of frames to the stream's segment files (one set of files per
 * writing process, so parallel runs of one step never interleave), in order; fsync about once a second and at
 * close. `run` writes through the record writer, synchronously per chunk before the chunk is shown (the files are
 * the journal: a kill -9 loses nothing shown); the exporter (batches, for other callers) shares it. A write the disk
 * refuses is a failure (spooled or counted), never half written.
 */
import { createIntakeSerializer } from '../datadog/serializer.js';
import { SUCCESS, createRecordArrayWriter, splitArrayBatch, type Exporter } from '../../pipeline/exporter.js';
import type { RecordWriter } from '../../pipeline/direct-sink.js';
import type { LogRecordData, StreamContext } from '../../core/log-record.js';
import { localRunDir, localSegmentBase } from './paths.js';
import { createFrameEncoder, SEGMENT_VERSION } from '../../pipeline/segment-format.js';
import { createSegmentWriter, FSYNC_BYTES, type SegmentWriter } from '../../pipeline/segment-writer.js';

export interface SegmentExporterOptions {
  /** The logs directory (home/logs or the flavor's `path`). */
  dir: string;
  /** With `writer` set: it names the files. */
  context: StreamContext & { writer: string };
  now?: () => number;
}

export interface SegmentRecordWriter extends RecordWriter {
  readonly segments: SegmentWriter;
}

export interface SegmentExporter extends Exporter<LogRecordData[]> {
  readonly writer: SegmentWriter;
}

/** A rough serialized size, to bound a batch's memory: the message dominates. */
const sizeOf = (r: LogRecordData): number => r.message.length + 16;

export function createSegmentRecordWriter(options: SegmentExporterOptions): SegmentRecordWriter {
  const { context } = options;
  const segments = createSegmentWriter({
    dir: localRunDir(options.dir, context.runId),
    baseName: localSegmentBase(context.logId, context.writer),
    header: {
      v: SEGMENT_VERSION,
      kind: 'local',
      writer: context.writer,
      context,
      createdAt: (options.now ?? Date.now)(),
    },
    // The periodic fsyncs off the thread that reads the child, and begun every FSYNC_BYTES too: the fsync at close,
    // which `run` waits for, then covers the last few MB instead of everything since the last second.
    syncInBackground: true,
    fsyncBytes: FSYNC_BYTES,
    ...(options.now ? { now: options.now } : {}),
  });
  const encoder = createFrameEncoder();
  let serializer: ReturnType<typeof createIntakeSerializer> | undefined;
  return {
    segments,
    where: `the local store in ${localRunDir(options.dir, context.runId)}`,
    get error() {
      return segments.error;
    },
    append(records) {
      const first = records[0];
      if (first !== undefined && segments.bytes === 0) segments.noteStream(first.stream);
      encoder.begin();
      for (const r of records) encoder.encode(r);
      return segments.append(encoder.bytes());
    },
    item: (r) => (serializer ??= createIntakeSerializer(context)).serialize(r),
    tick: () => segments.syncIfDue(),
    close: () => segments.close(),
  };
}

export function createSegmentExporter(options: SegmentExporterOptions): SegmentExporter {
  const records = createSegmentRecordWriter(options);
  return {
    writer: records.segments,
    createBatch: () => createRecordArrayWriter(sizeOf),
    export: (batch) =>
      Promise.resolve(
        records.append(batch)
          ? SUCCESS
          : { kind: 'failure', message: `cannot write ${records.where}: ${records.error ?? 'unknown error'}` },
      ),
    split: splitArrayBatch,
    items: (batch) => batch.map(records.item),
    item: records.item,
    shutdown: async () => records.close(),
  };
}
