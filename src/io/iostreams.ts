/**
 * The process's streams and the facts about them (TTY, colour). Commands write only through an IOStreams, never
 * through `process.stdout` or `console`, so tests and the redactor see everything that is printed.
 */
import { fstatSync, statSync, writeSync } from 'node:fs';
import { builtin } from '../core/builtins.js';
import type { Readable, Writable } from 'node:stream';
import { createHeldOut } from './held-out.js';
import type { ByteSink } from './held-out.js';
import { Redactor } from './redact.js';

export interface IOStreams {
  readonly stdin: Readable;
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** Colour on stdout / stderr: TTY unless NO_COLOR, forced by FORCE_COLOR. */
  readonly colorOut: boolean;
  readonly colorErr: boolean;
  /** Width tables are fitted to: the terminal's on a TTY, else COLUMNS when set; undefined means no limit. */
  readonly terminalColumns: number | undefined;
  /** True when prompting is allowed: stdin is a TTY and CI is not set. */
  readonly canPrompt: boolean;
  readonly redactor: Redactor;
  /** Data, redacted. */
  out(text: string): void;
  /** Data as UTF-8 bytes (the caller lets go of them), redacted: as they are when there is no secret to mask. */
  outBytes(bytes: Buffer): void;
  /**
   * Data in many small pieces (whole lines), redacted: held as UTF-8 in a buffer until it fills or `flushOut`. Flush
   * before waiting: what is held shows only then (`out` and `err` flush it first, so the order stays).
   */
  outHeld(text: string): void;
  /** `outHeld` of whole lines already UTF-8, [start, end) of bytes; true when stdout keeps them (held-out.ts). */
  outHeldBytes(bytes: Buffer, start: number, end: number): boolean;
  flushOut(): void;
  /** Notes, warnings and errors, redacted; on a line of their own (see errMidLine). */
  err(text: string): void;
  /**
   * `run`: the child's last output where stderr goes ended mid-line (a progress bar, a prompt, a last line without
   * `\n`). The next `err` starts a new line first, so that a note is never glued to the child's text.
   */
  errMidLine: boolean;
  /**
   * Why stdout could not be written (a full disk, an I/O error), when it could not: the output is cut short, which
   * a command that printed data must report. A closed pipe (`| head`) is not a failure: the reader wanted no more.
   */
  readonly outputFailure: Error | undefined;
  /** Nothing more can be written to stdout (a closed pipe, or the failure above): a command that only prints stops. */
  readonly stdoutClosed: boolean;
  /** Raw writable streams, for `run` passing the child's bytes through unchanged. */
  readonly rawStdout: Writable;
  readonly rawStderr: Writable;
}

export interface StreamFacts {
  env: NodeJS.ProcessEnv;
  /** Read only when a command reads stdin (a getter for `process.stdin`: see createSystemIOStreams). */
  stdin: Readable & { isTTY?: boolean };
  /** Whether stdin is a terminal, when known without making the stream; else `stdin.isTTY`. */
  stdinIsTTY?: boolean;
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  /** stdout's descriptor, when `stdout` is the process's own: a regular file there is written with `writeSync`. */
  stdoutFd?: number;
}

