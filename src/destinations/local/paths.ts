/** Where the local flavor keeps a stream's records: `<dir>/<run-id>/<log-id>.jsonl`. Readers use the same helper. */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export function localLogPath(dir: string, runId: string, logId: string): string {
  return join(dir, safeSegment(runId), `${safeSegment(logId)}.jsonl`);
}

/** `zenml.log.uri` for the local flavor. */
export function localLogUri(dir: string, runId: string, logId: string): string {
  return pathToFileURL(localLogPath(dir, runId, logId)).href;
}

/** A `--run-id` is user text: it must name one directory, never a path that climbs out of `dir`. */
export function safeSegment(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return cleaned === '' || /^\.+$/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/**
 * Deletes every record the local store holds for a run (`runs delete`, `runs prune`): the one place that knows which
 * files belong to a run, so a change of layout changes this function with it. Answers how many files went.
 */
export async function removeLocalRun(dir: string, runId: string): Promise<number> {
  const runDir = join(dir, safeSegment(runId));
  let files: string[];
  try {
    files = await readdir(runDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  await rm(runDir, { recursive: true, force: true });
  return files.length;
}
