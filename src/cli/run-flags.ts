/** Kept apart from run.ts so the program can place `--` without loading the run command. */
/** Flags of `run` that take a value: used to find where the child's command starts when `--` is left out. */
export const RUN_VALUE_FLAGS = [
  '--stack',
  '--log-store',
  // ZenML's spelling of --log-store (normalizeArgv maps it after `--` is placed).
  '-ls',
  '--run-id',
  '--step',
  '--pipeline',
  '--tag',
  '--stderr-level',
  '--flush-timeout',
  '--kill-after',
  '--on-overflow',
];
