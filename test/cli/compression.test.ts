/**
 * `compression` of the datadog flavor end to end: the built CLI against the emulator. zstd is in node:zlib from
 * Node 22.15, so CI's Node 24 run sends and decodes zstd; Node 20 checks the fallback to gzip instead.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createEmulator } from '../emulator/emulator.js';
import type { Emulator } from '../emulator/emulator.js';
import { RUNTIME_HAS_ZSTD } from '../helpers/content-encoding.js';
import { EMULATOR_KEYS, registerEmulatorLogStore, runCli, tempHome } from './harness.js';

const withZstd = RUNTIME_HAS_ZSTD ? it : it.skip;
const withoutZstd = RUNTIME_HAS_ZSTD ? it.skip : it;
const PRINT_2000 = ['python3', '-c', 'for i in range(2000): print("zstd line %d" % i)'];

describe(`datadog compression (built CLI, emulator; Node ${process.version})`, () => {
  let emulator: Emulator;
  const { home, cleanup } = tempHome();
  const cli = (...args: string[]) => runCli(args, { home, env: EMULATOR_KEYS });

  beforeAll(async () => {
    emulator = await createEmulator();
    expect((await registerEmulatorLogStore(home, emulator.url, { name: 'dflt' })).code).toBe(0);
    expect(
      (await registerEmulatorLogStore(home, emulator.url, { name: 'zs', extra: ['--compression=zstd'] })).code,
    ).toBe(0);
  });
  beforeEach(() => emulator.reset());
  afterAll(async () => {
    await emulator.close();
    cleanup();
  });

  const intakeEncodings = () => [
    ...new Set(
      emulator
        .requests()
        .filter((q) => q.route === 'intake')
        .map((q) => q.headers['content-encoding']),
    ),
  ];

  withZstd(
    'sends zstd by default, and the emulator decodes every batch',
    async () => {
      const r = await cli('run', '--quiet', '--log-store', 'dflt', '--run-id', 'zstd-1', '--', ...PRINT_2000);
      expect(r.code).toBe(0);
      expect(intakeEncodings()).toEqual(['zstd']);
      const messages = emulator.records().map((x) => x.message);
      expect(new Set(messages).size).toBe(2000);
      expect(messages).toContain('zstd line 1999');
    },
    60_000,
  );

  withZstd(
    'verify --roundtrip sends its record with the configured encoding',
    async () => {
      const r = await cli('log-store', 'verify', 'zs', '--roundtrip');
      expect(r.code).toBe(0);
      expect(intakeEncodings()).toEqual(['zstd']);
    },
    60_000,
  );

  withoutZstd(
    'compression=zstd on a Node without zstd: one warning, gzip sent, nothing lost',
    async () => {
      const r = await cli('run', '--quiet', '--log-store', 'zs', '--run-id', 'zstd-2', '--', ...PRINT_2000);
      expect(r.code).toBe(0);
      expect(r.stderr.trim().split('\n')).toEqual([
        `warning: log store 'zs': compression=zstd needs Node >= 22.15 (this is ${process.version}); sending gzip`,
      ]);
      expect(intakeEncodings()).toEqual(['gzip']);
      expect(new Set(emulator.records().map((x) => x.message)).size).toBe(2000);
      // The default needs no warning: gzip is what this runtime has.
      const d = await cli('run', '--quiet', '--log-store', 'dflt', '--', 'true');
      expect(d.stderr).toBe('');
    },
    60_000,
  );

  it('verify --roundtrip and run send the same encoding; compression=none sends plain JSON', async () => {
    expect(
      (await registerEmulatorLogStore(home, emulator.url, { name: 'plain', extra: ['--compression=none'] })).code,
    ).toBe(0);
    expect((await cli('log-store', 'verify', 'dflt', '--roundtrip')).code).toBe(0);
    expect(intakeEncodings()).toEqual([RUNTIME_HAS_ZSTD ? 'zstd' : 'gzip']);
    emulator.reset();
    expect((await cli('log-store', 'verify', 'plain', '--roundtrip')).code).toBe(0);
    expect(intakeEncodings()).toEqual([undefined]);
  }, 60_000);
});
