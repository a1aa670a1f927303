#!/usr/bin/env node
// V8's compile cache (Node >= 22.1) skips parsing and compiling our modules on every start after the first.
import module from 'node:module';

module.enableCompileCache?.();
await import('../dist/cli/main.js');
