/**
 * Runs the child: stdin inherited, stdout and stderr read by us, every chunk written unchanged and live to our raw
 * streams and handed to `onChunk`. The result is the child's exit status as `run` reports it.
 *
 * `node:child_process` spawn rather than execa: we need none of execa's buffering, encoding or promise-of-output
 * machinery (it would either copy every chunk or get in the way of backpressure), we need control over how the
 * pipes are made (see child-pipes.ts), and spawn costs less at start-up.
 */
import { KEEP_ALIVE_TIMERS } from '../core/timers.js';
import type { Timers } from '../core/timers.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { CliError, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND } from '../core/errors.js';
import { killProcessTree } from '../core/process-tree.js';
import type { StreamName } from '../core/log-record.js';
import { buildChildEnv, fileIdentity } from './child-env.js';
import {
  closeFifoPipes,
  openFifoPipes,
  readFifo,
  type FifoPairs,
  type FifoReader,
  type PipeMode,
} from './child-pipes.js';
import { closeSafely } from '../core/fs/quiet-cleanup.js';

export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
/**
 * A command's own signals (reopen logs, dump state), passed on as they are (as tini and dumb-init do), with no
 * --kill-after. Listening for them also keeps Node's defaults away: SIGUSR1 would open its inspector on
 * 127.0.0.1:9229 in a process that holds resolved secrets, SIGUSR2 would kill `run` and leave the command orphaned.
 */
export const PASSED_SIGNALS: readonly NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2'];
/** After the child exited, how long its pipes may stay silent and open (a grandchild holding them) before we go on. */
export const PIPE_DRAIN_TIMEOUT_MS = 2000;
/** After the child exited, how long we read its pipes at most, however chatty what holds them: `run` always ends. */
export const PIPE_READ_LIMIT_MS = 10_000;
/** `--kill-after` default: as `docker stop`, a command that outlives a signal by this long gets SIGKILL. */
export const DEFAULT_KILL_AFTER_MS = 10_000;
/** The Ctrl-C that kills the command at once, whatever it does with the first ones (as `docker run` does). */
const FORCE_KILL_INTERRUPTS = 3;

/** Where signals come from: `process` in the CLI, an EventEmitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface StartChildOptions {
  command: string;
  args: readonly string[];
  /** Our environment; DD_LOGSTORE_RUN_ID, DD_LOGSTORE_STEP and our Python hook on PYTHONPATH are added (child-env). */
  env: NodeJS.ProcessEnv;
  runId: string;
  step?: string | undefined;
  cwd?: string | undefined;
  /** Our raw stdout / stderr: the child's bytes go there unchanged. */
  stdout: Writable;
  stderr: Writable;
  /**
   * Every chunk read, before it is written through. Must not throw. The chunk is valid until this returns (a FIFO is
   * read into one buffer again and again): copy what must be kept.
   */
  onChunk: (stream: StreamName, chunk: Buffer) => void;
  signals: SignalSource;
  pipeMode?: PipeMode | undefined;
  /** FIFOs made beforehand (openFifoPipesAsync); undefined inside means they could not be made: socketpairs. */
  fifos?: { pairs: FifoPairs | undefined } | undefined;
  drainTimeoutMs?: number | undefined;
  /** After the exit, the longest we keep reading (PIPE_READ_LIMIT_MS). */
  readLimitMs?: number | undefined;
  timers?: Timers | undefined;
  /**
   * Asked at each SIGINT: did it reach the child already (a Ctrl-C typed at the terminal, sent to its foreground
   * process group: terminal-sigint.ts)? Then it is not passed on (default: always passed on); it is still counted,
   * for the grace period and the third Ctrl-C.
   */
  sigintReachedChild?: ((childPid: number | undefined) => boolean) | undefined;
  /** After a signal, how long the command may take to exit before it gets SIGKILL (DEFAULT_KILL_AFTER_MS). */
  killAfterMs?: number | undefined;
  /** Our stdout and stderr descriptors: a grandchild still writing when we stop reading gets them (see below). */
  passThroughFds?: [number, number] | undefined;
  /** What `run` says on stderr (the SIGKILL). */
  onNote?: ((message: string) => void) | undefined;
  /**
   * Our stdout and stderr are one file or pipe (see `sameOutput`): the child gets one pipe for both, as under a
   * plain `cmd > out 2>&1`, so its lines keep their order; read as `combined` and written to `stdout`. Needs the
   * FIFOs: with socketpairs the streams stay apart.
   */
  merged?: boolean | undefined;
}

