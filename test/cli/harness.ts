/** Runs the built CLI as a child process against a temp DD_LOGSTORE_HOME: what a user's shell does. */
import { afterAll, beforeAll, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createEmulator } from '../emulator/emulator.js';
import type { Emulator, EmulatorOptions } from '../emulator/emulator.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'dd-logstore.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  home: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** The child's working directory (the test's own by default). */
  cwd?: string;
}

/** The environment of a test CLI: the real one minus anything that would leak the developer's own set-up. */
export function cliEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('DD_LOGSTORE_') || k === 'FORCE_COLOR' || k === 'NO_COLOR') continue;
    env[k] = v;
  }
  return { ...env, DD_LOGSTORE_HOME: home, ...extra };
}

export function runCli(args: readonly string[], opts: CliOptions): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cliEnv(opts.home, opts.env),
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    // A command that exits without reading its stdin (`run -- echo`) closes the pipe first: EPIPE there is not
    // the test's failure (under load it failed a test now and then).
    child.stdin.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') reject(e);
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function tempHome(prefix = 'ddls-test-'): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), prefix));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export function readConfigText(home: string): string {
  return readFileSync(join(home, 'config.json'), 'utf8');
}

/** Env that satisfies `{{dd.api_key}}` / `{{dd.app_key}}` with the emulator's default keys, without a keychain. */
export const EMULATOR_KEYS: NodeJS.ProcessEnv = {
  DD_LOGSTORE_SECRET_DD_API_KEY: 'emulator-api-key',
  DD_LOGSTORE_SECRET_DD_APP_KEY: 'emulator-app-key',
};

/** Registers a datadog log store pointed at an emulator, its keys as references to the secret `dd`. */
export async function registerEmulatorLogStore(
  home: string,
  url: string,
  opts: { name?: string; extra?: readonly string[]; scheduleDelayMs?: number } = {},
): Promise<CliResult> {
  return runCli(
    [
      'log-store',
      'register',
      opts.name ?? 'dd',
      '--flavor=datadog',
      '--api_key={{dd.api_key}}',
      '--application_key={{dd.app_key}}',
      `--intake_url=${url}`,
      `--api_url=${url}`,
      `--schedule_delay_millis=${opts.scheduleDelayMs ?? 200}`,
      ...(opts.extra ?? []),
    ],
    { home },
  );
}

/** Starts an emulator before the describe's tests and registers it in `home` as the log store `dd`; closes it after. */
export function useEmulatorLogStore(
  home: string,
  opts: { emulator?: EmulatorOptions; extra?: readonly string[]; scheduleDelayMs?: number } = {},
): () => Emulator {
  const { emulator: emulatorOptions, ...registration } = opts;
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await createEmulator(emulatorOptions);
    expect((await registerEmulatorLogStore(home, emulator.url, registration)).code).toBe(0);
  });
  afterAll(async () => {
    await emulator?.close();
  });
  return () => {
    if (!emulator) throw new Error('the emulator starts in beforeAll: ask for it from a hook or a test');
    return emulator;
  };
}
