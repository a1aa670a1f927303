// Bundles the compiled CLI (dist/cli/main.js, its modules, commander and chalk) into dist/bundle/, one file
// per lazily loaded part (esbuild's code splitting keeps `logs` from loading `ui`, and so on): start-up resolves and
// reads a handful of files instead of ~80 modules and commander's CJS files (docs/performance.md). `run` has a
// bundle of its own, one file (run.cjs, below).
//
// Each module keeps its own `import.meta.url`: a bundled module's is rewritten to the URL of its file in dist/, so
// paths next to it (the Python hook directory, the ui's static files, ../package.json) resolve as unbundled.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const outdir = join(root, 'dist/bundle');

/** Rewrites `import.meta.url` to the URL of the module's own file in dist/, from `base`: the bundle file's URL. */
const importMetaUrlOf = (base) => ({
  name: 'keep-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const own = relative(outdir, args.path).split('\\').join('/');
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, ${base}).href`),
        loader: 'js',
      };
    });
  },
});
const keepImportMetaUrl = importMetaUrlOf('import.meta.url');

const common = {
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Only commander and chalk, on every start's path, are bundled; the other packages load as before, when used: the
  // keyring is a native addon, and undici and OpenTelemetry read named exports from CommonJS in ways the bundle's
  // interop does not keep (`import()` of them would lose their exports).
  external: Object.keys(pkg.dependencies).filter((name) => name !== 'commander' && name !== 'chalk'),
  // CommonJS packages (commander) call require(): give the bundle one.
  banner: {
    js: "import { createRequire as __ddCreateRequire } from 'node:module';\nconst require = __ddCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
};

// A fresh directory: chunk names carry content hashes, so a stale chunk would otherwise stay behind.
await rm(outdir, { recursive: true, force: true });
// Every command but `run`: main.js, and the program (commander and the command tree) as an entry of its own, so
// run.js below can load it by name.
await build({
  ...common,
  entryPoints: { main: join(root, 'dist/cli/main.js'), program: join(root, 'dist/cli/program.js') },
  splitting: true,
  chunkNames: '[name]-[hash]',
  plugins: [keepImportMetaUrl],
});

// `dd-logstore run` (bin/dd-logstore.js picks it): the same CLI with everything its fast path loads in one
// file, its `import()`s inlined. Node 20's ESM loader costs about 2M instructions a module (resolution, four
// asynchronous file operations, linking): the 40 files of the split bundle took 80M more than this one
// (docs/performance.md). What the fast path refuses goes to the split bundle's program.js, with that bundle's own
// copies of the modules (runSystemCli makes its own factory).
//
// It is CommonJS text (run.cjs), wrapped in one function of (exports, require, module, __ddBundleUrl, __ddImport),
// that bin/run-with-code-cache.cjs compiles itself (vm.Script), with a V8 code cache it keeps: Node 20 has no
// module.enableCompileCache, and parsing and compiling this file is ~30M instructions a start. CommonJS also takes
// node:fs and the like by require(), without the ESM facade that reads every export (fs.ReadStream's getter loads
// the file streams). The first line is the text's own hash: the key of its code cache (V8 checks a cache against
// the source's length, not its content).
const programOfSplitBundle = {
  name: 'program-of-split-bundle',
  setup(b) {
    b.onResolve({ filter: /^\.\/program\.js$/ }, () => ({ path: './program.js', external: true }));
  },
};

/**
 * Built-in modules that the CommonJS bundles load on first use: each becomes one object that reads through to the
 * built-in, required when a property is first read. The bundle reads an import's property at each use
 * (`(0, import_promises.readFile)(...)`), so a module that imports one at its top costs nothing until it calls it.
 * `run` makes only synchronous file calls until the child runs, and the journal reads `performance` for the bench's
 * clock alone: loading node:fs/promises and node:perf_hooks was ~1-9M instructions a start on Node 20
 * (docs/performance.md, start-up). node:module (~1 ms on Node 24, with the source-map modules it loads) is asked
 * for its createRequire only where a module loads another built-in on first use (node:zlib, node:http, node:tty).
 *
 * A Proxy, not an object of one getter per export: esbuild imports a CommonJS module through `__toESM`, which copies
 * every property into a new object with a getter of its own, once per importing module (14 for node:fs/promises in
 * run.cjs). Those copies were ~110 KB of the young generation at each start, a third of what stood between `run` and
 * its one scavenge (docs/performance.md, start-up, twelfth session); lazyBuiltinsWithoutCopies below drops `__toESM`
 * for these modules, so each importer holds the one object.
 */
const LAZY_BUILTINS = ['fs/promises', 'perf_hooks', 'module'];
const LAZY_NAMESPACE = 'lazy-builtin';
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.map((m) => m.replace('/', '\\/')).join('|')})$`);
    // The object's own require() is of the built-in itself.
    b.onResolve({ filter }, (args) =>
      args.namespace === LAZY_NAMESPACE
        ? { path: args.path, external: true }
        : { path: args.path.replace(/^node:/, ''), namespace: LAZY_NAMESPACE },
    );
    b.onLoad({ filter: /.*/, namespace: LAZY_NAMESPACE }, (args) => {
      const id = JSON.stringify(`node:${args.path}`);
      // `default` is the module itself, as __toESM made it for a default import.
      const contents = [
        'let loaded;',
        'module.exports = new Proxy({}, {',
        `  get: (_, key) => ((loaded ??= require(${id})), key === 'default' ? loaded : loaded[key]),`,
        '});',
        '',
      ].join('\n');
      return { contents, loader: 'js' };
    });
  },
};

