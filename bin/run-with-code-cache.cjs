'use strict';
// Runs the `run` bundle (dist/bundle/run.cjs, made by scripts/bundle.mjs) with a V8 code cache of its own: Node 20
// has no module.enableCompileCache, and parsing and compiling the bundle's 370 KB is ~30M instructions a start
// (docs/performance.md). The bundle is compiled here as one function (vm.Script), from the cache when there is one;
// after the first run the cache is written, with the functions that run compiled, in a private directory of the
// temporary directory (as Node's own compile cache). A cache V8 rejects (another Node, other flags) is written
// again; one that cannot be read or written is only slower. NODE_DISABLE_COMPILE_CACHE=1 turns it off, as Node's.
const {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} = require('node:fs');
const { createRequire } = require('node:module');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { fileURLToPath } = require('node:url');
const { Script } = require('node:vm');

/**
 * Runs the bundle's mainExitCode for this process's argv and returns the exit code. `importModule` is the caller's
 * `import()`: the function compiled here has no module of its own to import the packages left out of the bundle.
 */
async function runWithCodeCache(bundleUrl, importModule) {
  const file = fileURLToPath(bundleUrl);
  const source = readFileSync(file, 'utf8');
  // The bundle's first line is the hash of its text: V8 checks a cache against the source's length, not its content.
  const key = /^\/\/ ([0-9a-f]{32})\n/.exec(source)?.[1];
  const cacheFile = key === undefined || process.env.NODE_DISABLE_COMPILE_CACHE ? undefined : cachePath(key);
  const cachedData = cacheFile && readCache(cacheFile);
  const script = new Script(`(function (exports, require, module, __ddBundleUrl, __ddImport) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const bundle = { exports: {} };
  const importFromBundle = (specifier) =>
    importModule(specifier.startsWith('.') ? new URL(specifier, bundleUrl).href : specifier);
  script.runInThisContext()(bundle.exports, createRequire(file), bundle, bundleUrl.href, importFromBundle);
  try {
    return await bundle.exports.mainExitCode(process.argv.slice(2));
  } finally {
    if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected))
      writeCache(cacheFile, script);
  }
}

/** One file a bundle, Node version and architecture (V8 rejects another's), in a directory only this user writes. */
function cachePath(key) {
  if (typeof process.getuid !== 'function') return undefined;
  const dir = join(tmpdir(), `dd-logstore-code-cache-${process.getuid()}`);
  return { dir, file: join(dir, `${key}-${process.version}-${process.arch}.bin`) };
}

/** A directory someone else owns or may write to could hand us code: such a cache is neither read nor written. */
function isPrivateDir(dir) {
  const st = lstatSync(dir);
  return st.isDirectory() && st.uid === process.getuid() && (st.mode & 0o022) === 0;
}

function readCache({ dir, file }) {
  try {
    return isPrivateDir(dir) ? readFileSync(file) : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: a temporary file renamed over the cache. */
function writeCache({ dir, file }, script) {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!isPrivateDir(dir)) return;
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, script.createCachedData());
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // Never written.
    }
  }
}

module.exports = { runWithCodeCache };
