/**
 * Typed errors. Everything below the CLI throws one of these (or lets a plain Error through, which is printed as
 * a runtime error); `printError` in this file is the only place that turns them into text and an exit code.
 */
import { escapeForOneLine } from './control-chars.js';

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;
export const EXIT_RUN_SETUP = 125;
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;

export class CliError extends Error {
  /** What would fix it, printed in parentheses after the message. */
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_RUNTIME;
  }
}

/** Bad flag, bad value, unknown command or key: exit 2. */
export class UsageError extends CliError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: EXIT_USAGE });
  }
}

/** `run` could not start the child (bad config, missing secret): exit 125. */
export class RunSetupError extends CliError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: EXIT_RUN_SETUP });
  }
}

/** The local store (config.json, runs/, lock) is unusable. */
export class StoreError extends CliError {}

/** A secret or secret backend problem. */
export class SecretError extends CliError {}

/**
 * A command's output cut short (`logs > file` on a full disk, `> /dev/full`) is an error, as `cat` makes it: not exit 0
 * with the file silently incomplete. A closed pipe (EPIPE) is not one: the reader wanted no more.
 */
export function outputCutShort(failure: Error): CliError {
  return new CliError(`the output could not be written, it is incomplete: ${failure.message}`, {
    hint: 'free space where stdout goes, or send it elsewhere',
    cause: failure,
  });
}

/** Raised to end a command early with a given code after it already printed what it had to say. */
export class SilentExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The one-line form: `error: <what> (<how to fix>)`. */
export function formatErrorLine(err: unknown): string {
  // A message can quote what the user gave (a run id, a file name): its control characters are shown, not obeyed.
  if (err instanceof CliError && err.hint)
    return `error: ${escapeForOneLine(err.message)} (${escapeForOneLine(err.hint)})`;
  return `error: ${escapeForOneLine(errorMessage(err))}`;
}

/** The cause chain, one line each, for `--debug`. */
export function formatCauseChain(err: unknown): string[] {
  const lines: string[] = [];
  let cur: unknown = err instanceof Error ? err.cause : undefined;
  let depth = 0;
  while (cur !== undefined && depth < 10) {
    if (cur instanceof Error) {
      const code = (cur as NodeJS.ErrnoException).code;
      lines.push(`  caused by: ${cur.name}${code ? ` [${code}]` : ''}: ${cur.message}`);
      cur = cur.cause;
    } else {
      lines.push(`  caused by: ${String(cur)}`);
      cur = undefined;
    }
    depth++;
  }
  if (err instanceof Error && err.stack)
    lines.push(
      ...err.stack
        .split('\n')
        .slice(1)
        .map((l) => `  ${l.trim()}`),
    );
  return lines;
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof SilentExit) return err.exitCode;
  if (err instanceof CliError) return err.exitCode;
  return EXIT_RUNTIME;
}
