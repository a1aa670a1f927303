/** Whether a process id is alive on this machine (EPERM: alive, owned by someone else). */
import { readFileSync } from 'node:fs';

export type IsAlive = (pid: number) => boolean;

/** A process's state letter from /proc (`R`, `S`, `T`, `Z`...), or undefined where it cannot be read (gone, no /proc). */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ...`: comm may hold spaces and parentheses, so the state follows the last ')'.
    return stat.charAt(stat.lastIndexOf(')') + 2) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A zombie (killed, not yet reaped by its parent) still answers kill(pid, 0): on Linux its state in /proc says so,
 * so a `run` just killed with -9 reads as interrupted, not running. Elsewhere (no /proc) the signal's answer stands.
 */
function isZombie(pid: number): boolean {
  return procState(pid) === 'Z';
}

export const processIsAlive: IsAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};
