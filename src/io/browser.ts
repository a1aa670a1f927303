/**
 * Opening a URL in the user's browser, as `gh browse` does: `$BROWSER` when set, else the platform's opener
 * (`open`, `xdg-open`, `start`). Where no browser can be shown (output not a terminal, CI, no opener) the URL is
 * printed on stdout instead, so `dd-logstore logs --web --last` in a script gives the link.
 */
import { spawn } from 'node:child_process';
import { isCI, type IOStreams } from './iostreams.js';

export interface OpenOptions {
  io: IOStreams;
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/** Resolves to `opened` when a browser was started, `printed` when the URL went to stdout instead. */
export async function openInBrowser(url: string, opts: OpenOptions): Promise<'opened' | 'printed'> {
  const { io, env } = opts;
  const print = (): 'printed' => {
    io.out(`${url}\n`);
    return 'printed';
  };
  if (!io.stdoutIsTTY || isCI(env)) return print();
  const [command, ...args] = opener(env, opts.platform ?? process.platform);
  if (command === undefined) return print();
  const started = await new Promise<boolean>((resolve) => {
    const child = spawn(command, [...args, url], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
  if (!started) {
    io.err(`dd-logstore: could not start a browser (${command}); open this URL:\n`);
    return print();
  }
  io.err(`Opening ${url} in your browser.\n`);
  return 'opened';
}

function opener(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] {
  const browser = env.BROWSER?.trim();
  if (browser) return browser.split(/\s+/);
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""'];
  return ['xdg-open'];
}
