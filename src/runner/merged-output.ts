/**
 * Whether our stdout and stderr are one file or pipe: the user merged them (`run ... > out 2>&1`,
 * `run ... 2>&1 | tee log`). Then the child gets one pipe for both (child.ts `merged`), as it would without us, and
 * its lines keep their order. Two pipes read by us cannot keep it: what the child wrote to each between two reads
 * comes out one pipe after the other.
 *
 * Only regular files, pipes and sockets count. A terminal is also one file for both, but there the streams are kept
 * apart (a stderr line keeps `--stderr-level`; lines reach the screen as soon as they are read); so is a character
 * device such as /dev/null (`> /dev/null 2>&1`: nothing to keep in order on screen).
 */
import { fstatSync, type Stats } from 'node:fs';
import type { Writable } from 'node:stream';

/** The file descriptor under a Node stream (process.stdout has `fd`), or undefined. */
function fdOf(stream: Writable): number | undefined {
  const fd = (stream as { fd?: unknown }).fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

/**
 * How our stdout and stderr share where they go: `merged`, one file, pipe or socket (the child gets one pipe for
 * both); `together`, one terminal or device (kept apart, but what the child prints on either shows where our notes
 * go); `apart`.
 */
export function outputSharing(stdout: Writable, stderr: Writable): 'merged' | 'together' | 'apart' {
  const shared = sharedStat(stdout, stderr);
  if (shared === undefined) return 'apart';
  return shared.isFile() || shared.isFIFO() || shared.isSocket() ? 'merged' : 'together';
}

/** The file both streams write to, when they write to one. */
function sharedStat(stdout: Writable, stderr: Writable): Stats | undefined {
  const out = fdOf(stdout);
  const err = fdOf(stderr);
  if (out === undefined || err === undefined) return undefined;
  try {
    const a = fstatSync(out);
    const b = fstatSync(err);
    return a.dev === b.dev && a.ino === b.ino ? a : undefined;
  } catch {
    return undefined;
  }
}
