// Bundles the compiled CLI (dist/cli/main.js, its modules, commander and chalk) into dist/bundle/, one file
// per lazily loaded part (esbuild's code splitting keeps `run` from loading `logs`, undici or the ui): start-up
// resolves and reads a handful of files instead of ~80 modules and commander's CJS files (docs/performance.md).
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

// A fresh directory: chunk names carry content hashes, so a stale chunk would otherwise stay behind.
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(root, 'dist/cli/main.js') },
  outdir,
  bundle: true,
  splitting: true,
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
  chunkNames: '[name]-[hash]',
  plugins: [keepImportMetaUrl],
  logLevel: 'warning',
  legalComments: 'none',
});
