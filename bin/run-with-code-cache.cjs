'use strict';
// Runs the `run` bundle (dist/bundle/run.cjs, made by scripts/bundle.mjs) with a V8 code cache of its own: Node 20
// has no module.enableCompileCache, and parsing and compiling the bundle's 370 KB is ~30M instructions a start
// (docs/performance.md). The bundle is compiled here as one function (vm.Script), from the cache when there is one;
// after the first run the cache is written, with the functions that run compiled, in a private directory of the
// temporary directory (as Node's own compile cache), and again after a run down a code path it was not made with
// (`codePathsTaken`: another log store flavor). A cache V8 rejects (another Node, other flags) is written
// again; one that cannot be read or written is only slower. NODE_DISABLE_COMPILE_CACHE=1 turns it off, as Node's.
// Writing one removes the directory's oldest caches beyond the newest MAX_CACHES (other builds, upgrades, Nodes).
const {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} = require('node:fs');
const { isAscii } = require('node:buffer');
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
  // The file is the script (scripts/bundle.mjs wraps the bundle in the function called below): compiled as read, with
  // no copy of its ~400 KB made here.
  const source = readSource(file);
  // The bundle's first line is the hash of its text: V8 checks a cache against the source's length, not its content.
  const key = /^\/\/ ([0-9a-f]{32})\n/.exec(source)?.[1];
  if (key === undefined || !source.startsWith(BUNDLE_WRAPPER_OPEN, 36))
    throw new Error(`${file} is not a bundle of this dd-logstore: run npm run build`);
  const cacheFile = process.env.NODE_DISABLE_COMPILE_CACHE ? undefined : cachePath(key);
  const cache = cacheFile && readCache(cacheFile);
  const cachedData = cache?.data;
  const script = new Script(source, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const bundle = { exports: {} };
  const importFromBundle = (specifier) =>
    importModule(specifier.startsWith('.') ? new URL(specifier, bundleUrl).href : specifier);
  script.runInThisContext()(bundle.exports, bundleRequire(file), bundle, bundleUrl.href, importFromBundle);
  try {
    return await bundle.exports.mainExitCode(process.argv.slice(2));
  } finally {
    if (cacheFile !== undefined) {
      // A cache holds what the run that wrote it compiled: after a run down another path (another log store
      // flavor), it is written again, with what it had (deserialized, so still compiled) and this run's functions.
      const kept = cachedData !== undefined && !script.cachedDataRejected ? cache.paths : [];
      const taken = bundle.exports.codePathsTaken?.() ?? [];
      const missing = taken.filter((path) => !kept.includes(path));
      if (cachedData === undefined || script.cachedDataRejected || missing.length > 0) {
        // V8's flags as a fresh process has them (a busy run tunes one): a cache stamped with others is rejected.
        bundle.exports.beforeCodeCache?.();
        writeCache(cacheFile, script, [...kept, ...missing].sort());
      }
    }
  }
}

/**
 * The bundle's text. esbuild writes it as ASCII (scripts/bundle.mjs checks), and ASCII bytes are their own Latin-1
 * string: one copy into V8, where reading the file as UTF-8 also fills a decoding buffer (~65 page faults, ~1 ms of a
 * start on Node 20, docs/performance.md). A file that is not ASCII is read as UTF-8, as before.
 */
function readSource(file) {
  const bytes = readFileSync(file);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/** What scripts/bundle.mjs writes on the bundle's second line: the function it is. */
const BUNDLE_WRAPPER_OPEN = '(function (exports, require, module, __ddBundleUrl, __ddImport) {';

/**
 * The bundle's `require`: built-ins through this file's own (the bundle requires nothing else today), anything else
 * as from the bundle's file. node:module (createRequire) is loaded only then: ~1 ms of a start on Node 24.
 */
function bundleRequire(file) {
  let fromFile;
  return (id) => {
    if (id.startsWith('node:')) return require(id);
    fromFile ??= require('node:module').createRequire(file);
    return fromFile(id);
  };
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

/**
 * A cache file is one line naming the code paths its runs took (`paths run:datadog,run:local`), then V8's data. A file
 * without that line (an older one) reads as no cache, and is written again.
 */
const HEADER = 'paths ';

function readCache({ dir, file }) {
  try {
    if (!isPrivateDir(dir)) return undefined;
    const bytes = readFileSync(file);
    const end = bytes.indexOf(10);
    if (end === -1 || end > 4096 || bytes.toString('latin1', 0, HEADER.length) !== HEADER) return undefined;
    const line = bytes.toString('latin1', HEADER.length, end);
    return { paths: line === '' ? [] : line.split(','), data: bytes.subarray(end + 1) };
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: a temporary file renamed over the cache. */
function writeCache({ dir, file }, script, paths) {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!isPrivateDir(dir)) return;
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, Buffer.concat([Buffer.from(`${HEADER}${paths.join(',')}\n`, 'latin1'), script.createCachedData()]));
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
    pruneCaches(dir, file);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // Never written.
    }
  }
}

/** Cache files kept in the directory, ours included: every bundle (each build, each upgrade) and Node has its own. */
const MAX_CACHES = 8;
/** A temporary file this old was left by a run that died while writing it. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const CACHE_NAME = /^[0-9a-f]{32}-v[^/]*\.bin$/;

/**
 * After a cache is written (a first run of a bundle, or a new code path: rare), the oldest-written cache files beyond
 * MAX_CACHES and dead temporary files are removed: without this, every upgrade or rebuild left ~0.3-0.5 MB in the
 * temporary directory for good. A removed cache that is still in use is written again by its next run.
 */
function pruneCaches(dir, file) {
  try {
    const now = Date.now();
    const caches = [];
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (CACHE_NAME.test(name)) {
        if (path !== file) caches.push({ path, mtime: lstatSync(path).mtimeMs });
      } else if (name.endsWith('.tmp') && now - lstatSync(path).mtimeMs > STALE_TEMP_MS) {
        unlinkSync(path);
      }
    }
    caches.sort((a, b) => b.mtime - a.mtime);
    for (const { path } of caches.slice(MAX_CACHES - 1)) unlinkSync(path);
  } catch {
    // Another run pruning at the same time, or a file gone: the next write prunes again.
  }
}

module.exports = { runWithCodeCache, MAX_CACHES };