export interface ChildResult {
  /** The child's code; 128 + n when killed by signal n; 127 not found; 126 not executable. */
  exitCode: number;
  signal?: NodeJS.Signals;
  /** Set when the child could not be started (exit 126 / 127): the message names the command. */
  error?: CliError;
  /**
   * The pipes were still open after the child exited (a grandchild held them) and we went on: `handed-off` when what
   * it writes from then on still reaches our stdout/stderr (unrecorded), `closed` when it could not (its next write
   * fails, as in a pipeline whose reader went away).
   */
  pipesAbandoned?: 'handed-off' | 'closed';
  /** The command outlived a signal by `killAfterMs`, or a third Ctrl-C came: we sent SIGKILL. */
  killed?: boolean;
  /** When `killed`: the stop signal we had relayed first (SIGINT, SIGTERM, ...): why it was stopped. */
  killedAfter?: NodeJS.Signals;
}

export interface RunningChild {
  /** Undefined when the command could not be started. */
  readonly pid: number | undefined;
  readonly done: Promise<ChildResult>;
  /** Stop reading the child's pipes (the export queue is full): the child blocks on its writes, nothing is lost. */
  pause(): void;
  /** Read again after `pause`. */
  resume(): void;
}

export function startChild(opts: StartChildOptions): RunningChild {
  const timers = opts.timers ?? KEEP_ALIVE_TIMERS;
  const drainTimeoutMs = opts.drainTimeoutMs ?? PIPE_DRAIN_TIMEOUT_MS;
  const readLimitMs = opts.readLimitMs ?? PIPE_READ_LIMIT_MS;
  const killAfterMs = opts.killAfterMs ?? DEFAULT_KILL_AFTER_MS;
  const fifos = opts.pipeMode === 'socketpair' ? undefined : opts.fifos ? opts.fifos.pairs : openFifoPipes();
  const merged = opts.merged === true && fifos !== undefined;
  if (merged) {
    // The second FIFO is not needed: both of the child's fds get the first one.
    closeSafely(fifos[1].readFd);
    closeSafely(fifos[1].writeFd);
  }

  let child: ChildProcess;
  try {
    child = spawn(opts.command, [...opts.args], {
      cwd: opts.cwd,
      env: buildChildEnv(opts.env, {
        runId: opts.runId,
        step: opts.step,
        capture: fifos ? fileIdentity(fifos[0].writeFd) : undefined,
      }),
      stdio: ['inherit', fifos ? fifos[0].writeFd : 'pipe', fifos ? fifos[merged ? 0 : 1].writeFd : 'pipe'],
    });
  } catch (err) {
    // spawn throws synchronously only for bad arguments (a NUL byte in argv, a bad cwd type).
    if (merged) {
      closeSafely(fifos[0].readFd);
      closeSafely(fifos[0].writeFd);
    } else closeFifoPipes(fifos);
    return {
      pid: undefined,
      done: Promise.resolve(spawnFailure(opts.command, err)),
      pause: () => {},
      resume: () => {},
    };
  }
  if (fifos) {
    // The child has its copies; ours must go or we would never see end-of-file.
    closeSafely(fifos[0].writeFd);
    if (!merged) closeSafely(fifos[1].writeFd);
  }
  const readers: Array<[StreamName, Readable, Writable]> = merged
    ? [['combined', readFifo(fifos[0].readFd), opts.stdout]]
    : [
        ['stdout', fifos ? readFifo(fifos[0].readFd) : (child.stdout as Readable), opts.stdout],
        ['stderr', fifos ? readFifo(fifos[1].readFd) : (child.stderr as Readable), opts.stderr],
      ];

  const pipes: PipeControl[] = [];
  const done = new Promise<ChildResult>((resolve) => {
    let exit: ChildResult | undefined;
    let openReaders = readers.length;
    let drainTimer: unknown;
    let readLimitTimer: unknown;
    let killTimer: unknown;
    let interrupts = 0;
    let killed = false;
    let firstStop: NodeJS.Signals | undefined;
    let settled = false;

    const alive = (): boolean => child.exitCode === null && child.signalCode === null;
    const kill = (why: string): void => {
      if (!alive() || killed) return;
      killed = true;
      // As `docker stop` ends a whole container: what the command started goes too (its descendants at this moment,
      // and its own process group if it leads one).
      const others = child.pid === undefined ? 0 : killProcessTree(child.pid);
      if (child.pid === undefined) child.kill('SIGKILL');
      opts.onNote?.(
        `${why}: killing it (SIGKILL)` +
          (others > 0 ? `, and the ${others === 1 ? 'process' : `${others} processes`} it started` : ''),
      );
    };
    // As `docker stop`: the signal first, SIGKILL once the grace period is over; a third Ctrl-C does not wait.
    const onSignal = (signal: NodeJS.Signals) => () => {
      if (!alive()) return;
      firstStop ??= signal;
      if (signal !== 'SIGINT' || opts.sigintReachedChild?.(child.pid) !== true) child.kill(signal);
      if (signal === 'SIGINT' && ++interrupts >= FORCE_KILL_INTERRUPTS) {
        kill(`interrupted ${interrupts} times and the command is still running`);
        return;
      }
      if (killTimer === undefined && Number.isFinite(killAfterMs)) {
        killTimer = timers.setTimeout(
          () => kill(`the command did not exit within ${formatMs(killAfterMs)} of ${signal} (--kill-after)`),
          killAfterMs,
        );
      }
    };
    const forwarders = [
      ...FORWARDED_SIGNALS.map((signal) => [signal, onSignal(signal)] as const),
      ...PASSED_SIGNALS.map(
        (signal) =>
          [
            signal,
            () => {
              if (alive()) child.kill(signal);
            },
          ] as const,
      ),
    ];
    for (const [signal, listener] of forwarders) opts.signals.on(signal, listener);

    const finish = (): void => {
      if (settled || exit === undefined) return;
      settled = true;
      for (const t of [drainTimer, readLimitTimer, killTimer]) if (t !== undefined) timers.clearTimeout(t);
      for (const [signal, listener] of forwarders) opts.signals.off(signal, listener);
      resolve(killed ? { ...exit, killed, ...(firstStop !== undefined ? { killedAfter: firstStop } : {}) } : exit);
    };
    /**
     * We stop reading while something (a grandchild) still holds the pipes. Where they are FIFOs, our read ends go to
     * a small copier of their own writing to our stdout/stderr: the grandchild is neither killed by SIGPIPE nor blocked, and
     * what it prints later still shows (unrecorded), as it would had it been started from a shell. Elsewhere (socket
     * pairs) we can only close them: its next write fails, as in a pipeline whose reader went away.
     */
    const letGo = (): void => {
      if (settled || exit === undefined) return;
      let handedOff = false;
      for (const [i, [, reader]] of readers.entries()) {
        reader.pause();
        // What was read but not yet handled is shown and recorded first.
        while (reader.readableLength > 0 && reader.read() !== null);
        const fd = fifos?.[i]?.readFd;
        const out = opts.passThroughFds?.[i];
        if (fd !== undefined && out !== undefined && !reader.destroyed) handedOff = passThrough(fd, out) || handedOff;
        reader.destroy();
      }
      exit = { ...exit, pipesAbandoned: handedOff ? 'handed-off' : 'closed' };
      finish();
    };
    const armDrainTimer = (): void => {
      if (exit === undefined || openReaders === 0) return;
      if (drainTimer !== undefined) timers.clearTimeout(drainTimer);
      drainTimer = timers.setTimeout(() => {
        if (settled || exit === undefined) return;
        // Paused because our stdout is slow, not because the pipe is silent: that data is still owed.
        if (readers.some(([, reader]) => reader.isPaused())) {
          armDrainTimer();
          return;
        }
        letGo();
      }, drainTimeoutMs);
      readLimitTimer ??= timers.setTimeout(letGo, readLimitMs);
    };

    for (const [name, reader, dest] of readers) {
      pipes.push(
        pipeThrough(
          reader,
          dest,
          (chunk) => {
            opts.onChunk(name, chunk);
            // Data still flowing after the exit: the wait for the pipes only runs out after a silence.
            if (exit !== undefined) armDrainTimer();
          },
          // Whoever reads our output went away (`run ... | head`): the child learns it the way it would have
          // without us in the pipeline. We close our end of its pipe, so its next write fails: SIGPIPE (`yes`, `seq`:
          // exit 141), or EPIPE where SIGPIPE is ignored (Python's BrokenPipeError, Node's EPIPE). What it wrote
          // before is recorded; nothing after can be, as in the plain pipeline.
          (err) => {
            if (err.code !== 'EPIPE') return;
            // A socketpair (no FIFOs here) closed with unread data gives the child ECONNRESET, not EPIPE: send the
            // SIGPIPE the plain pipeline would have.
            if (fifos) reader.destroy();
            else if (alive()) child.kill('SIGPIPE');
          },
        ),
      );
      reader.once('close', () => {
        openReaders--;
        if (openReaders === 0) finish();
      });
    }

    child.on('error', (err) => {
      // Only spawn failures end the run here; a failed kill() of an exited child is not news.
      if (child.pid !== undefined || exit !== undefined) return;
      exit = spawnFailure(opts.command, err);
      // Nothing will come through the pipes; do not wait on them.
      for (const [, reader] of readers) reader.destroy();
      finish();
    });
    child.once('exit', (code, signal) => {
      if (exit !== undefined) return;
      exit = signal ? { exitCode: 128 + signalNumber(signal), signal } : { exitCode: code ?? 0 };
      if (openReaders === 0) finish();
      else armDrainTimer();
    });
  });

  return {
    pid: child.pid,
    done,
    pause: () => pipes.forEach((p) => p.hold()),
    resume: () => pipes.forEach((p) => p.release()),
  };
}

