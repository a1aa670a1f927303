/** Timers that only move when told to: for tests of batch timers, flush deadlines and request timeouts. */
import type { Timers } from '../../src/core/timers.js';

export interface ManualTimers extends Timers {
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void;
  /** Timers waiting to fire. */
  pending(): number;
  now(): number;
}

export function createManualTimers(): ManualTimers {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();

  return {
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        let due: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
    pending: () => timers.size,
    now: () => now,
  };
}
