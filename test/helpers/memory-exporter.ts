/**
 * A real exporter that keeps what it is sent, for tests of anything that emits records. Its answer per batch can
 * be scripted, and `hold()` keeps exports pending until released, to test in-flight and queue bounds.
 */
import { createRecordArrayWriter, splitArrayBatch, SUCCESS, type Exporter } from '../../src/pipeline/exporter.js';
import type { ExportOutcome } from '../../src/core/http/http-outcome.js';
import type { LogRecordData } from '../../src/core/log-record.js';

export interface MemoryExporter extends Exporter<LogRecordData[]> {
  /** Every record of every batch that was answered with success, in order. */
  readonly records: LogRecordData[];
  /** Every batch exported, whatever its answer. */
  readonly batches: LogRecordData[][];
  /** Exports started and not yet answered. */
  pending(): number;
  /** From now on, exports wait until `release()`. */
  hold(): void;
  /** Answers every held export (and stops holding). */
  release(): void;
  isShutdown(): boolean;
}

export interface MemoryExporterOptions {
  /** The answer for each batch (default success). */
  respond?: (batch: readonly LogRecordData[], index: number) => ExportOutcome;
}

export function createMemoryExporter(options: MemoryExporterOptions = {}): MemoryExporter {
  const records: LogRecordData[] = [];
  const batches: LogRecordData[][] = [];
  let holding = false;
  let held: (() => void)[] = [];
  let pending = 0;
  let shutdown = false;

  async function exportBatch(batch: readonly LogRecordData[]): Promise<ExportOutcome> {
    const index = batches.length;
    batches.push([...batch]);
    pending++;
    if (holding) await new Promise<void>((resolve) => held.push(resolve));
    pending--;
    const outcome = options.respond?.(batch, index) ?? SUCCESS;
    if (outcome.kind === 'success') records.push(...batch);
    return outcome;
  }

  function release(): void {
    holding = false;
    const waiting = held;
    held = [];
    for (const w of waiting) w();
  }

  return {
    records,
    batches,
    // Sized like an intake item: the message plus about 100 bytes of fields.
    createBatch: () => createRecordArrayWriter((record) => Buffer.byteLength(record.message) + 100),
    export: exportBatch,
    split: splitArrayBatch,
    items: (batch) => batch.map(memoryItem),
    item: memoryItem,
    shutdown: async () => {
      shutdown = true;
      release();
    },
    pending: () => pending,
    hold: () => {
      holding = true;
    },
    release,
    isShutdown: () => shutdown,
  };
}

/** A small intake-style item for the spool. */
export function memoryItem(record: LogRecordData): string {
  return JSON.stringify({
    message: record.message,
    status: record.level,
    timestamp: record.timestamp,
    'dd_logstore.seq': record.seq,
  });
}