interface PipeControl {
  hold(): void;
  release(): void;
}

/**
 * Reads `reader` into `dest` unchanged, pausing the reader while `dest` is full: the child then blocks on its
 * write, nothing is lost and our memory stays bounded. If `dest` breaks, nothing more is written there and
 * `onDestBroken` decides (on EPIPE, `run ... | head`, startChild closes the child's pipe).
 */
function pipeThrough(
  reader: Readable,
  dest: Writable,
  onChunk: (chunk: Buffer) => void,
  onDestBroken: (err: NodeJS.ErrnoException) => void,
): PipeControl {
  let broken = dest.destroyed || !dest.writable;
  // Two independent reasons to stop reading: our stdout is full, or the caller holds us (export queue full).
  let waitingForDest = false;
  let held = false;
  const resumeIfFree = (): void => {
    if (!waitingForDest && !held) reader.resume();
  };
  const onDestError = (err: NodeJS.ErrnoException): void => {
    const first = !broken;
    broken = true;
    waitingForDest = false;
    resumeIfFree();
    if (first) onDestBroken(err);
  };
  dest.on('error', onDestError);
  const onDrain = (): void => {
    waitingForDest = false;
    resumeIfFree();
  };
  // A FIFO's reader hands out views of one buffer it reads into again (child-pipes.ts `readFifo`). A stream over a
  // descriptor (our stdout or stderr: a file, a pipe, a terminal) has written a chunk out when write() returns, or
  // queued it (writableLength > 0); any other Writable may keep it.
  const chunkKept = (reader as Partial<FifoReader>).chunkKept?.bind(reader);
  const writesOut = typeof (dest as { fd?: unknown }).fd === 'number';
  reader.on('data', (chunk: Buffer) => {
    // Recorded (and journaled) before it is shown: a line that reached the terminal is on disk even if we are
    // killed right after (docs/reliability.md).
    onChunk(chunk);
    if (broken) return;
    const wrote = dest.write(chunk);
    // Queued (a slow pipe or terminal) or kept: the chunk must outlive this call, so the reader's next read goes to a
    // new buffer.
    if (!writesOut || dest.writableLength > 0) chunkKept?.();
    if (!wrote && !broken) {
      waitingForDest = true;
      reader.pause();
      dest.once('drain', onDrain);
    }
  });
  // A read error (the pipe torn down under us) ends the stream like an end-of-file would.
  reader.on('error', () => {
    reader.destroy();
  });
  reader.once('close', () => {
    dest.off('error', onDestError);
    dest.off('drain', onDrain);
  });
  return {
    hold: () => {
      held = true;
      reader.pause();
    },
    release: () => {
      held = false;
      resumeIfFree();
    },
  };
}

