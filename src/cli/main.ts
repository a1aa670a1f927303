import { createSystemFactory } from '../app/factory.js';
import { runFastPath } from './run-fast-path.js';

const argv = process.argv.slice(2);
// A plain `run` starts without commander; everything else (and any `run` it cannot parse) goes through the program.
process.exitCode =
  (await runFastPath(argv, createSystemFactory)) ?? (await (await import('./program.js')).runSystemCli(argv));
