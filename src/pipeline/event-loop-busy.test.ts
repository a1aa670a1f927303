import { describe, it, expect } from '@jest/globals';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { BUSY_WINDOW_MS, createEventLoopBusyProbe } from './event-loop-busy.js';

describe('event loop busy probe', () => {
  it('answers from the utilization since its last reading, read again once a window has passed', () => {
    let clock = 0;
    // Cumulative idle and active milliseconds, as performance.eventLoopUtilization() keeps them.
    let idle = 0;
    let active = 0;
    let reads = 0;
    const utilization = (prev?: EventLoopUtilization): EventLoopUtilization => {
      reads++;
      const i = idle - (prev?.idle ?? 0);
      const a = active - (prev?.active ?? 0);
      return { idle: i, active: a, utilization: i + a > 0 ? a / (i + a) : 0 };
    };
    const busy = createEventLoopBusyProbe(utilization, () => clock);
    // Nothing is read (perf_hooks is not loaded) until the probe is first asked: its first window starts then.
    expect(reads).toBe(0);
    clock += 5 * BUSY_WINDOW_MS;
    // Saturated until told otherwise.
    expect(busy()).toBe(true);
    expect(reads).toBe(1);
    // Waiting on the network most of the window: not busy.
    idle += 90;
    active += 10;
    clock += BUSY_WINDOW_MS;
    expect(busy()).toBe(false);
    // Within the window the answer holds, whatever happened since.
    active += 1000;
    clock += BUSY_WINDOW_MS - 1;
    expect(busy()).toBe(false);
    clock += 1;
    expect(busy()).toBe(true);
    idle += 50;
    active += 50;
    clock += BUSY_WINDOW_MS;
    expect(busy()).toBe(false);
  });
});
