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
  // Left to Node, SIGUSR1 opens its inspector on 127.0.0.1:9229 (no password: any local user can attach) in a long
  // wait that holds the log store's keys (and the ui's token): listening keeps it off.
  const ignore = () => {};
  const dispose = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGUSR1', ignore);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGUSR1', ignore);
  return { signal: ac.signal, dispose };
}