export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function terminalColumns(facts: StreamFacts, stdoutIsTTY: boolean): number | undefined {
  if (stdoutIsTTY && typeof facts.stdout.columns === 'number' && facts.stdout.columns > 0) return facts.stdout.columns;
  const env = Number(facts.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : undefined;
}

export function createIOStreams(facts: StreamFacts, redactor = new Redactor()): IOStreams {
  const stdinIsTTY = facts.stdinIsTTY ?? facts.stdin.isTTY === true;
  const stdoutIsTTY = facts.stdout.isTTY === true;
  const stderrIsTTY = facts.stderr.isTTY === true;
  // A closed pipe (`dd-logstore ... | head`) is not an error worth a stack trace: stop writing, keep working
  // (`run` must still ship what its child prints).
  let stdoutBroken = false;
  let stderrBroken = false;
  let outputFailure: Error | undefined;
  const stdoutFailed = (err: unknown): void => {
    stdoutBroken = true;
    if ((err as NodeJS.ErrnoException | undefined)?.code !== 'EPIPE')
      outputFailure ??= err instanceof Error ? err : new Error(String(err));
  };
  facts.stdout.on('error', stdoutFailed);
  facts.stderr.on('error', () => (stderrBroken = true));
  const held = createHeldOut(
    stdoutSink(facts, () => stdoutBroken, stdoutFailed),
    redactor,
  );
  const flushHeld = (): void => {
    if (held.holding) held.flush();
  };
  let errMidLine = false;
  return {
    get stdin() {
      return facts.stdin;
    },
    stdinIsTTY,
    stdoutIsTTY,
    stderrIsTTY,
    colorOut: colorEnabled(facts.env, stdoutIsTTY),
    colorErr: colorEnabled(facts.env, stderrIsTTY),
    terminalColumns: terminalColumns(facts, stdoutIsTTY),
    canPrompt: stdinIsTTY && !isCI(facts.env),
    redactor,
    out: (text) => {
      flushHeld();
      if (!stdoutBroken) facts.stdout.write(redactor.redact(text));
    },
    outBytes: (bytes) => {
      flushHeld();
      if (!stdoutBroken) facts.stdout.write(redactor.size === 0 ? bytes : redactor.redact(bytes.toString('utf8')));
    },
    outHeld: (text) => held.write(text),
    outHeldBytes: (bytes, start, end) => held.writeBytes(bytes, start, end),
    flushOut: flushHeld,
    err: (text) => {
      flushHeld();
      if (errMidLine && text.length > 0) {
        errMidLine = false;
        text = '\n' + text;
      }
      if (!stderrBroken) facts.stderr.write(redactor.redact(text));
    },
    get errMidLine() {
      return errMidLine;
    },
    set errMidLine(value: boolean) {
      errMidLine = value;
    },
    get outputFailure() {
      return outputFailure;
    },
    get stdoutClosed() {
      return stdoutBroken;
    },
    rawStdout: facts.stdout,
    rawStderr: facts.stderr,
  };
}

/**
 * Where `outHeld`'s buffers go. A regular file is written with `writeSync`, done when it returns, so one buffer is
 * filled again and again (as `process.stdout` on a file would write it, without its stream machinery). Anything
 * else (a pipe, a terminal, a test's stream) gets the buffer through the stream, to keep: a pipe may still be
 * writing it after `write` returns. What the file is, is asked on the first write (one `fstat`), not at start.
 */
function stdoutSink(facts: StreamFacts, broken: () => boolean, failed: (err: unknown) => void): ByteSink {
  let toFile: boolean | undefined;
  return (bytes) => {
    if (broken()) return true;
    const fd = facts.stdoutFd;
    if (fd !== undefined && (toFile ??= isRegularFile(fd))) {
      try {
        for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      } catch (err) {
        failed(err);
      }
      return true;
    }
    facts.stdout.write(bytes);
    return false;
  };
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

// `process.stdin` is made on first use: on a file or /dev/null it is an fs.ReadStream, whose module (the file
// streams) `run`, which never reads stdin (the child inherits it), would load for nothing (~2 ms of a start).
export function createSystemIOStreams(redactor?: Redactor): IOStreams {
  return createIOStreams(
    {
      env: process.env,
      get stdin() {
        return process.stdin;
      },
      stdinIsTTY: isTerminal(0),
      stdout: process.stdout,
      stderr: process.stderr,
      stdoutFd: 1,
    },
    redactor,
  );
}

/**
 * As `process.stdin.isTTY`: only a character device can be a terminal, and /dev/null (CI, `< /dev/null`) is not one,
 * so `node:tty` (which loads `node:net`) is loaded for the others alone.
 */
function isTerminal(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice() || st.rdev === statSync('/dev/null').rdev) return false;
  } catch {
    return false;
  }
  return builtin('node:tty').isatty(fd);
}
