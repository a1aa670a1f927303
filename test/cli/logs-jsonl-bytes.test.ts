import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cliEnv, EMULATOR_KEYS, runCli, tempHome, useEmulatorLogStore } from './harness.js';

/**
 * `logs --output jsonl` reads Datadog's pages as bytes (destinations/datadog/search-scan.ts), every other format
 * through objects: each jsonl line must be `JSON.stringify` of the record `--output json` prints (which keeps its
 * keys' order), for records of every shape, filtered, de-duplicated and ordered the same.
 */
const RUN = 'mixed';
const N = 2500;
const T0 = Date.now() - 60_000;

function item(i: number): Record<string, unknown> {
  const kind = i % 10;
  const base: Record<string, unknown> = {
    service: 'zenml',
    hostname: kind === 7 ? 'h\u00f6st "q"' : 'vm',
    ddsource: 'dd-logstore',
    ddtags: kind === 3 ? 'env:ci,team:\u00e9' : 'env:ci',
    status: ['info', 'warn', 'error', 'debug'][i % 4],
    // Several records a millisecond, and pages of 1000 cut through them.
    timestamp: T0 + Math.floor(i / 4),
    message: `line ${i}`,
    'zenml.run.id': RUN,
    'zenml.log.id': i % 3 === 0 ? 'L-b' : 'L-a',
    'zenml.step.name': i % 3 === 0 ? 'eval' : 'train',
    'dd_logstore.seq': i,
    'dd_logstore.writer': 'w1',
  };
  if (kind === 1) base.message = `quote " back \\ tab \t nl \n \u001b[31mred\u001b[0m ${i}`;
  // U+2028 and U+2029: JSON.stringify leaves them raw, and `--output json` once indented after them too.
  if (kind === 2) base.message = `caf\u00e9 \u2014 \u{1F600} \u00a0 \u2028 \u2029 ${i}`;
  if (kind === 4)
    Object.assign(base, { 'metric.loss': 0.125 * i, 'metric.big': 1e21, 'metric.neg': -i, ok: i % 2 === 0 });
  if (kind === 5) Object.assign(base, { list: [1, 'two', { three: 3 }], empty: {}, nothing: null });
  if (kind === 6) Object.assign(base, { 'deep.a.b.c.d': `v${i}`, 'deep.a.x': i });
  if (kind === 8) delete base.hostname;
  if (kind === 9)
    Object.assign(base, { 'dd_logstore.seq': String(i), 'zenml.step.name': null, 'zenml.step.run.name': 'r' });
  return base;
}

describe('logs --output jsonl from Datadog: the byte path prints what the objects print (built CLI, emulator)', () => {
  const { home, cleanup } = tempHome();
  const logs = (args: string[]) =>
    runCli(['logs', '--run-id', RUN, '--log-store', 'dd', ...args], { home, env: EMULATOR_KEYS, timeoutMs: 60_000 });

  const emulator = useEmulatorLogStore(home);
  beforeAll(async () => {
    const items = Array.from({ length: N }, (_, i) => item(i));
    // Delivered twice (an at-least-once retry): de-duplicated by (log id, writer, seq).
    const again = items.slice(990, 1010).map((it) => ({ ...it, message: 'a second copy' }));
    for (const batch of [items.slice(0, 800), items.slice(800, 1600), items.slice(1600), again]) {
      const res = await fetch(`${emulator().url}/api/v2/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'dd-api-key': 'emulator-api-key' },
        body: JSON.stringify(batch),
      });
      expect(res.status).toBe(202);
    }
    expect(emulator().records()).toHaveLength(N + 20);
  }, 60_000);
  afterAll(cleanup);

  it.each([
    [[]],
    [['--level', 'warn']],
    [['--grep', 'CAF\u00c9']],
    [['--step', 'eval']],
    [['--tail', '77']],
    [['--limit', '1500']],
  ])('jsonl lines are the json records, stringified (%j)', async (args) => {
    const [jsonl, json] = await Promise.all([
      logs(['--output', 'jsonl', ...args]),
      logs(['--output', 'json', ...args]),
    ]);
    expect([jsonl.code, json.code, json.stderr]).toEqual([0, 0, jsonl.stderr]);
    expect(jsonl.stderr).toBe(json.stderr);
    const records = JSON.parse(json.stdout) as unknown[];
    expect(records.length).toBeGreaterThan(args.length === 0 ? N - 1 : 50);
    expect(jsonl.stdout).toBe(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    expect(jsonl.stdout).not.toContain('a second copy');
  });

  it('every shape is there: escapes, non-ASCII, numbers, arrays, nested, missing host, seq as a string', async () => {
    const r = await logs(['--output', 'jsonl']);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(N);
    const first = (k: number) => JSON.parse(lines.find((l) => l.includes(`"dd_logstore.seq":${k}`)) ?? '{}');
    expect(first(1).message).toContain('\u001b[31mred');
    expect(first(2).message).toBe('caf\u00e9 \u2014 \u{1F600} \u00a0 \u2028 \u2029 2');
    expect(first(4).attributes['metric.big']).toBe(1e21);
    expect(first(5).attributes.list).toEqual([1, 'two', { three: 3 }]);
    expect(first(6).attributes['deep.a.b.c.d']).toBe('v6');
    expect(first(8).attributes.hostname).toBeUndefined();
    expect(lines.filter((l) => l.includes('"dd_logstore.seq":"9"'))).toHaveLength(1);
  });

  it('--output json: a message with U+2028 and U+2029 parses back to the same message', async () => {
    const r = await logs(['--output', 'json', '--grep', '\u2028']);
    expect(r.code).toBe(0);
    const records = JSON.parse(r.stdout) as { message: string; attributes: Record<string, unknown> }[];
    expect(records).toHaveLength(N / 10);
    for (const rec of records)
      expect(rec.message).toBe(
        `caf\u00e9 \u2014 \u{1F600} \u00a0 \u2028 \u2029 ${String(rec.attributes['dd_logstore.seq'])}`,
      );
  });

  it('to a file (written with writeSync) the same bytes as through a pipe', async () => {
    const piped = await logs(['--output', 'jsonl']);
    const file = join(home, 'out.jsonl');
    const fd = openSync(file, 'w');
    try {
      // Not spawnSync: the emulator answers from this process.
      const p = spawn(process.execPath, [BIN, 'logs', '--run-id', RUN, '--log-store', 'dd', '--output', 'jsonl'], {
        env: cliEnv(home, EMULATOR_KEYS),
        stdio: ['ignore', fd, 'ignore'],
      });
      expect(await new Promise((resolve) => p.on('close', resolve))).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe(piped.stdout);
  });
});
