/**
 * Whether this thread is saturated: the event loop's utilization (the share of wall time it was not waiting for
 * I/O) over the last window. The batching processor paces its caller only while it is (batching-processor.ts
 * `Pacing`): a thread that waits on the network between chunks is not what is slow.
 */
// The global `performance` is perf_hooks' own (~10 modules, ~2-3 ms of a start on Node 24): it is first read when
// the probe is first asked, which happens only once batches wait for a send slot, so a run that prints little never
// loads it (docs/performance.md, start-up).
import type { EventLoopUtilization } from 'node:perf_hooks';

/** Busy at or above this share of the window. */
export const BUSY_UTILIZATION = 0.8;
/** How often the utilization is read again: the answer holds for this long. */
export const BUSY_WINDOW_MS = 100;

/** The probe's first window starts when it is first asked (saturated until then), not when it is made. */
export function createEventLoopBusyProbe(
  utilization: (prev?: EventLoopUtilization) => EventLoopUtilization = (prev) => performance.eventLoopUtilization(prev),
  now: () => number = () => performance.now(),
): () => boolean {
  let mark: EventLoopUtilization | undefined;
  let checkedAt = 0;
  let busy = true;
  return () => {
    const t = now();
    if (mark === undefined) {
      mark = utilization();
      checkedAt = t;
      return busy;
    }
    if (t - checkedAt < BUSY_WINDOW_MS) return busy;
    const since = utilization(mark);
    // Too short a measure (the loop was blocked in one long task) says nothing new.
    if (since.idle + since.active > 0) busy = since.utilization >= BUSY_UTILIZATION;
    mark = utilization();
    checkedAt = t;
    return busy;
  };
}
