/** Reads (and tails) a run's files in the local store. */
import { finishEntries } from '../../query/run-reader.js';
import type { RunReader } from '../../query/run-reader.js';
import { createLocalTail } from './reader.js';
import type { LocalPoll } from './reader.js';

function skippedLines(r: LocalPoll): string {
  const lines = `${r.skipped} unreadable line${r.skipped === 1 ? '' : 's'}`;
  return `${lines} skipped in ${(r.damaged ?? []).join(', ')}: a damaged file; those records cannot be read back`;
}

export function createLocalRunReader(dir: string, runId: string, warn: (line: string) => void): RunReader {
  return {
    arrivalWord: 'found',
    async read(filter) {
      const r = await createLocalTail(dir, runId).poll(true);
      if (r.skipped > 0) warn(skippedLines(r));
      return {
        entries: finishEntries(r.entries, filter),
        partial: false,
        stoppedEarly: false,
        serverElapsedMs: 0,
        pages: 0,
      };
    },
    followSource() {
      const tail = createLocalTail(dir, runId);
      return {
        async poll() {
          const r = await tail.poll(false);
          if (r.skipped > 0) warn(skippedLines(r));
          return r.entries;
        },
      };
    },
  };
}
