#!/usr/bin/env node
// V8's compile cache (Node >= 22.1) skips parsing and compiling our modules on every start after the first.
import module from 'node:module';

module.enableCompileCache?.();
// The bundle (scripts/bundle.mjs, made by `npm run build`): a few files to load instead of ~80 modules.
await import('../dist/bundle/main.js');
