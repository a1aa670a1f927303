import { runCli } from './program.js';
import { createSystemFactory } from './factory.js';

process.exitCode = await runCli(process.argv.slice(2), createSystemFactory());
