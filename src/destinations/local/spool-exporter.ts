/** Spooled intake items (older spool files) written to the local store's JSONL files. */
import { randomBytes } from '../../core/random.js';
import { appendFileSync } from 'node:fs';
import { makeDirsSync } from '../../core/fs/make-dirs.js';
import { dirname, join } from 'node:path';
import { splitArrayBatch } from '../../pipeline/exporter.js';
import type { SpoolExporter } from '../../pipeline/resend.js';
import { localLogPath } from './paths.js';

export function createLocalSpoolExporter(dir: string): SpoolExporter {
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
          makeDirsSync(dirname(file));
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
