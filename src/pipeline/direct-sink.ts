/**
 * The sink of a destination that writes records itself, synchronously (the local flavor's segment files): no queue,
 * no batching, no timer. `write` puts a chunk's records on disk before `run` shows the chunk, so what reached the
 * terminal survives a kill -9; for such a destination its files are the journal. Counting follows the batching
 * processor's: every record read ends delivered (written), spooled (the write was refused and the spool took the
 * records) or failed (neither: lost, and reported). A refused write keeps none of its records (no torn record).
 */
import type { LogRecordData } from '../core/log-record.js';
import type { BatchingProcessor, FirstErrors, ProcessorCounts, SpoolReason, SpoolSink } from './batching-processor.js';

/** A destination's synchronous writer (Destination.createRecordWriter). */
export interface RecordWriter {
  /** Appends the records in one write: true once they are on disk (the page cache), false (and `error`) when none is. */
  append(records: readonly LogRecordData[]): boolean;
  readonly error: string | undefined;
  /** Where the records go, for messages: `the local store in /path`. */
  readonly where: string;
  /** One record as an intake-style JSON item, for the spool when a write is refused. */
  item(record: LogRecordData): string;
  /** Called about once a second: fsync what was written since the last one. */
  tick(): void;
  /** fsync and close. */
  close(): void;
}

export interface DirectSink extends BatchingProcessor {
  /** Writes the records of one chunk now, and counts them. */
  write(records: readonly LogRecordData[]): void;
  /** About once a second (fsync). */
  tick(): void;
}

const REASON: SpoolReason = 'export failed';

export function createDirectSink(options: { writer: RecordWriter; spool?: SpoolSink }): DirectSink {
  const { writer, spool } = options;
  const counts: ProcessorCounts = { read: 0, delivered: 0, spooled: 0, dropped: 0, failed: 0 };
  const reasons: Partial<Record<SpoolReason, number>> = {};
  const errors: FirstErrors = {};
  let closed = false;

  function refused(records: readonly LogRecordData[]): void {
    const n = records.length;
    const message = `cannot write ${writer.where}: ${writer.error ?? 'unknown error'}`;
    let spooled = false;
    if (spool) {
      try {
        spooled = spool.append(records.map(writer.item), `${REASON}: ${message}`);
      } catch {
        spooled = false;
      }
    }
    if (spooled) counts.spooled += n;
    else counts.failed += n;
    reasons[REASON] = (reasons[REASON] ?? 0) + n;
    const first = errors.failure;
    if (first) first.records += n;
    else errors.failure = { message, records: n };
  }

  function write(records: readonly LogRecordData[]): void {
    if (records.length === 0) return;
    counts.read += records.length;
    if (closed) {
      counts.dropped += records.length;
      return;
    }
    if (writer.append(records)) counts.delivered += records.length;
    else refused(records);
  }

  function close(): void {
    if (closed) return;
    closed = true;
    try {
      writer.close();
    } catch {
      // The records were written (the page cache); a close that fails loses no counted record.
    }
  }

  return {
    write,
    tick: () => {
      if (!closed) writer.tick();
    },
    emit(record) {
      write([record]);
      return true;
    },
    isFull: () => false,
    drain: () => Promise.resolve(),
    interrupt: () => undefined,
    forceFlush: () => Promise.resolve('flushed'),
    shutdown: () => {
      close();
      return Promise.resolve({ ...counts });
    },
    counts: () => ({ ...counts }),
    firstErrors: () => structuredClone(errors),
    reasons: () => ({ ...reasons }),
    authFailure: () => undefined,
  };
}
