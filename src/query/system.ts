/** The real clock's waiting and Ctrl-C, for the logs command's default dependencies (tests pass their own). */

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface Interrupt {
  /** Aborted by the first SIGINT / SIGTERM; a second one gets Node's default (exit). */
  signal: AbortSignal;
  dispose(): void;
}

export function listenForInterrupt(): Interrupt {
  const ac = new AbortController();
  const onSignal = () => {
    dispose();
    ac.abort();
  };
  const dispose = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signal: ac.signal, dispose };
}
