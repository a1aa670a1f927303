/**
 * The ui's pages, styles and scripts: the files of `static/` beside this module (copied into dist by the build),
 * read once at start into a map. The server serves only names in this map, so no request can name another file.
 */
import { readFile } from 'node:fs/promises';

export interface Asset {
  type: string;
  body: Buffer;
}

/** Every file the ui ships, with its content type. */
export const ASSET_TYPES: Readonly<Record<string, string>> = {
  'runs.html': 'text/html; charset=utf-8',
  'run.html': 'text/html; charset=utf-8',
  'ui.css': 'text/css; charset=utf-8',
  'common.js': 'text/javascript; charset=utf-8',
  'runs.js': 'text/javascript; charset=utf-8',
  'run.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

export async function loadAssets(dir: URL = new URL('./static/', import.meta.url)): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(ASSET_TYPES)) {
    assets.set(name, { type, body: await readFile(new URL(name, dir)) });
  }
  return assets;
}
