/** The child's environment: ours, plus what ties its output to the run. */
export interface ChildEnvOptions {
  runId: string;
  /** The step name, when `--step` was given. */
  step?: string | undefined;
}

export function buildChildEnv(base: NodeJS.ProcessEnv, opts: ChildEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, DD_LOGSTORE_RUN_ID: opts.runId };
  if (opts.step !== undefined) env.DD_LOGSTORE_STEP = opts.step;
  // A piped Python child block-buffers otherwise: its output would arrive late and stdout/stderr out of order.
  if (env.PYTHONUNBUFFERED === undefined) env.PYTHONUNBUFFERED = '1';
  return env;
}