/**
 * A detached pass-through from our read end `fd` to our descriptor `out`; false when it cannot be started. A Node
 * process rather than `cat`: the FIFO's read end is non-blocking (shared flags), which libuv reads properly.
 */
function passThrough(fd: number, out: number): boolean {
  const script =
    "process.stdout.on('error',()=>process.exit(0));process.stdin.on('error',()=>process.exit(0));" +
    'process.stdin.pipe(process.stdout)';
  try {
    const copier = spawn(process.execPath, ['-e', script], { stdio: [fd, out, 'ignore'], detached: true });
    copier.on('error', () => undefined);
    copier.unref();
    return copier.pid !== undefined;
  } catch {
    return false;
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function signalNumber(signal: NodeJS.Signals): number {
  return osConstants.signals[signal] ?? 0;
}

function spawnFailure(command: string, err: unknown): ChildResult {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // The file is there but exec says ENOENT: its `#!` interpreter is missing (bash: "bad interpreter", 126).
  if (code === 'ENOENT' && command.includes('/') && isFile(command)) {
    return {
      exitCode: EXIT_NOT_EXECUTABLE,
      error: new CliError(`command not executable: ${command} (bad interpreter: its #! line names a missing program)`, {
        hint: `check the first line of ${command}, or run it through an interpreter that exists`,
        exitCode: EXIT_NOT_EXECUTABLE,
        cause: err,
      }),
    };
  }
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return {
      exitCode: EXIT_NOT_FOUND,
      error: new CliError(`command not found: ${command}`, {
        hint: 'check the spelling, or give its path; PATH is searched for names without a slash',
        exitCode: EXIT_NOT_FOUND,
        cause: err,
      }),
    };
  }
  const what = isDirectory(command) ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'error');
  return {
    exitCode: EXIT_NOT_EXECUTABLE,
    error: new CliError(`command not executable: ${command} (${what})`, {
      hint: 'check it is a program with the execute bit set (chmod +x), or run it through its interpreter',
      exitCode: EXIT_NOT_EXECUTABLE,
      cause: err,
    }),
  };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
