/**
 * The pipes the child writes its stdout and stderr to.
 *
 * Node's `stdio: 'pipe'` gives the child one end of a UNIX socketpair. A child that writes line by line (Python with
 * PYTHONUNBUFFERED, most loggers) then fills the socket's buffer with one small packet per write and the reader
 * wakes for nearly each one; measured here, reading 1M lines of a Python child that way took 4.0-4.4 s against
 * 2.4-3.4 s through a real pipe (the child alone: 1.6-2.4 s). So where we can, the child gets a real pipe: a FIFO
 * made in a private temporary directory (one `mkfifo` exec, ~2 ms), opened at both ends, then unlinked at once.
 * The child sees a plain pipe, as it would under `cmd | tee`. Where that fails (no mkfifo, Windows), socketpairs.
 *
 * Node cannot make a FIFO itself, and the exec (a fork of this ~50 MB process, then `mkfifo`) is ~11 ms of CPU, a
 * tenth of a short run's start-up. So the exec that makes a run's pair also makes spare pairs in a private
 * directory of the temporary directory, and the next runs claim one each with a few system calls: open both ends,
 * unlink the name. Unlinking is the claim: of two runs that opened the same spare, the one whose unlink fails lets
 * it go. One exec every SPARE_PAIRS + 1 runs.
 */
import { execFile, spawnSync } from 'node:child_process';
import {
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { randomBytes } from '../core/random.js';
import { closeSafely } from '../core/fs/quiet-cleanup.js';

export type PipeMode = 'auto' | 'fifo' | 'socketpair';

export interface FifoPair {
  /** Given to the child as its stdout / stderr. */
  writeFd: number;
  /** Ours. */
  readFd: number;
}

export type FifoPairs = [FifoPair, FifoPair];

/** Spare pairs made with a run's own: claimed by the next runs instead of an exec each. */
const SPARE_PAIRS = 8;

/** Two FIFOs (stdout, stderr), or undefined when they cannot be made here. Never throws. */
export function openFifoPipes(): FifoPairs | undefined {
  const spares = spareDir();
  const claimed = spares === undefined ? undefined : claimSpare(spares);
  if (claimed !== undefined) return claimed;
  const made = makeFifoDir();
  if (made === undefined) return undefined;
  const ok = spawnSync('mkfifo', mkfifoArgs(made, spares), { stdio: 'ignore' }).error === undefined;
  return openMade(made, ok);
}

/**
 * `openFifoPipes` without blocking on the `mkfifo` exec: `run` starts it first, and it is done by the time the
 * config is read and the run's modules are loaded.
 */
export function openFifoPipesAsync(): Promise<FifoPairs | undefined> {
  const spares = spareDir();
  const claimed = spares === undefined ? undefined : claimSpare(spares);
  if (claimed !== undefined) return Promise.resolve(claimed);
  const made = makeFifoDir();
  if (made === undefined) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    // A spare that could not be made (its directory removed meanwhile) fails the exit status, not our own pair.
    execFile('mkfifo', mkfifoArgs(made, spares), (err) => resolve(openMade(made, typeof err?.code !== 'string')));
  });
}

/** Our own pair first; then the spares, each one's stderr before its stdout: a spare with a `.out` is whole. */
function mkfifoArgs(made: FifoDir, spares: string | undefined): string[] {
  const args = ['-m', '600', ...made.paths];
  if (spares === undefined) return args;
  for (let i = 0; i < SPARE_PAIRS; i++) {
    const id = randomBytes(8).toString('hex');
    args.push(join(spares, `${id}.err`), join(spares, `${id}.out`));
  }
  return args;
}

/** The spares' directory, made when missing; undefined unless only this user can read and write it. */
function spareDir(): string | undefined {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return undefined;
  const dir = join(tmpdir(), `dd-logstore-fifos-${process.getuid()}`);
  try {
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      mkdirSync(dir, { mode: 0o700 });
      st = lstatSync(dir);
    }
    // Anyone else who could write here could read a run's output: such a directory is not used.
    return st.isDirectory() && st.uid === process.getuid() && (st.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** A spare pair, open at both ends and unlinked; undefined when there is none left. Never throws. */
function claimSpare(dir: string): FifoPairs | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!name.endsWith('.out')) continue;
    const id = name.slice(0, -'.out'.length);
    const stdout = claimFifo(join(dir, `${id}.out`));
    if (stdout === undefined) continue;
    // Whoever claimed the `.out` alone takes the `.err`, made before it.
    const stderr = claimFifo(join(dir, `${id}.err`));
    if (stderr !== undefined) return [stdout, stderr];
    closeSafely(stdout.readFd);
    closeSafely(stdout.writeFd);
  }
  return undefined;
}

