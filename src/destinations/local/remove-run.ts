/**
 * Deleting a run's records from the local store (`runs delete`, `runs prune`). Apart from paths.ts so that `run`,
 * which needs only the paths, does not load node:fs/promises for it (docs/performance.md, start-up).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { legacyRunDir, localRunDir } from './paths.js';

/**
 * Deletes every record the local store holds for a run (`runs delete`, `runs prune`): the one place that knows which
 * files belong to a run, so a change of layout changes this function with it. Answers how many files went.
 */
export async function removeLocalRun(dir: string, runId: string): Promise<number> {
  let removed = 0;
  // The run's own directory (segments, and JSONL when its id maps to the same name).
  const runDir = localRunDir(dir, runId);
  removed += await removeDir(runDir);
  // The older layout's directory, which `x:y` and `x_y` shared: only this run's files go, and only when it is not
  // another run's directory of the new layout too.
  const legacy = legacyRunDir(dir, runId);
  if (legacy !== runDir) {
    let names: string[] = [];
    try {
      names = await readdir(legacy);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const { readFile } = await import('node:fs/promises');
    for (const name of names.filter((n) => n.endsWith('.jsonl'))) {
      const text = await readFile(join(legacy, name), 'utf8').catch(() => '');
      const first = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
      let owner: unknown;
      try {
        owner = (JSON.parse(first) as Record<string, unknown>)['zenml.run.id'];
      } catch {
        owner = undefined;
      }
      if (owner === runId) {
        await rm(join(legacy, name), { force: true });
        removed++;
      }
    }
  }
  return removed;
}

async function removeDir(path: string): Promise<number> {
  let files: string[];
  try {
    files = await readdir(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  await rm(path, { recursive: true, force: true });
  return files.length;
}
