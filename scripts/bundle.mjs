// Bundles the compiled CLI (dist/cli/main.js, its modules, commander and chalk) into dist/bundle/, one file
// per lazily loaded part (esbuild's code splitting keeps `logs` from loading `ui`, and so on): start-up resolves and
// reads a handful of files instead of ~80 modules and commander's CJS files (docs/performance.md). `run` has a
// bundle of its own, one file (run.js, below).
//
// Each module keeps its own `import.meta.url`: a bundled module's is rewritten to the URL of its file in dist/, so
// paths next to it (the Python hook directory, the ui's static files, ../package.json) resolve as unbundled.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const outdir = join(root, 'dist/bundle');

const keepImportMetaUrl = {
  name: 'keep-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const own = relative(outdir, args.path).split('\\').join('/');
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`),
        loader: 'js',
      };
    });
  },
};

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

// `dd-logstore run` (bin/dd-logstore.js picks it): the same main.js with everything its fast path loads in one
// file, its `import()`s inlined. Node 20's ESM loader costs about 2M instructions a module (resolution, four
// asynchronous file operations, linking): the 40 files of the split bundle took 80M more than this one
// (docs/performance.md). What the fast path refuses goes to the split bundle's program.js, with that bundle's own
// copies of the modules (runSystemCli makes its own factory).
const programOfSplitBundle = {
  name: 'program-of-split-bundle',
  setup(b) {
    b.onResolve({ filter: /^\.\/program\.js$/ }, () => ({ path: './program.js', external: true }));
  },
};
await build({
  ...common,
  entryPoints: { run: join(root, 'dist/cli/main.js') },
  splitting: false,
  plugins: [programOfSplitBundle, keepImportMetaUrl],
});
