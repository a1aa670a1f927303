/**
 * The work half of `dd-logstore ui`: check the flags' targets, start the server on 127.0.0.1 with a fresh token,
 * print the URL (stdout: it is what the command gives), open a browser where one can be seen, and serve until
 * Ctrl-C or SIGTERM, then close every connection and return (exit 0). Loaded only for `ui`.
 */
import { randomBytes } from 'node:crypto';
import { CliError } from '../core/errors.js';
import type { Factory } from '../app/factory.js';
import { resolveLogStore } from '../store/active-stack.js';
import { componentDestination } from '../app/resolve-log-store.js';
import type { Component } from '../store/model.js';
import { listenForInterrupt } from '../query/system.js';
import type { Interrupt } from '../query/system.js';
import type { SearchFn } from '../destinations/datadog/reader.js';
import { loadAssets } from './assets.js';
import { createUiData } from './data.js';
import { openBrowser, shouldOpenBrowser } from './open-browser.js';
import { startUiServer } from './server.js';

export interface UiOptions {
  port: number;
  logStore?: string;
  /** false with --no-open. */
  open: boolean;
}

export interface UiDeps {
  listenForInterrupt(): Interrupt;
  openBrowser(url: string): void;
  platform: NodeJS.Platform;
  search?: SearchFn;
}

const defaultDeps: UiDeps = { listenForInterrupt, openBrowser, platform: process.platform };

export async function serveUi(f: Factory, opts: UiOptions, deps: UiDeps = defaultDeps): Promise<void> {
  let logStore: Component | undefined;
  if (opts.logStore !== undefined) {
    logStore = resolveLogStore(await f.configStore().read(), f.env, { logStore: opts.logStore });
    if (componentDestination(logStore).createRunPages === undefined)
      throw new CliError(
        `log store '${logStore.name}' is an ${logStore.flavor} log store, which ships only and cannot be read back`,
        {
          hint: 'give a log store that can be read back, or leave --log-store out',
        },
      );
  }
  const token = randomBytes(24).toString('base64url');
  const data = createUiData(f, {
    ...(logStore !== undefined ? { logStore } : {}),
    ...(deps.search !== undefined ? { search: deps.search } : {}),
  });
  const interrupt = deps.listenForInterrupt();
  try {
    const server = await startUiServer({
      port: opts.port,
      token,
      data,
      redactor: f.io.redactor,
      assets: await loadAssets(),
      log: (line) => f.io.err(`${line}\n`),
    }).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new CliError(`port ${opts.port} on 127.0.0.1 is in use`, {
          hint: 'pick another with --port N, or --port 0 for any free port',
          cause: err,
        });
      if (code === 'EACCES')
        throw new CliError(`port ${opts.port} cannot be opened here (a port below 1024 needs privileges)`, {
          hint: 'pick a port above 1023 with --port N, or --port 0 for any free port',
          cause: err,
        });
      throw err;
    });
    f.io.out(`${server.url}\n`);
    const scope = logStore !== undefined ? ` of log store '${logStore.name}'` : '';
    f.io.err(`dd-logstore ui: serving the runs${scope} in ${f.paths().home} on 127.0.0.1 only; Ctrl-C stops it\n`);
    if (opts.open && shouldOpenBrowser(f.env, deps.platform, f.io.stdoutIsTTY || f.io.stderrIsTTY))
      deps.openBrowser(server.url);
    await new Promise<void>((resolve) => {
      if (interrupt.signal.aborted) return resolve();
      interrupt.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    f.io.err('dd-logstore ui: stopping\n');
    await server.close();
  } finally {
    interrupt.dispose();
  }
}
