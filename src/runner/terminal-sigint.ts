/**
 * Whether a SIGINT that `run` got reached the command too. A Ctrl-C typed at a terminal goes to the terminal's whole
 * foreground process group, whatever stdin is (`echo x | run -- cmd`, `run -- cmd < /dev/null`), so the command has
 * it already when we and it are in that group; passing it on would give it a second one, which many programs read as
 * "stop cleaning up and quit" (Python's KeyboardInterrupt during its handler). A SIGINT sent with kill(1) to `run`
 * alone, or any SIGINT when there is no terminal (CI) or `run` is a background job, reached only us: it is passed on.
 *
 * The signal does not say who sent it (Node gives no siginfo), so this is a judgement: the Ctrl-C is assumed when we
 * and the command are in the terminal's foreground group (Linux: `/proc/<pid>/stat`) and one of our stdin, stdout and
 * stderr is a terminal (someone is watching it). A script that runs `run` with all three redirected and sends it
 * SIGINT (a test harness, a supervisor) has it passed on, in a terminal's foreground group or not. Elsewhere (no
 * /proc) `fallback` answers: whether stdin is a terminal, the rule before.
 */
import { readFileSync, readlinkSync } from 'node:fs';

interface ProcStat {
  pgrp: number;
  ttyNr: number;
  tpgid: number;
}

/** Fields 5, 7 and 8 of proc(5)'s stat; the name (field 2) may hold spaces and parentheses, so count after its `)`. */
function readStat(pid: string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [pgrp, ttyNr, tpgid] = [Number(fields[2]), Number(fields[4]), Number(fields[5])];
  return Number.isInteger(pgrp) && Number.isInteger(ttyNr) && Number.isInteger(tpgid)
    ? { pgrp, ttyNr, tpgid }
    : undefined;
}

export function sigintReachedCommand(commandPid: number | undefined, fallback: boolean): boolean {
  const self = readStat('self');
  if (self === undefined) return fallback;
  // No controlling terminal, or we are not in its foreground group: the signal came from kill(1), to us alone.
  if (self.ttyNr === 0 || self.tpgid !== self.pgrp) return false;
  if (![0, 1, 2].some(isTerminal)) return false;
  const command = commandPid === undefined ? undefined : readStat(String(commandPid));
  // A command that made a process group of its own is not in the foreground group: the Ctrl-C did not reach it.
  return command === undefined || command.pgrp === self.tpgid;
}

/** Our descriptor `fd` is a terminal (read from /proc, as the rest: `node:tty` is not loaded at start for this). */
function isTerminal(fd: number): boolean {
  try {
    return /^\/dev\/(pts\/|tty|console$)/.test(readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    return false;
  }
}
