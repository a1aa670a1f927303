import { runCli } from './program.js';
import { createSystemFactory } from '../app/factory.js';

process.exitCode = await runCli(process.argv.slice(2), createSystemFactory());
