/** Waiting, injected (architecture rule 11): tests drive batch timers and request timeouts without sleeping. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_TIMERS: Timers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A pending batch timer must never keep the process alive on its own.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Timers that keep the process alive: a request in flight or a wait between attempts must never let Node exit (the
 * batch timers above may). An undici request that fails without ever opening a socket leaves nothing else pending.
 */
export const KEEP_ALIVE_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
