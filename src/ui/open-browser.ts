/**
 * Opening the printed URL in a browser, only where one can be seen: macOS, or Linux/BSD with a display (DISPLAY or
 * WAYLAND_DISPLAY), on a terminal, and never in CI. Elsewhere the URL is printed and that is all (as Jupyter's
 * `--no-browser`, which a headless server gets by default).
 */
import { spawn } from 'node:child_process';
import { isCI } from '../io/iostreams.js';

export function shouldOpenBrowser(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, onTerminal: boolean): boolean {
  if (!onTerminal || isCI(env)) return false;
  if (platform === 'darwin') return true;
  if (platform === 'win32') return false;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Starts the platform's opener detached; a missing opener is not an error (the URL is printed anyway). */
export function openBrowser(url: string, platform: NodeJS.Platform = process.platform): void {
  const opener = platform === 'darwin' ? 'open' : 'xdg-open';
  try {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener: the printed URL is the way in.
  }
}
