import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cliEnv, EMULATOR_KEYS, ROOT, runCli, tempHome, useEmulatorLogStore } from './harness.js';
import { DEFAULT_DATADOG_ENCODING } from '../helpers/content-encoding.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'mixed_output.py');

/** What the child writes, per stream, when run on its own. */
function childAlone(args: string[]): { stdout: Buffer; stderr: Buffer; status: number | null } {
  const r = spawnSync('python3', [FIXTURE, ...args], {
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    maxBuffer: 64 << 20,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Runs the built CLI, keeping stdout/stderr as raw bytes. */
function runRaw(
  args: string[],
  home: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cliEnv(home, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

/**
 * Where `needle` stands whole in `hay` at or after `from` (-1: nowhere): found by its first kilobyte, then compared.
 * Searched from the end of the previous message, as frames are written in order: Buffer.includes of the fixture's
 * 900 KB part of a line (one byte repeated, beside another such part) took 277 s.
 */
function indexOfWhole(hay: Buffer, needle: Buffer, from: number): number {
  const head = needle.subarray(0, 1024);
  for (let at = hay.indexOf(head, from); at !== -1; at = hay.indexOf(head, at + 1))
    if (hay.subarray(at, at + needle.length).equals(needle)) return at;
  return -1;
}

describe('dd-logstore run (built CLI, Datadog emulator)', () => {
  const { home, cleanup } = tempHome();
  const cli = (...args: string[]) => runCli(args, { home });

  const emulator = useEmulatorLogStore(home);
  beforeEach(() => emulator().reset());
  afterAll(cleanup);
  const keys = (api?: string) => ({ ...EMULATOR_KEYS, ...(api ? { DD_LOGSTORE_SECRET_DD_API_KEY: api } : {}) });

  it('passes output through byte for byte, returns the exit code, and ships every line once with its attributes', async () => {
    const alone = childAlone(['3']);
    expect(alone.status).toBe(3);
    const r = await runRaw(
      [
        'run',
        '--log-store',
        'dd',
        '--step',
        'train',
        '--run-id',
        'run-e2e-1',
        '--tag',
        'team:ml',
        '--',
        'python3',
        FIXTURE,
        '3',
      ],
      home,
      keys(),
    );
    expect(r.code).toBe(3);
    expect(r.stdout.equals(alone.stdout)).toBe(true);
    // Our summary line follows the child's stderr; everything before it is the child's, unchanged.
    expect(r.stderr.subarray(0, alone.stderr.length).equals(alone.stderr)).toBe(true);
    const tail = r.stderr.subarray(alone.stderr.length).toString();
    expect(tail).toMatch(
      // A busy machine can stall delivery for a second: then the wait is said first (docs/run.md).
      /^(dd-logstore: waiting up to .*\n)?dd-logstore: run run-e2e-1 step train: \d+ records read, \d+ delivered, 0 spooled, 0 dropped/,
    );

    // Batches may land out of order (several in flight): the order is (timestamp, seq).
    const records = emulator()
      .records()
      .sort(
        (a, b) =>
          a.timestamp - b.timestamp ||
          (a.attributes['dd_logstore.seq'] as number) - (b.attributes['dd_logstore.seq'] as number),
      );
    const messages = records.map((x) => x.message);
    // 10,000 lines + traceback + ANSI + latin1 + 2 MB (3 parts) + progress + last line.
    const lineRecords = records.filter((x) => /^(step \d+ loss|line \d+ on stderr|plain stderr line)/.test(x.message));
    expect(lineRecords).toHaveLength(10_000);
    expect(new Set(lineRecords.map((x) => x.message)).size).toBe(10_000);

    // Python logging's `LEVEL:name:message`: the level, the logger, the message without the prefix.
    const warn = records.find((x) => x.message === 'line 3 on stderr');
    expect(warn?.status).toBe('warn');
    expect(warn?.attributes['logger.name']).toBe('trainer');
    expect(records.find((x) => x.message === 'plain stderr line 7')?.status).toBe('error');
    const info = records.find((x) => x.message === 'step 0 loss=0.0000');
    expect(info?.status).toBe('info');
    expect(info?.service).toBe('zenml');
    expect(info?.attributes).toMatchObject({
      'zenml.run.id': 'run-e2e-1',
      'zenml.step.name': 'train',
      'zenml.log.source': 'step',
      'zenml.log_store.name': 'dd',
      'dd_logstore.stream': 'stdout',
      team: 'ml',
    });
    expect(typeof info?.attributes['zenml.log.id']).toBe('string');
    expect(typeof info?.attributes['zenml.log_store.id']).toBe('string');
    expect(info?.tags).toContain('team:ml');

    const tb = records.filter((x) => x.message.startsWith('Traceback (most recent call last):'));
    expect(tb).toHaveLength(1);
    expect(tb[0]?.status).toBe('error');
    expect(tb[0]?.message).toContain('ValueError: bad value');

    expect(messages).toContain('green text and bold');
    expect(messages).toContain('latin1 caf\uFFFD and broken \uFFFD\uFFFD bytes');
    const parts = records.filter((x) => typeof x.attributes['dd_logstore.part'] === 'string');
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.map((x) => x.message).join('')).toBe('BIG:' + 'x'.repeat(2 * 1024 * 1024));
    const progress = records.filter((x) => x.message.startsWith('progress'));
    expect(progress.map((x) => x.message)).toEqual([`progress 1000/1000 [${'#'.repeat(20)}]`]);
    expect(progress[0]?.status).toBe('info');
    expect(messages[messages.length - 1]).toBe('last line without newline');

    // Order by (timestamp, seq) is the order lines were read; seq is unique per stream.
    const seqs = records.map((x) => x.attributes['dd_logstore.seq'] as number);
    expect(new Set(seqs).size).toBe(records.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Within each stream, lines come back in the order the child printed them.
    const stepNumbers = records
      .filter((x) => x.message.startsWith('step '))
      .map((x) => Number(x.message.split(' ')[1]));
    expect(stepNumbers).toEqual([...stepNumbers].sort((a, b) => a - b));
    expect(stepNumbers).toHaveLength(8000);

    // The wire: zstd (gzip where Node has no zstd) JSON batches of at most 1000 items and 5 MB.
    const intake = emulator()
      .requests()
      .filter((q) => q.route === 'intake');
    expect(intake.length).toBeGreaterThan(0);
    for (const q of intake) {
      expect(q.headers['content-encoding']).toBe(DEFAULT_DATADOG_ENCODING);
      expect(q.items ?? 0).toBeLessThanOrEqual(1000);
      expect(q.bodyBytes).toBeLessThanOrEqual(5_000_000);
      expect(q.status).toBe(202);
    }

    const described = await cli('runs', 'describe', 'run-e2e-1', '--output', 'json');
    const run = JSON.parse(described.stdout) as {
      steps: { exitCode: number; counts: { read: number; delivered: number; failed: number } }[];
    };
    expect(run.steps[0]?.exitCode).toBe(3);
    expect(run.steps[0]?.counts.read).toBe(records.length);
    expect(run.steps[0]?.counts.delivered).toBe(records.length);
  }, 120_000);

  it('long lines heavy with JSON escapes, or with big JSON fields, reach the intake whole: parts sized as JSON, none cut', async () => {
    // A config dump (JSON text, no message field: each `"` two bytes in the body), 1.5 MB of NULs (six bytes each), a
    // JSON line whose own field is 1.5 MB: each part was sized by its raw bytes, over 1 MB in the body, and the intake
    // cut it (the NULs' first part was refused with 413, spooled for good; the big field's message came back empty).
    const script = [
      "const dump = JSON.stringify(Object.fromEntries(Array.from({ length: 40000 }, (_, i) => ['layer_' + i, { act: 'relu' }])));",
      "process.stdout.write(dump + '\\n' + '\\u0000'.repeat(1500000) + '\\n');",
      "process.stdout.write(JSON.stringify({ msg: 'request done', body: 'x'.repeat(1500000) }) + '\\nafter\\n');",
    ].join('\n');
    const r = await runRaw(
      ['run', '--log-store', 'dd', '--run-id', 'escapes', '--', process.execPath, '-e', script],
      home,
      keys(),
    );
    expect(r.code).toBe(0);
    expect(r.stderr.toString()).toMatch(/records read, (\d+) delivered, 0 spooled, 0 dropped/);
    expect(emulator().stats().truncated).toBe(0);
    const records = emulator()
      .records()
      .sort((a, b) => (a.attributes['dd_logstore.seq'] as number) - (b.attributes['dd_logstore.seq'] as number));
    const lines: string[] = [];
    let open = '';
    for (const x of records) {
      const part = x.attributes['dd_logstore.part'] as string | undefined;
      open += x.message;
      if (part === undefined || /^(\d+)\/\1$/.test(part)) {
        lines.push(open);
        open = '';
      }
    }
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[0]!)).toMatchObject({ layer_0: { act: 'relu' }, layer_39999: { act: 'relu' } });
    expect(lines[1]).toBe('\u0000'.repeat(1_500_000));
    expect(JSON.parse(lines[2]!)).toEqual({ msg: 'request done', body: 'x'.repeat(1_500_000) });
    expect(lines[3]).toBe('after');
  }, 60_000);

  it('a resolved secret the child prints is masked in the records and in the run record, not on the terminal', async () => {
    const secret = 'emulator-api-key';
    const r = await runRaw(
      [
        'run',
        '--log-store',
        'dd',
        '--run-id',
        'run-secret',
        '--',
        'python3',
        '-c',
        'import os,sys; print("key is", sys.argv[1])',
        secret,
      ],
      home,
      keys(),
    );
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`key is ${secret}\n`);
    expect(
      emulator()
        .records()
        .map((x) => x.message),
    ).toEqual(['key is ****']);
    const described = await cli('runs', 'describe', 'run-secret', '--output', 'json');
    expect(described.stdout).not.toContain(secret);
    expect(described.stdout).toContain('****');
  });

  it('a secret is masked everywhere a record goes: JSON attributes, across a 1 MB split, tags and step, spool reasons', async () => {
    const secret = 'emulator-api-key';
    const script = [
      'import json, sys',
      'k = sys.argv[1]',
      'print(json.dumps({"msg": "hi", "token": k, "nested": {"k": "x-" + k}}))',
      // The secret straddles the boundary where the 1 MB line is split into parts.
      'print("x" * (900 * 1024 - 8) + k + "y" * 2000)',
    ].join('\n');
    const r = await runRaw(
      [
        'run',
        '--log-store',
        'dd',
        '--run-id',
        'run-secret-2',
        '--step',
        `s-${secret}`,
        '--tag',
        `k:${secret}`,
        '--',
        'python3',
        '-c',
        script,
        secret,
      ],
      home,
      keys(),
    );
    expect(r.code).toBe(0);
    const shipped = JSON.stringify(emulator().records());
    expect(shipped).not.toContain(secret);
    expect(shipped).not.toContain('emulator-a'); // no half of it either
    const json = emulator()
      .records()
      .find((x) => x.message === 'hi');
    expect(json?.attributes).toMatchObject({ token: '****', 'zenml.step.name': 's-****' });
    expect(JSON.stringify(json?.attributes)).toContain('"x-****"');
    const parts = emulator()
      .records()
      .filter((x) => x.attributes['dd_logstore.part'] !== undefined);
    expect(parts.map((x) => x.message).join('')).toBe('x'.repeat(900 * 1024 - 8) + '****' + 'y'.repeat(2000));
    const described = await cli('runs', 'describe', 'run-secret-2', '--output', 'json');
    expect(described.stdout).not.toContain(secret);

    // The intake's error text can quote what it got: the spool file's reason is masked too.
    emulator().inject('intake', { type: 'status', status: 400, count: 10, body: `{"errors":["bad key ${secret}"]}` });
    const failed = await runRaw(
      ['run', '--log-store', 'dd', '--run-id', 'run-secret-3', '--', 'echo', 'one'],
      home,
      keys(),
    );
    expect(failed.code).toBe(0);
    const spoolDir = join(home, 'spool');
    const spooled = readdirSync(spoolDir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => readFileSync(join(d.parentPath, d.name), 'utf8'))
      .join('');
    expect(spooled).toContain('bad key ****');
    expect(spooled).not.toContain(secret);
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('ships through the otel flavor into the OTLP route', async () => {
    expect(
      (
        await runCli(
          [
            'log-store',
            'register',
            'ot',
            '--flavor=otel',
            `--endpoint=${emulator().url}`,
            '--headers=dd-api-key={{dd.api_key}}',
          ],
          { home },
        )
      ).code,
    ).toBe(0);
    const r = await runRaw(
      ['run', '--log-store', 'ot', '--run-id', 'run-otel', '--', 'python3', FIXTURE, '0', '500'],
      home,
      keys(),
    );
    expect(r.code).toBe(0);
    const records = emulator().records();
    expect(records.every((x) => x.route === 'otlp')).toBe(true);
    expect(records.filter((x) => /^(step \d|line \d|plain)/.test(x.message))).toHaveLength(500);
    expect(records[0]?.attributes['zenml.run.id']).toBe('run-otel');
  }, 60_000);

  it('otel headers may be one reference holding the whole list, resolved then split', async () => {
    const reg = await runCli(
      ['log-store', 'register', 'ot2', '--flavor=otel', `--endpoint=${emulator().url}`, '--headers={{oh.headers}}'],
      { home },
    );
    expect(reg.code).toBe(0);
    const env = { DD_LOGSTORE_SECRET_OH_HEADERS: 'dd-api-key=emulator-api-key,x-team=ml' };
    const r = await runRaw(['run', '--log-store', 'ot2', '--', 'python3', '-c', 'print("via otlp")'], home, env);
    expect(r.code).toBe(0);
    expect(
      emulator()
        .records()
        .map((x) => x.message),
    ).toEqual(['via otlp']);
    const bad = await runRaw(['run', '--log-store', 'ot2', '--', 'true'], home, {
      DD_LOGSTORE_SECRET_OH_HEADERS: 'bad header=x',
    });
    expect(bad.code).toBe(125);
    expect(bad.stderr.toString()).toMatch(/invalid header name 'bad header'/);
  });

  it('when whoever reads our stdout goes away, the child gets SIGPIPE as in a plain pipeline (exit 141)', () => {
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${BIN}" run --quiet -- yes | head -1; echo "status=\${PIPESTATUS[0]}"`],
      {
        env: cliEnv(home),
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(r.stdout).toBe('y\nstatus=141\n');
    // Where FIFOs cannot be made (no usable temp dir), socketpairs: the child still gets its SIGPIPE.
    const fallback = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${BIN}" run --quiet -- yes | head -1; echo "status=\${PIPESTATUS[0]}"`],
      { env: cliEnv(home, { TMPDIR: '/nonexistent-tmp-dir' }), encoding: 'utf8', timeout: 30_000 },
    );
    expect(fallback.stdout).toBe('y\nstatus=141\n');
  });

  it('a child that ignores SIGPIPE (Python) gets EPIPE on its next write, as in a plain pipeline, and stops', () => {
    const loop = 'import itertools\nfor i in itertools.count(): print(i)';
    const pipeline = (cmd: string) =>
      spawnSync('bash', ['-c', `${cmd} | head -1; echo "status=\${PIPESTATUS[0]}"`], {
        env: cliEnv(home),
        encoding: 'utf8',
        timeout: 60_000,
      });
    const plain = pipeline(`python3 -c '${loop}'`);
    const ours = pipeline(`"${process.execPath}" "${BIN}" run --quiet -- python3 -c '${loop}'`);
    // Python's own answer to a closed stdout: BrokenPipeError, exit 1 (and a traceback on stderr).
    expect(plain.stdout).toBe('0\nstatus=1\n');
    expect(ours.stdout).toBe(plain.stdout);
    expect(ours.stderr).toMatch(/BrokenPipeError/);
  });

  it('writes the local flavor as segments and logs reads it back', async () => {
    const r = await runRaw(
      ['run', '--run-id', 'run-local', '--step', 's1', '--', 'python3', FIXTURE, '0', '300'],
      home,
    );
    expect(r.code).toBe(0);
    const logs = await runCli(['logs', '--run-id', 'run-local', '--output', 'jsonl'], { home });
    expect(logs.code).toBe(0);
    const lines = logs.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message: string; attributes: Record<string, unknown> });
    expect(lines.filter((x) => /^(step \d|line \d|plain)/.test(x.message))).toHaveLength(300);
    expect(lines[0]?.attributes['zenml.log.uri']).toMatch(/^file:\/\//);
    // The URI names the stream's first segment file, which holds every message, in order.
    const file = new URL(String(lines[0]?.attributes['zenml.log.uri']));
    expect(String(file)).toMatch(/\.seg$/);
    const bytes = readFileSync(file);
    let end = 0;
    for (const x of lines) {
      const message = Buffer.from(x.message);
      const at = indexOfWhole(bytes, message, end);
      expect(at).toBeGreaterThanOrEqual(0);
      end = at + message.length;
    }
  }, 60_000);

  it('exits 127 for a missing command and 125 for a missing secret, before the child starts', async () => {
    const missing = await cli('run', '--', 'no-such-command-xyz');
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/no-such-command-xyz/);
    const noSecret = await runCli(['run', '--log-store', 'dd', '--', 'python3', '-c', 'print("should not run")'], {
      home,
      env: { DD_LOGSTORE_SECRETS_BACKEND: 'file' },
    });
    expect(noSecret.code).toBe(125);
    expect(noSecret.stdout).toBe('');
    expect(noSecret.stderr.trim().split('\n')).toHaveLength(1);
    expect(noSecret.stderr).toMatch(/dd\.api_key|secret 'dd'/);
  });

  it('a rejected API key: the child runs to the end, its exit code comes back, one error line, everything spooled', async () => {
    const r = await runRaw(
      ['run', '--log-store', 'dd', '--run-id', 'run-badkey', '--', 'python3', FIXTURE, '4', '200'],
      home,
      keys('wrong-key'),
    );
    expect(r.code).toBe(4);
    const ours = r.stderr
      .toString()
      .split('\n')
      .filter((l) => l.startsWith('error:') || l.startsWith('dd-logstore:'));
    expect(ours.filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(ours.join('\n')).toMatch(/rejected the API key \(HTTP 403\)/);
    expect(ours.join('\n')).not.toContain('wrong-key');
    expect(ours.join('\n')).toMatch(/\d+ spooled/);
    const described = JSON.parse((await cli('runs', 'describe', 'run-badkey', '--output', 'json')).stdout) as {
      counts: { failed: number; spooled: number; read: number };
    };
    expect(described.counts.spooled).toBe(described.counts.read);
    expect(described.counts.failed).toBe(0);
  }, 60_000);

  it('SIGTERM to run reaches the child; run exits 143 and what the child printed before is delivered', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        '--log-store',
        'dd',
        '--run-id',
        'run-term',
        '--',
        'python3',
        '-c',
        'import time,sys\nfor i in range(50): print("before %d" % i)\nsys.stdout.flush()\nprint("READY", file=sys.stderr, flush=True)\ntime.sleep(60)',
      ],
      { env: cliEnv(home, keys()), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (c: Buffer) => c.toString().includes('READY') && resolve()),
    );
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(143);
    const msgs = emulator()
      .records()
      .map((x) => x.message);
    for (let i = 0; i < 50; i++) expect(msgs).toContain(`before ${i}`);
  }, 60_000);
});
