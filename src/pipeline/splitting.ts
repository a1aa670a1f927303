/**
 * 413 and 400 answers (docs/reliability.md, "Responses and retries"): a batch the intake finds too large is sent again
 * as halves, down to single records; a batch it rejects as malformed is halved the same way until the bad records
 * are alone, so every good record is delivered and each bad one ends with the intake's own error text. Halves are
 * sent one after the other: a 400 storm costs at most about 2 log2(n) requests per bad record.
 */
import type { BatchPart, Exporter } from './exporter.js';
import type { ExportOutcome } from '../core/http/http-outcome.js';

export interface SettledPart<B> extends BatchPart<B> {
  outcome: ExportOutcome;
}

export interface SplittingOptions {
  /** When set, a part is not sent and settles with this outcome (401/403 stop sending for the run). */
  stopped?: () => ExportOutcome | undefined;
  /** Sees every answer as it comes, before the parts settle. */
  observe?: (outcome: ExportOutcome) => void;
}

const SPLIT_STATUSES = new Set([400, 413]);

export async function exportWithSplitting<B>(
  exporter: Pick<Exporter<B>, 'export' | 'split'>,
  part: BatchPart<B>,
  options: SplittingOptions = {},
): Promise<SettledPart<B>[]> {
  const stop = options.stopped?.();
  if (stop) return [{ ...part, outcome: stop }];
  const outcome = await exportSafely(exporter, part.batch);
  options.observe?.(outcome);
  if (outcome.kind !== 'failure' || outcome.status === undefined || !SPLIT_STATUSES.has(outcome.status))
    return [{ ...part, outcome }];
  const halves = exporter.split?.(part.batch);
  if (!halves) {
    const message =
      outcome.status === 413 ? `a single record is too large for the intake: ${outcome.message}` : outcome.message;
    return [{ ...part, outcome: { ...outcome, message } }];
  }
  const settled: SettledPart<B>[] = [];
  for (const half of halves) settled.push(...(await exportWithSplitting(exporter, half, options)));
  return settled;
}

async function exportSafely<B>(exporter: Pick<Exporter<B>, 'export'>, batch: B): Promise<ExportOutcome> {
  try {
    return await exporter.export(batch);
  } catch (err) {
    // Exporters return outcomes; a throw is a bug, but it must not lose the records.
    return { kind: 'failure', message: `exporter threw: ${err instanceof Error ? err.message : String(err)}` };
  }
}
