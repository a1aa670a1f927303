// `npm run emulator`: compiles the emulator only when a source is newer than its build (tsc took ~60 s on a loaded
// machine at every start, silently), saying so when it does, then starts it with the arguments given.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist-test', 'test', 'emulator', 'main.js');
// Written after each compile this script runs: tsc leaves an unchanged output file's time as it was.
const stamp = join(root, 'dist-test', '.emulator-built');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

let builtAt = 0;
try {
  statSync(built);
  builtAt = statSync(stamp).mtimeMs;
} catch {
  // Not built yet.
}
const sources = ['src', 'test/emulator', 'test/fixtures', 'bench', 'tsconfig.json', 'tsconfig.emulator.json'];
const newest = Math.max(
  ...sources.map((s) => {
    const path = join(root, s);
    return statSync(path).isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
  }),
);
if (newest > builtAt) {
  console.error('npm run emulator: compiling the emulator (tsc -p tsconfig.emulator.json; up to a minute)...');
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.emulator.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  writeFileSync(stamp, '');
}
await import(pathToFileURL(built).href);
