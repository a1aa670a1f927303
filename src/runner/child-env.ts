/** The child's environment: ours, plus what ties its output to the run. */
import { fstatSync } from 'node:fs';

/**
 * Names the pipe a `run` reads its child's output from (`dev:ino` of the stdout FIFO, with the run id), so a
 * `dd-logstore run` inside the child can tell its own output is recorded around it too.
 */
export const CAPTURE_ENV = 'DD_LOGSTORE_CAPTURED_BY';

export interface ChildEnvOptions {
  runId: string;
  /** The step name, when `--step` was given. */
  step?: string | undefined;
  /** The identity of the pipe the child's stdout goes to (`fileIdentity`), when it is ours. */
  capture?: string | undefined;
}

/** `dev:ino` of an open file descriptor, or undefined. */
export function fileIdentity(fd: number): string | undefined {
  try {
    const st = fstatSync(fd);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** The outer run's id when our stdout is the pipe an outer `dd-logstore run` records, else undefined. */
export function capturingRun(env: NodeJS.ProcessEnv, stdoutFd = 1): string | undefined {
  const value = env[CAPTURE_ENV];
  if (value === undefined) return undefined;
  const at = value.indexOf('@');
  if (at <= 0) return undefined;
  return fileIdentity(stdoutFd) === value.slice(0, at) ? value.slice(at + 1) : undefined;
}

export function buildChildEnv(base: NodeJS.ProcessEnv, opts: ChildEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, DD_LOGSTORE_RUN_ID: opts.runId };
  if (opts.step !== undefined) env.DD_LOGSTORE_STEP = opts.step;
  if (opts.capture !== undefined) env[CAPTURE_ENV] = `${opts.capture}@${opts.runId}`;
  else delete env[CAPTURE_ENV];
  // A piped Python child block-buffers otherwise: its output would arrive late and stdout/stderr out of order.
  if (env.PYTHONUNBUFFERED === undefined) env.PYTHONUNBUFFERED = '1';
  return env;
}
