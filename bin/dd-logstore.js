#!/usr/bin/env node
// V8's compile cache (Node >= 22.1) skips parsing and compiling our modules on every start after the first.
import module from 'node:module';

module.enableCompileCache?.();
// The bundle (scripts/bundle.mjs, made by `npm run build`): a few files to load instead of ~80 modules. `run`, the
// command whose start-up counts, has one file of its own; the command word is found as normalizeArgv finds it.
const command = process.argv.slice(2).find((word) => word !== '--debug');
if (command === 'run') {
  const { runWithCodeCache } = module.createRequire(import.meta.url)('./run-with-code-cache.cjs');
  process.exitCode = await runWithCodeCache(
    new URL('../dist/bundle/run.cjs', import.meta.url),
    (specifier) => import(specifier),
  );
} else await import('../dist/bundle/main.js');
