/** Whether a process id is alive on this machine (EPERM: alive, owned by someone else). */
import { readFileSync } from 'node:fs';

export type IsAlive = (pid: number) => boolean;

/**
 * A zombie (killed, not yet reaped by its parent) still answers kill(pid, 0): on Linux its state in /proc says so,
 * so a `run` just killed with -9 reads as interrupted, not running. Elsewhere (no /proc) the signal's answer stands.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ...`: comm may hold spaces and parentheses, so the state follows the last ')'.
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return false;
  }
}

export const processIsAlive: IsAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};
