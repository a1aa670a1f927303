/**
 * The built CLI's `ui` as a child process (`dd-logstore ui --no-open --port 0`), its URL read from its stdout, and
 * Debian's chromium driven by playwright-core for the browser tests.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { BIN, cliEnv } from '../cli/harness.js';

export interface UiProcess {
  child: ChildProcessWithoutNullStreams;
  /** As printed: `http://127.0.0.1:PORT/?token=...`. */
  url: string;
  /** `http://127.0.0.1:PORT` */
  base: string;
  token: string;
  stderr(): string;
  /** SIGTERM, then the exit code and signal. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startUi(home: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<UiProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'ui', '--no-open', '--port', '0', ...args], {
      env: cliEnv(home, env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.on('exit', (code, signal) => r({ code, signal })),
    );
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ui printed no URL in 20 s; stderr: ${err}`));
    }, 20_000);
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^(http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]+)$/m.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      resolve({
        child,
        url: m[0],
        base: m[1]!,
        token: m[2]!,
        stderr: () => err,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ui exited with ${code} before printing a URL; stderr: ${err}`));
    });
  });
}

export const CHROMIUM_PATH = process.env.DD_LOGSTORE_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** True when the browser tests can run; in CI a missing chromium is a failure, not a skip. */
export function chromiumAvailable(): boolean {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  if (existsSync(CHROMIUM_PATH)) return true;
  if (ci) throw new Error(`CI is set but there is no chromium at ${CHROMIUM_PATH} (.ci/run installs it with apt)`);
  process.stderr.write(
    `skipping the ui browser tests: no chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set DD_LOGSTORE_TEST_CHROMIUM)\n`,
  );
  return false;
}

/**
 * Headless chromium, nothing fetched from the network behind the test's back. Playwright gives each launch a fresh
 * profile in a temp dir of its own (it refuses --user-data-dir in args), removed on close.
 */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}