/** Opens both ends of a spare FIFO, then unlinks it: undefined when another run unlinked it first. */
function claimFifo(path: string): FifoPair | undefined {
  const opened: number[] = [];
  try {
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    opened.push(readFd);
    if (!fstatSync(readFd).isFIFO()) return undefined;
    const writeFd = openSync(path, constants.O_WRONLY);
    opened.push(writeFd);
    unlinkSync(path);
    opened.length = 0;
    return { readFd, writeFd };
  } catch {
    return undefined;
  } finally {
    for (const fd of opened) closeSafely(fd);
  }
}

/** Closes both ends of pipes that will not be used (the run stopped before its child started). */
export function closeFifoPipes(pairs: FifoPairs | undefined): void {
  for (const pair of pairs ?? []) {
    closeSafely(pair.readFd);
    closeSafely(pair.writeFd);
  }
}

interface FifoDir {
  dir: string;
  paths: [string, string];
}

function makeFifoDir(): FifoDir | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    const dir = mkdtempSync(join(tmpdir(), 'dd-logstore-'));
    return { dir, paths: [join(dir, 'stdout'), join(dir, 'stderr')] };
  } catch {
    return undefined;
  }
}

/** Opens the FIFOs `mkfifo` made (when it did), then removes their names. Never throws. */
function openMade({ dir, paths }: FifoDir, made: boolean): FifoPairs | undefined {
  const opened: number[] = [];
  try {
    if (!made) return undefined;
    const pairs = paths.map((path) => {
      // The read end first, non-blocking, so opening the write end does not wait for a reader.
      const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      opened.push(readFd);
      const writeFd = openSync(path, constants.O_WRONLY);
      opened.push(writeFd);
      return { readFd, writeFd };
    });
    opened.length = 0;
    return [pairs[0] as FifoPair, pairs[1] as FifoPair];
  } catch {
    return undefined;
  } finally {
    for (const fd of opened) closeSafely(fd);
    // The open descriptors keep the pipes alive; the names are no longer needed.
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How much one read of a FIFO takes at most: the pipe's own default size, what Node reads a pipe by. */
const FIFO_READ_BYTES = 64 * 1024;

/**
 * A stream over our end of a FIFO that reads into one buffer again and again (Node's documented `onread` option)
 * and gives each chunk to its 'data' listeners as a view of that buffer, valid until they return. Read the Node way,
 * every chunk is a new 64 KB buffer: for the 97 MB of the `ceiling` run (1,488 reads) that cost 220–510 ms of CPU
 * against 33–70 ms reading into one buffer (page faults and the GC work of the external memory), in a loop that only
 * counted the bytes. A listener that keeps a chunk past its return (a write to a slow stdout that queues it) calls
 * `chunkKept()`, and the next read goes to a new buffer.
 */
export interface FifoReader extends Readable {
  chunkKept(): void;
}

export function readFifo(fd: number): FifoReader {
  let buf = Buffer.allocUnsafeSlow(FIFO_READ_BYTES);
  let kept = false;
  // `onread` is documented for connect(), whose options go to this constructor; @types/node lists it there only.
  const options: SocketConstructorOpts & { onread: OnReadOpts } = {
    fd,
    readable: true,
    writable: false,
    onread: {
      // Asked once at the start and after each chunk: the buffer the next read goes into.
      buffer: () => {
        if (kept) {
          kept = false;
          buf = Buffer.allocUnsafeSlow(FIFO_READ_BYTES);
        }
        return buf;
      },
      callback: (nread: number, into: Uint8Array) => {
        socket.emit('data', Buffer.from(into.buffer, into.byteOffset, nread));
        // Reading stops on pause() (a listener's backpressure), not here.
        return true;
      },
    },
  };
  const socket = new Socket(options) as Socket & FifoReader;
  socket.chunkKept = () => {
    kept = true;
  };
  return socket;
}
