import { mainExitCode } from './main-exit-code.js';

process.exitCode = await mainExitCode(process.argv.slice(2));
