/** Spooled intake items (older spool files) sent again to the logs intake: one JSON array, compressed. */
import { toExportOutcome } from '../../core/http/http-outcome.js';
import type { Transport } from '../../core/http/transport.js';
import { compressBody, encodingHeader, type Compression } from '../../pipeline/compression.js';
import { splitArrayBatch } from '../../pipeline/exporter.js';
import type { SpoolExporter } from '../../pipeline/resend.js';

export function createIntakeSpoolExporter(
  url: string,
  apiKey: string,
  compression: Compression,
  transport: Transport,
): SpoolExporter {
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
