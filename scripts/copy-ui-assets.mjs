// tsc compiles only TypeScript: copy the ui's pages, styles and scripts next to the compiled server.
import { cpSync } from 'node:fs';

cpSync(new URL('../src/ui/static/', import.meta.url), new URL('../dist/ui/static/', import.meta.url), {
  recursive: true,
});
