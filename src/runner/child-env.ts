/** The child's environment: ours, plus what ties its output to the run. */
import { fstatSync } from 'node:fs';
import { delimiter, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Names the pipe a `run` reads its child's output from (`dev:ino` of the stdout FIFO, with the run id), so a
 * `dd-logstore run` inside the child can tell its own output is recorded around it too.
 */
export const CAPTURE_ENV = 'DD_LOGSTORE_CAPTURED_BY';

/** `DD_LOGSTORE_PYTHON_FLUSH=0` (or `false`, `no`, `off`): leave a Python child's buffering and PYTHONPATH alone. */
export const PYTHON_FLUSH_ENV = 'DD_LOGSTORE_PYTHON_FLUSH';

/** The directory of our `sitecustomize.py` (src/runner/python, copied beside the built module by the build). */
export const PYTHON_HOOK_DIR = fileURLToPath(new URL('./python', import.meta.url));

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
  // Our home was resolved against our directory (store/paths.ts): a child that cds elsewhere and runs dd-logstore
  // (a nested `run`) must find the same one, not a new home under its own directory.
  const home = env.DD_LOGSTORE_HOME;
  if (home && !isAbsolute(home)) env.DD_LOGSTORE_HOME = resolve(home);
  if (opts.step !== undefined) env.DD_LOGSTORE_STEP = opts.step;
  if (opts.capture !== undefined) env[CAPTURE_ENV] = `${opts.capture}@${opts.runId}`;
  else delete env[CAPTURE_ENV];
  return withPythonFlush(env);
}

/**
 * A piped Python child block-buffers: its output would arrive late. Rather than PYTHONUNBUFFERED (two write(2)
 * calls per print(), several times slower), our sitecustomize goes first on PYTHONPATH and flushes on a 50 ms
 * timer, then runs the user's own. Harmless to a child that is not Python; a user's PYTHONPATH keeps its entries,
 * after ours. Untouched when the user set PYTHONUNBUFFERED (already live) or opted out.
 */
export function withPythonFlush(env: NodeJS.ProcessEnv, hookDir = PYTHON_HOOK_DIR): NodeJS.ProcessEnv {
  if (env.PYTHONUNBUFFERED) return env;
  if (/^(0|false|no|off)$/i.test(env[PYTHON_FLUSH_ENV]?.trim() ?? '')) return env;
  // A directory whose name holds the path delimiter cannot be one PYTHONPATH entry.
  if (hookDir.includes(delimiter)) return env;
  const given = env.PYTHONPATH;
  if (given?.split(delimiter)[0] === hookDir) return env; // a `run` inside a `run`
  // Never append to an empty PYTHONPATH: `ours:` would add an empty entry, the current directory.
  env.PYTHONPATH = given ? `${hookDir}${delimiter}${given}` : hookDir;
  return env;
}
