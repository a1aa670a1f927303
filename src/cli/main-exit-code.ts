import { createSystemFactory } from '../app/factory.js';
import { runFastPath } from './run-fast-path.js';

// For the bin's code cache (bin/run-with-code-cache.cjs): which paths this run compiled.
export { codePathsTaken } from '../core/code-paths.js';
// Called by bin/run-with-code-cache.cjs before it writes the cache (core/jit-tuning.ts).
export { untuneJit as beforeCodeCache } from '../core/jit-tuning.js';

/**
 * The whole CLI for one argv, as an exit code: a plain `run` starts without commander; everything else (and any
 * `run` the fast path cannot parse) goes through the program. A function, not top-level code, so the run bundle
 * can be CommonJS (scripts/bundle.mjs) and carry a V8 code cache on every Node (bin/dd-logstore.js).
 */
export async function mainExitCode(argv: readonly string[]): Promise<number> {
  return (await runFastPath(argv, createSystemFactory)) ?? (await (await import('./program.js')).runSystemCli(argv));
}
