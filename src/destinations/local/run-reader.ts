/** Reads (and tails) a run's records in the local store: segments as a stream, the older JSONL files as before. */
import type { LogEntry } from '../../query/log-entry.js';
import type { RunReader } from '../../query/run-reader.js';
import { createLocalStoreReader } from './store-reader.js';

export function createLocalRunReader(dir: string, runId: string, warn: (line: string) => void): RunReader {
  const store = createLocalStoreReader(dir, runId, warn);
  return {
    arrivalWord: 'found',
    async read(filter, limit) {
      const entries: LogEntry[] = [];
      const r = await store.stream(filter, (chunk) => entries.push(...chunk), limit);
      return { entries, partial: false, stoppedEarly: r.stoppedEarly, serverElapsedMs: 0, pages: 0 };
    },
    stream: (filter, each, limit) => store.stream(filter, each, limit),
    streamFrames: (filter, each, limit) => store.streamFrames(filter, each, limit),
    followSource() {
      const tail = store.tail();
      return { poll: () => tail.poll() };
    },
  };
}
