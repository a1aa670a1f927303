#!/usr/bin/env node
// CommonJS (bin/package.json says so): `run`, the command whose start-up counts, and `logs` then never start Node's
// ESM loader (~6 ms of a start on Node 20, docs/performance.md). Every other command imports its ESM bundle.
'use strict';
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

// V8's compile cache (Node >= 22.1) skips parsing and compiling our modules on every start after the first.
const enableCompileCache = () => require('node:module').enableCompileCache?.();
// The bundle (scripts/bundle.mjs, made by `npm run build`): a few files to load instead of ~80 modules. `run` and
// `logs` each have one file of their own, with a V8 code cache; the command word is found as normalizeArgv finds it.
const command = process.argv.slice(2).find((word) => word !== '--debug');
const cached = command === 'run' || command === 'logs' ? `${command}.cjs` : undefined;
if (cached !== undefined) {
  const { runWithCodeCache } = require('./run-with-code-cache.cjs');
  // Node's compile cache serves only what the bundle imports (the packages left out of it, the commander fallback):
  // enabled on the first import, so a run that imports nothing does not load node:module (~1 ms on Node 24).
  let compileCache = false;
  const importModule = (specifier) => {
    if (!compileCache) compileCache = (enableCompileCache(), true);
    return import(specifier);
  };
  runWithCodeCache(pathToFileURL(join(__dirname, '../dist/bundle', cached)), importModule).then((code) => {
    process.exitCode = code;
    // Done: Node's own teardown (the heap unmapped piece by piece, the isolate disposed; ~9M instructions and
    // sys time on Node 24, docs/performance.md) is skipped. Only when nothing is left queued on our stdout or
    // stderr (a pipe whose reader is slow): process.exit would drop that, so then the loop ends as before.
    if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
  });
} else {
  enableCompileCache();
  import('../dist/bundle/main.js');
}
