/**
 * V8's tier-up, tuned for a busy `run` on Node 20.
 *
 * On Node 20 (V8 11) a 1M-line datadog run spent ~0.35 s of its ~2.7 CPU-s compiling with TurboFan on V8's helper
 * threads, and the compiles go on all run long: the functions called once per chunk, batch or request become hot
 * one after the other. Four times V8 11's interrupt budget (the bytecode a function runs between two tier-up checks;
 * its default is 67,584 bytes) compiles fewer of them: −3 to −5 % of our CPU on the bench's `ceiling` as set here
 * (−5 to −10 % set at start), no change on the local store or on `print` (paired runs, docs/performance.md
 * "tier-up").
 *
 * Not on Node 24 (V8 13, with Maglev): it has no such flag, and later tier-up (its invocation counts raised) cost
 * ~5 % more there.
 */
import { builtin } from './builtins.js';

/** What the child must have written before the run is tuned: loading node:v8 costs ~3 ms a short run need not pay. */
export const BUSY_RUN_BYTES = 256 * 1024;

/** V8 11's default interrupt budget. */
const DEFAULT_INTERRUPT_BUDGET = 67_584;
const INTERRUPT_BUDGET = 4 * DEFAULT_INTERRUPT_BUDGET;

let applied = false;

/** Raises V8 11's interrupt budget, once per process; elsewhere, or if V8 refuses, nothing happens. */
export function tuneJitForBusyRun(v8Version: string = process.versions.v8): boolean {
  if (applied || !v8Version.startsWith('11.')) return false;
  applied = true;
  try {
    builtin('node:v8').setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
    return true;
  } catch {
    // A runtime without the flag or the module: the run is only a little slower.
    return false;
  }
}

/**
 * Puts the flag back to V8's default, when it was raised: before bin/run-with-code-cache.cjs writes the code cache.
 * V8 stamps a cache with a hash of its flags, and a process started with the defaults rejects a cache written under
 * others: a busy run's cache was thrown away by every next start, which compiled the bundle from scratch (+16 % on
 * `run -- true`) and wrote it again, poisoned again when that run was busy too.
 */
export function untuneJit(): void {
  if (!applied) return;
  try {
    builtin('node:v8').setFlagsFromString(`--interrupt-budget=${DEFAULT_INTERRUPT_BUDGET}`);
  } catch {
    // As above: the cache is only written for nothing.
  }
}
