/**
 * Who owns a journal, a claim or a running step, told apart from look-alikes: a pid alone is not enough (pids are
 * reused, and a process in another pid namespace, a container, has a pid that means nothing here). An owner is its
 * pid, its start time since boot (/proc/<pid>/stat), the boot id and the pid namespace. Where those cannot be
 * compared (another namespace or host, no /proc), the owner's heartbeat decides: a file it touches every second.
 */
import { processIsAlive } from '../core/process-alive.js';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessOwner {
  pid: number;
  /** Clock ticks since boot when the process started (/proc/<pid>/stat field 22). */
  startTicks?: number;
  bootId?: string;
  pidNs?: string;
  host: string;
}

/** A heartbeat older than this means its owner is gone (it touches the file every second). */
export const HEARTBEAT_STALE_MS = 15_000;

function readTrim(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function startTicksOf(pid: number): number | undefined {
  const stat = readTrim(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

let self: ProcessOwner | undefined;

export function currentOwner(): ProcessOwner {
  if (self !== undefined) return self;
  let pidNs: string | undefined;
  try {
    pidNs = readlinkSync('/proc/self/ns/pid');
  } catch {
    pidNs = undefined;
  }
  const startTicks = startTicksOf(process.pid);
  const bootId = readTrim('/proc/sys/kernel/random/boot_id');
  self = {
    pid: process.pid,
    host: hostname(),
    ...(startTicks !== undefined ? { startTicks } : {}),
    ...(bootId !== undefined ? { bootId } : {}),
    ...(pidNs !== undefined ? { pidNs } : {}),
  };
  return self;
}

export type Liveness = 'alive' | 'gone' | 'unknown';

/** Whether `owner` still runs, as far as this process can tell from its identity alone. */
export function ownerLiveness(owner: ProcessOwner | undefined): Liveness {
  if (owner === undefined || !Number.isInteger(owner.pid) || owner.pid <= 0) return 'unknown';
  const me = currentOwner();
  if (owner.host !== me.host) return 'unknown';
  if (owner.bootId !== undefined && me.bootId !== undefined && owner.bootId !== me.bootId) return 'gone';
  if (owner.pidNs !== undefined && me.pidNs !== undefined && owner.pidNs !== me.pidNs) return 'unknown';
  if (owner.pid === me.pid && owner.startTicks === me.startTicks) return 'alive';
  if (!processIsAlive(owner.pid)) return 'gone';
  if (owner.startTicks === undefined) return 'alive';
  const ticks = startTicksOf(owner.pid);
  if (ticks === undefined) return 'alive';
  // Alive, but another program that was given the same pid later.
  return ticks === owner.startTicks ? 'alive' : 'gone';
}

/** Liveness with the owner's heartbeat file as the tie-breaker when its identity cannot be checked from here. */
export function ownerAlive(owner: ProcessOwner | undefined, heartbeatFile: string, now = Date.now()): boolean {
  const l = ownerLiveness(owner);
  if (l !== 'unknown') return l === 'alive';
  try {
    return now - statSync(heartbeatFile).mtimeMs < HEARTBEAT_STALE_MS;
  } catch {
    return false;
  }
}
