/**
 * The seam between the batching processor and the wire formats. Each exporter owns its batch form: records are
 * serialized into the open batch as they are emitted (`createBatch().add`), so batches are bounded by their real
 * serialized size without serializing twice, and a closed batch is sent as is (`export`). Outcomes are values,
 * never exceptions (OTel `otlp-exporter-base` export-response), so a retrying wrapper can sit around `export` or
 * around the transport.
 */
import type { LogRecordData } from '../core/log-record.js';
import type { ExportOutcome } from '../core/http/http-outcome.js';

export interface BatchWriter<B> {
  /** Records added so far. */
  readonly count: number;
  /**
   * Serializes the record into the batch. Answers false, leaving the batch unchanged, when the batch already holds
   * records and this one would take it past `maxBytes`; an empty batch takes any record.
   */
  add(record: LogRecordData, maxBytes: number): boolean;
  /** The finished batch; the writer is not used after this. */
  finish(): B;
}

/** A batch and how many records it holds: what splitting (413, 400 isolation) hands around. */
export interface BatchPart<B> {
  batch: B;
  count: number;
}

export interface Exporter<B = unknown> {
  createBatch(): BatchWriter<B>;
  export(batch: B): Promise<ExportOutcome>;
  /**
   * Two halves of a batch of two or more records, for 413 and 400 isolation; undefined for a single record. The
   * halves own their memory (they outlive `release` of the batch they came from).
   */
  split?(batch: B): [BatchPart<B>, BatchPart<B>] | undefined;
  /** Each record of the batch as one intake-style JSON item (text), for the disk spool. */
  items?(batch: B): string[];
  /** One record as an intake-style JSON item, for records that go to the spool without being batched. */
  item?(record: LogRecordData): string;
  /** Called once a batch is settled (after `onFailed`): its memory may be reused. */
  release?(batch: B): void;
  /** Flushes what the exporter holds (files) and aborts what it still has in flight. */
  shutdown(): Promise<void>;
}

export const SUCCESS: ExportOutcome = Object.freeze({ kind: 'success' });

/** Halves of an array batch (the OTLP and in-memory exporters' records, the spool's entries). */
export function splitArrayBatch<T>(batch: T[]): [BatchPart<T[]>, BatchPart<T[]>] | undefined {
  if (batch.length < 2) return undefined;
  const mid = batch.length >> 1;
  return [
    { batch: batch.slice(0, mid), count: mid },
    { batch: batch.slice(mid), count: batch.length - mid },
  ];
}

/** A batch that keeps the records themselves, bounded by an estimate of their serialized size. */
export function createRecordArrayWriter(sizeOf: (record: LogRecordData) => number): BatchWriter<LogRecordData[]> {
  return new RecordArrayWriter(sizeOf);
}

/**
 * A class, not an object literal: V8 makes a literal with a getter (`count`) in dictionary mode, and the batching
 * processor's `open.add(...)` per record was a dictionary lookup (json-batch.ts's writers are classes for the same
 * reason).
 */
class RecordArrayWriter implements BatchWriter<LogRecordData[]> {
  private readonly records: LogRecordData[] = [];
  private bytes = 0;
  private readonly sizeOf: (record: LogRecordData) => number;

  constructor(sizeOf: (record: LogRecordData) => number) {
    this.sizeOf = sizeOf;
  }

  get count(): number {
    return this.records.length;
  }

  add(record: LogRecordData, maxBytes: number): boolean {
    const size = this.sizeOf(record);
    if (this.records.length > 0 && this.bytes + size > maxBytes) return false;
    this.records.push(record);
    this.bytes += size;
    return true;
  }

  finish(): LogRecordData[] {
    return this.records;
  }
}
