/**
 * Reads a run's records from the local flavor's JSONL files (`<dir>/<run-id>/<log-id>.jsonl`). A tail remembers,
 * per file, how far it has read, so `--follow` reads only what was appended; a line still being written (no
 * newline yet) waits for the next poll.
 */
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { safeSegment } from './paths.js';
import { compareEntries, entryFromFlat } from '../../query/log-entry.js';
import type { LogEntry } from '../../query/log-entry.js';

export interface LocalPoll {
  entries: LogEntry[];
  /** Lines that did not parse (a damaged file). */
  skipped: number;
  /** The files those lines are in. */
  damaged?: string[];
}

export interface LocalTail {
  /** What was appended since the last poll. `final`: a last line without a newline is read too. */
  poll(final?: boolean): Promise<LocalPoll>;
}

const NL = 0x0a;

export function createLocalTail(dir: string, runId: string): LocalTail {
  const runDir = join(dir, safeSegment(runId));
  const files = new Map<string, { offset: number; carry: Buffer }>();
  return {
    async poll(final = false) {
      let names: string[];
      try {
        names = (await readdir(runDir)).filter((n) => n.endsWith('.jsonl')).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], skipped: 0 };
        throw err;
      }
      const out: LocalPoll = { entries: [], skipped: 0 };
      for (const name of names) {
        let state = files.get(name);
        if (state === undefined) files.set(name, (state = { offset: 0, carry: Buffer.alloc(0) }));
        const fh = await open(join(runDir, name), 'r');
        let chunk: Buffer;
        try {
          const size = (await fh.stat()).size;
          if (size < state.offset) state.offset = 0; // truncated or replaced: start over
          chunk = Buffer.alloc(size - state.offset);
          let read = 0;
          while (read < chunk.length) {
            const r = await fh.read(chunk, read, chunk.length - read, state.offset + read);
            if (r.bytesRead === 0) break;
            read += r.bytesRead;
          }
          chunk = chunk.subarray(0, read);
          state.offset += read;
        } finally {
          await fh.close();
        }
        const data = state.carry.length > 0 ? Buffer.concat([state.carry, chunk]) : chunk;
        const end = final ? data.length : data.lastIndexOf(NL) + 1;
        state.carry = Buffer.from(data.subarray(end));
        if (end === 0) continue;
        const before = out.skipped;
        parseLines(data.toString('utf8', 0, end), name, out);
        if (out.skipped > before) (out.damaged ??= []).push(join(runDir, name));
      }
      return out;
    },
  };
}

function parseLines(text: string, file: string, out: LocalPoll): void {
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = text.length;
    const line = text.slice(start, nl);
    start = nl + 1;
    lineNo++;
    if (line.trim() === '') continue;
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch {
      out.skipped++;
      continue;
    }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      out.skipped++;
      continue;
    }
    out.entries.push(entryFromFlat(item as Record<string, unknown>, `${file}:${lineNo}`));
  }
}

/** Everything the run's files hold now, in order. */
export async function readLocalRun(dir: string, runId: string): Promise<LocalPoll> {
  const result = await createLocalTail(dir, runId).poll(true);
  result.entries.sort(compareEntries);
  return result;
}
