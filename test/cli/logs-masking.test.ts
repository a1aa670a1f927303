import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cliEnv, EMULATOR_KEYS, runCli, tempHome, useEmulatorLogStore } from './harness.js';

/** Known to `logs` alone: the run that stored the records did not have it, so its records hold it as printed. */
const SECRET = 'read-side-only-5e1d9c';
const LINES = 3000;
/** Every 97th line holds the secret; one line is longer than the printer's buffer holds at once (64 KB / 3). */
const child = `
let out = '';
for (let i = 0; i < ${LINES}; i++) {
  if (i === 1500) out += 'long ' + 'x'.repeat(30000) + ' token=${SECRET} end\\n';
  else if (i % 97 === 5) out += 'line ' + i + ' token=${SECRET} \u00e9\u2014\u{1F600}\\n';
  else out += 'line ' + i + ' plain caf\u00e9 \u00b5s ' + 'y'.repeat(i % 300) + '\\n';
}
process.stdout.write(out);`;
const WITH_SECRET = Math.ceil((LINES - 5) / 97);

describe('logs masks secrets in what it reads back (built CLI, Datadog emulator)', () => {
  const { home, cleanup } = tempHome();
  const readEnv = { ...EMULATOR_KEYS, DD_LOGSTORE_SECRET_READ_TOKEN: SECRET };
  const logs = (args: string[], env: NodeJS.ProcessEnv = readEnv) =>
    runCli(['logs', '--run-id', 'masked', ...args], { home, env, timeoutMs: 60_000 });

  const emulator = useEmulatorLogStore(home);
  beforeAll(async () => {
    const r = await runCli(['run', '--log-store', 'dd', '--run-id', 'masked', '--', process.execPath, '-e', child], {
      home,
      env: EMULATOR_KEYS,
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(0);
    expect(emulator().records()).toHaveLength(LINES);
  }, 90_000);
  afterAll(cleanup);

  it('stored unmasked: without the secret, logs prints it', async () => {
    const r = await logs(['--output', 'jsonl'], EMULATOR_KEYS);
    expect(r.code).toBe(0);
    expect(r.stdout.split(`token=${SECRET}`)).toHaveLength(WITH_SECRET + 2);
  });

  it.each(['jsonl', 'json', 'text', 'table'])(
    '--output %s masks every occurrence, the long line too',
    async (output) => {
      const r = await logs(['--output', output]);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(SECRET);
      expect(r.stdout.split('token=****')).toHaveLength(WITH_SECRET + 2);
      expect(r.stdout).toContain(`x token=**** end`);
      expect(r.stdout).toContain('\u00e9\u2014\u{1F600}');
    },
  );

  it('to a file (written with writeSync) the same bytes as through a pipe', async () => {
    const piped = await logs(['--output', 'jsonl']);
    const file = join(home, 'out.jsonl');
    const fd = openSync(file, 'w');
    try {
      // Not spawnSync: the emulator answers from this process.
      const p = spawn(process.execPath, [BIN, 'logs', '--run-id', 'masked', '--output', 'jsonl'], {
        env: cliEnv(home, readEnv),
        stdio: ['ignore', fd, 'ignore'],
      });
      const code = await new Promise((resolve) => p.on('close', resolve));
      expect(code).toBe(0);
    } finally {
      closeSync(fd);
    }
    const written = readFileSync(file, 'utf8');
    expect(written.split('\n')).toHaveLength(LINES + 1);
    expect(written).toBe(piped.stdout);
  });
});