/** The bundle's text with each lazy built-in's `__toESM(require_x(), 1)` as `require_x()` (see lazyBuiltins). */
function lazyBuiltinsWithoutCopies(name, text) {
  const requires = [...text.matchAll(/^var (require_[\w$]+) = __commonJS\(\{\n {2}"lazy-builtin:/gm)].map((m) => m[1]);
  let out = text;
  for (const fn of requires) {
    out = out.replaceAll(new RegExp(`__toESM\\(${fn.replaceAll('$', '\\$')}\\(\\)(?:, 1)?\\)`, 'g'), `${fn}()`);
    // Every other use of it would be a form this rewrite does not know.
    const uses = out.split(`${fn}(`).length - 1;
    const calls = out.split(`${fn}()`).length - 1;
    if (uses !== calls || out.includes(`__toESM(${fn}`))
      throw new Error(`${name} bundle: ${fn} is used in a form lazyBuiltinsWithoutCopies does not rewrite`);
  }
  return out;
}

/**
 * One code-cached CommonJS bundle (`<name>.cjs`, run by bin/run-with-code-cache.cjs) of main-exit-code.js. With
 * `inlineProgram`, the program (commander and every command) is in it too; without, `./program.js` stays an
 * import of the split bundle above.
 */
async function codeCachedBundle(name, { inlineProgram }) {
  const built = await build({
    ...common,
    entryPoints: { [name]: join(root, 'dist/cli/main-exit-code.js') },
    format: 'cjs',
    charset: 'ascii',
    banner: {},
    splitting: false,
    write: false,
    plugins: [...(inlineProgram ? [] : [programOfSplitBundle]), importMetaUrlOf('__ddBundleUrl'), lazyBuiltins],
  });
  // What stays an `import()` (the packages left out above, ./program.js) goes through the wrapper's `__ddImport`: a
  // function compiled by vm.Script has no module to import from. Every one of them is a string literal.
  const text = lazyBuiltinsWithoutCopies(name, built.outputFiles[0].text).replace(/\bimport\((?=["'])/g, '__ddImport(');
  if (/\bimport\(/.test(text)) throw new Error(`${name} bundle: an import() that is not of a string literal`);
  // ASCII (esbuild's default charset escapes the rest): the bin reads it as Latin-1, one copy (run-with-code-cache.cjs).
  if (/[^\t\n\r\x20-\x7e]/.test(text))
    throw new Error(`${name} bundle: a character that is not printable ASCII (see charset)`);
  if (inlineProgram === text.includes('__ddImport("./program.js")'))
    throw new Error(`${name} bundle: ./program.js is ${inlineProgram ? 'not inlined' : 'missing'}: see __ddImport`);
  // The hash names the code cache (bin/run-with-code-cache.cjs): it covers the wrapper too, since V8 checks a cache
  // against the source's length alone, and a wrapper changed at the same length would take a stale cache.
  const hash = createHash('sha256').update(BUNDLE_WRAPPER_OPEN).update(text).digest('hex').slice(0, 32);
  // The file is the whole script the bin compiles: wrapping it there (a template around 400 KB of text) made a second
  // copy of the source that V8 then flattened into a third (~100 page faults, ~1.5 ms on Node 24). The wrapper opens
  // on the hash's next line, so the text's lines keep their numbers.
  await writeFile(join(outdir, `${name}.cjs`), `// ${hash}\n${BUNDLE_WRAPPER_OPEN}${text}\n})`);
}

/** The function bin/run-with-code-cache.cjs calls (its BUNDLE_WRAPPER_OPEN is the same text). */
const BUNDLE_WRAPPER_OPEN = '(function (exports, require, module, __ddBundleUrl, __ddImport) {';

await codeCachedBundle('run', { inlineProgram: false });
// `dd-logstore logs` (bin/dd-logstore.js picks it): read-back loads ~30 modules of the split bundle through the ESM
// loader, compiled afresh on every Node 20 start; here they are one code-cached file, the program inlined.
await codeCachedBundle('logs', { inlineProgram: true });
