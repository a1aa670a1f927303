/**
 * The processes a command started, for killing them with it (as `docker stop` ends a whole container). Read from
 * `/proc` (Linux), else from `ps`: the parent links at this moment. A process that re-parented itself to init (a
 * daemon) is no longer anyone's descendant and is not found.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { procState } from './process-alive.js';

interface ProcessLink {
  pid: number;
  ppid: number;
  pgid: number;
}

function fromProc(): ProcessLink[] | undefined {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const out: ProcessLink[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses: split after its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]) });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

function fromPs(): ProcessLink[] {
  try {
    const text = execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid=', '-o', 'pgid='], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return text
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number))
      .filter((f) => f.length === 3 && f.every((n) => Number.isSafeInteger(n) && n > 0))
      .map(([pid, ppid, pgid]) => ({ pid: pid!, ppid: ppid!, pgid: pgid! }));
  } catch {
    return [];
  }
}

export interface ProcessTree {
  /** Every descendant of the root (children, grandchildren, ...), not the root itself. */
  descendants: number[];
  /** The root's process group, when the root leads one of its own (not `self`'s). */
  group?: number;
}

/** The descendants of `root` now; never `self` (this process). */
export function processTree(root: number, self = process.pid): ProcessTree {
  const links = fromProc() ?? fromPs();
  const children = new Map<number, number[]>();
  let rootGroup: number | undefined;
  let selfGroup: number | undefined;
  for (const l of links) {
    if (l.pid === root) rootGroup = l.pgid;
    if (l.pid === self) selfGroup = l.pgid;
    const list = children.get(l.ppid);
    if (list) list.push(l.pid);
    else children.set(l.ppid, [l.pid]);
  }
  const descendants: number[] = [];
  const seen = new Set<number>([root, self]);
  for (let queue = [root]; queue.length > 0;) {
    const next: number[] = [];
    for (const pid of queue)
      for (const c of children.get(pid) ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        descendants.push(c);
        next.push(c);
      }
    queue = next;
  }
  return {
    descendants,
    ...(rootGroup === root && rootGroup !== selfGroup && root !== self ? { group: rootGroup } : {}),
  };
}

/** How long the tree may take to stop before what was found is killed as it is. */
const STOP_BUDGET_MS = 2000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * SIGKILL to `root`, its descendants and its own process group; answers how many others were signalled. One look at
 * the tree would miss what a process starts between that look and its kill (a shell loop leaves children, re-parented
 * to init, holding the output): the tree is stopped first (a stopped process starts nothing), looked at again until
 * every process seen had stopped before a look that finds nothing new, then killed.
 */
export function killProcessTree(root: number, self = process.pid): number {
  const signal = (pid: number, name: NodeJS.Signals): boolean => {
    try {
      process.kill(pid, name);
      return true;
    } catch {
      return false;
    }
  };
  const seen = new Set<number>();
  let group: number | undefined;
  signal(root, 'SIGSTOP');
  for (const end = performance.now() + STOP_BUDGET_MS; ;) {
    // The states are read before the look: a process seen stopped then started nothing the look could miss. (Read
    // after it, a process that forked between the two looked settled and its child was left out.)
    const settled = [root, ...seen].every(stoppedOrGone);
    const tree = processTree(root, self);
    let fresh = false;
    if (tree.group !== undefined && group === undefined) {
      group = tree.group;
      signal(-group, 'SIGSTOP');
      fresh = true;
    }
    for (const pid of tree.descendants)
      if (!seen.has(pid)) {
        seen.add(pid);
        signal(pid, 'SIGSTOP');
        fresh = true;
      }
    if ((settled && !fresh) || performance.now() >= end) break;
    // A SIGSTOP takes effect once the process is next scheduled, which on a loaded machine takes a moment.
    if (!fresh) Atomics.wait(pause, 0, 0, 1);
  }
  signal(root, 'SIGKILL');
  let others = 0;
  for (const pid of seen) if (signal(pid, 'SIGKILL')) others++;
  if (group !== undefined) signal(-group, 'SIGKILL');
  return others;
}

/** Stopped, a zombie, or no more (from /proc; where there is none, taken as stopped). */
function stoppedOrGone(pid: number): boolean {
  const state = procState(pid);
  return state === undefined || state === 'T' || state === 't' || state === 'Z' || state === 'X';
}
