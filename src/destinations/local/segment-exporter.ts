/**
 * The local flavor's exporter: each batch is one append of frames to the stream's segment files (one set of files
 * per writing process, so parallel runs of one step never interleave), in order; fsync about once a second and at
 * shutdown. A batch the disk refuses is a failure (spooled or counted by the processor), never half written.
 */
import { createIntakeSerializer } from '../datadog/serializer.js';
import { SUCCESS, createRecordArrayWriter, splitArrayBatch, type Exporter } from '../../pipeline/exporter.js';
import type { ExportOutcome } from '../../core/http/http-outcome.js';
import type { LogRecordData, StreamContext } from '../../core/log-record.js';
import { localRunDir, localSegmentBase } from './paths.js';
import { createFrameEncoder, SEGMENT_VERSION } from '../../pipeline/segment-format.js';
import { createSegmentWriter, type SegmentWriter } from '../../pipeline/segment-writer.js';

export interface SegmentExporterOptions {
  /** The logs directory (home/logs or the flavor's `path`). */
  dir: string;
  /** With `writer` set: it names the files. */
  context: StreamContext & { writer: string };
  now?: () => number;
}

export interface SegmentExporter extends Exporter<LogRecordData[]> {
  readonly writer: SegmentWriter;
}

/** A rough serialized size, to bound a batch's memory: the message dominates. */
const sizeOf = (r: LogRecordData): number => r.message.length + 16;

export function createSegmentExporter(options: SegmentExporterOptions): SegmentExporter {
  const { context } = options;
  const writer = createSegmentWriter({
    dir: localRunDir(options.dir, context.runId),
    baseName: localSegmentBase(context.logId, context.writer),
    header: {
      v: SEGMENT_VERSION,
      kind: 'local',
      writer: context.writer,
      context,
      createdAt: (options.now ?? Date.now)(),
    },
    ...(options.now ? { now: options.now } : {}),
  });
  const encoder = createFrameEncoder();
  let serializer: ReturnType<typeof createIntakeSerializer> | undefined;
  const item = (r: LogRecordData): string => (serializer ??= createIntakeSerializer(context)).serialize(r);

  function exportBatch(batch: LogRecordData[]): Promise<ExportOutcome> {
    encoder.begin();
    for (const r of batch) encoder.encode(r);
    if (writer.append(encoder.bytes())) return Promise.resolve(SUCCESS);
    return Promise.resolve({
      kind: 'failure',
      message: `cannot write the local store in ${localRunDir(options.dir, context.runId)}: ${writer.error ?? 'unknown error'}`,
    });
  }

  return {
    writer,
    createBatch: () => createRecordArrayWriter(sizeOf),
    export: exportBatch,
    split: splitArrayBatch,
    items: (batch) => batch.map(item),
    item,
    shutdown: async () => writer.close(),
  };
}
