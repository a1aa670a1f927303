/**
 * The local store end to end: segments written by `run`, read back by `logs` as a stream (bounded memory), filters,
 * runs of the older JSONL layout, and run ids that the older layout mapped to one directory.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, cliEnv, runCli, tempHome } from './harness.js';

const RSS_PRELOAD = join(ROOT, 'test', 'fixtures', 'report-rss.mjs');

/** Runs the CLI with stdout into a file (not into this process's memory); answers its exit code and peak RSS. */
function runToFile(
  home: string,
  args: string[],
  outFile: string,
): Promise<{ code: number | null; rss: number; stderr: string }> {
  const rssFile = `${outFile}.rss`;
  return new Promise((resolve, reject) => {
    const fd = openSync(outFile, 'w');
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cliEnv(home, { NODE_OPTIONS: `--import=${RSS_PRELOAD}`, DD_TEST_RSS_FILE: rssFile }),
      stdio: ['ignore', fd, 'pipe'],
    });
    closeSync(fd);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, rss: Number(readFileSync(rssFile, 'utf8')), stderr }));
  });
}

const LINES = 1_000_000;

/**
 * The spec's bound is 200 MB for any run size, on every supported Node. Node 24's V8 sizes its young generation from
 * the machine's memory (up to 3 x 64 MB here) and grows it with what survives: the reader decodes 64 KB at a time so
 * little survives (1M records: ~100 MB on Node 24, where 1 MB at a time peaked at 285-300 MB; ~85 MB on Node 20).
 */
const PEAK_RSS_BOUND = 200 * 1024 * 1024;

describe('local store: a 1M-line run', () => {
  const { home, cleanup } = tempHome();
  const input = join(home, 'input.txt');
  let rawBytes = 0;
  beforeAll(() => {
    const fd = openSync(input, 'w');
    let chunk = '';
    for (let i = 0; i < LINES; i++) {
      chunk +=
        i % 1000 === 999
          ? `ERROR: step ${i} failed with code ${i % 7}\n`
          : `step ${i} processed a batch of items, loss=0.${(i * 7919) % 100000}\n`;
      if (chunk.length > 1 << 20) {
        rawBytes += writeSync(fd, chunk);
        chunk = '';
      }
    }
    rawBytes += writeSync(fd, chunk);
    closeSync(fd);
  });
  afterAll(cleanup);

  it('is stored compactly and read back whole, in order, in bounded memory; --level error reads only errors', async () => {
    const run = await runCli(['run', '--run-id', 'big:1', '--', 'cat', input], { home, timeoutMs: 180_000 });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`${LINES} records read, ${LINES} delivered`);
    // 0700 directories, 0600 files: captured output can hold anything a job prints.
    const runDir = join(home, 'logs', 'big%3A1');
    expect(statSync(join(home, 'logs')).mode & 0o777).toBe(0o700);
    expect(statSync(runDir).mode & 0o777).toBe(0o700);
    let stored = 0;
    for (const name of readdirSync(runDir)) {
      expect(name).toMatch(/\.seg$/);
      const st = statSync(join(runDir, name));
      expect(st.mode & 0o777).toBe(0o600);
      stored += st.size;
    }
    expect(stored / rawBytes).toBeLessThanOrEqual(1.5);

    const out = join(home, 'logs.txt');
    const read = await runToFile(home, ['logs', '--run-id', 'big:1'], out);
    expect(read.stderr).toBe('');
    expect(read.code).toBe(0);
    expect(read.rss).toBeLessThan(PEAK_RSS_BOUND);
    const text = readFileSync(out, 'utf8');
    const lines = text.split('\n');
    lines.pop();
    expect(lines).toHaveLength(LINES);
    expect(lines[0]).toMatch(/ INFO +step 0 processed a batch/);
    expect(lines[LINES - 1]).toMatch(/ ERROR +ERROR: step 999999 failed/);
    // In order: the step numbers count up.
    let prev = -1;
    for (const line of lines) {
      const n = Number(/step (\d+)/.exec(line)?.[1]);
      if (n !== prev + 1) throw new Error(`out of order after step ${prev}: ${line}`);
      prev = n;
    }

    const errOut = join(home, 'errors.txt');
    const errors = await runToFile(home, ['logs', '--run-id', 'big:1', '--level', 'error'], errOut);
    expect(errors.code).toBe(0);
    const errLines = readFileSync(errOut, 'utf8').trimEnd().split('\n');
    expect(errLines).toHaveLength(LINES / 1000);
    expect(errLines.every((l) => / ERROR +ERROR: step \d*999 failed/.test(l))).toBe(true);
  }, 300_000);

  it('--tail 5 keeps only the last 5 while reading, and --output table streams its rows: both in bounded memory', async () => {
    // Gathered, these took 489 MB (--tail) and failed (table: widths over every row overflowed the stack).
    const tailOut = join(home, 'tail.txt');
    const tail = await runToFile(home, ['logs', '--run-id', 'big:1', '--tail', '5'], tailOut);
    expect(tail.code).toBe(0);
    expect(tail.stderr).toBe(`showing the last 5 of ${LINES} records (drop --tail to see all)\n`);
    expect(tail.rss).toBeLessThan(PEAK_RSS_BOUND);
    const last = readFileSync(tailOut, 'utf8').trimEnd().split('\n');
    expect(last.map((l) => Number(/step (\d+)/.exec(l)?.[1]))).toEqual([999995, 999996, 999997, 999998, 999999]);

    const tableOut = join(home, 'table.txt');
    const table = await runToFile(home, ['logs', '--run-id', 'big:1', '--output', 'table'], tableOut);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.rss).toBeLessThan(PEAK_RSS_BOUND);
    const rows = readFileSync(tableOut, 'utf8').trimEnd().split('\n');
    expect(rows).toHaveLength(LINES + 1);
    expect(rows[0]).toMatch(/^TIME +LEVEL +STEP +MESSAGE$/);
    // One set of columns from the header to the last row: the message starts where the header says.
    const at = rows[0]!.indexOf('MESSAGE');
    for (const i of [1, 999, 1001, LINES - 1]) expect(rows[i]!.indexOf('step ')).toBe(at);
    expect(rows[LINES]!.indexOf('ERROR: step 999999 failed')).toBe(at);
  }, 300_000);
});

describe('local store: runs of the older layout and look-alike run ids', () => {
  const { home, cleanup } = tempHome();
  afterAll(cleanup);

  it('a run stored as JSONL (the older layout) still reads back, with new runs beside it', async () => {
    const item = (seq: number, message: string, status = 'info') =>
      JSON.stringify({
        id: `old-${seq}`,
        message,
        status,
        timestamp: 1_700_000_000_000 + seq,
        'dd_logstore.seq': seq,
        'dd_logstore.stream': 'stdout',
        service: 'zenml',
        hostname: 'h',
        ddsource: 'dd-logstore',
        ddtags: '',
        version: '0.1.0',
        'zenml.log.id': 'old-log',
        'zenml.run.id': 'old-run',
        'zenml.step.name': 'train',
      });
    // A run record as the older version left it (the default log store made by a first run), and its JSONL file.
    expect((await runCli(['run', '--run-id', 'seed', '--', 'true'], { home })).code).toBe(0);
    const seed = JSON.parse(readFileSync(join(home, 'runs', 'seed.json'), 'utf8')) as Record<string, unknown>;
    const counts = { read: 3, delivered: 3, spooled: 0, dropped: 0, failed: 0 };
    const oldStep = {
      name: 'train',
      logId: 'old-log',
      argv: ['train'],
      cwd: '/',
      startedAt: new Date(1_700_000_000_000).toISOString(),
      endedAt: new Date(1_700_000_000_010).toISOString(),
      exitCode: 0,
      counts,
    };
    writeFileSync(join(home, 'runs', 'old-run.json'), JSON.stringify({ ...seed, runId: 'old-run', steps: [oldStep] }), {
      mode: 0o600,
    });
    mkdirSync(join(home, 'logs', 'old-run'), { recursive: true });
    writeFileSync(
      join(home, 'logs', 'old-run', 'old-log.jsonl'),
      [item(0, 'old line one'), item(1, 'old failure', 'error'), item(2, 'old line three')].join('\n') + '\n',
    );
    const r = await runCli(['logs', '--run-id', 'old-run'], { home });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/INFO +train old line one\n.*ERROR +train old failure\n.*INFO +train old line three\n$/);
    const errors = await runCli(['logs', '--run-id', 'old-run', '--level', 'error', '--output', 'jsonl'], { home });
    expect(
      errors.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { message: string }).message),
    ).toEqual(['old failure']);
    // A new step of the same run id, in segments, reads back merged with the old records by time.
    const step = await runCli(['run', '--run-id', 'old-run', '--step', 'eval', '--', 'echo', 'new line'], { home });
    expect(step.code).toBe(0);
    const both = await runCli(['logs', '--run-id', 'old-run'], { home });
    expect(both.stdout).toContain('old line one');
    expect(both.stdout).toMatch(/eval new line\n$/);
  });

  it('run ids x:y and x_y are two runs: each reads back only its own lines', async () => {
    expect((await runCli(['run', '--run-id', 'x:y', '--', 'echo', 'colon run'], { home })).code).toBe(0);
    expect((await runCli(['run', '--run-id', 'x_y', '--', 'echo', 'underscore run'], { home })).code).toBe(0);
    const colon = await runCli(['logs', '--run-id', 'x:y'], { home });
    const underscore = await runCli(['logs', '--run-id', 'x_y'], { home });
    expect(colon.stdout).toContain('colon run');
    expect(colon.stdout).not.toContain('underscore run');
    expect(underscore.stdout).toContain('underscore run');
    expect(underscore.stdout).not.toContain('colon run');
  });

  it('three parallel runs of one step under one run id: every record reads back (the writer is in the key)', async () => {
    const child = (tag: string) => ['node', '-e', `for (let i = 0; i < 300; i++) console.log('${tag} ' + i)`];
    const runs = await Promise.all(
      ['a', 'b', 'c'].map((t) => runCli(['run', '--run-id', 'par', '--step', 'same', '--', ...child(t)], { home })),
    );
    for (const r of runs) expect(r.code).toBe(0);
    const r = await runCli(['logs', '--run-id', 'par', '--output', 'jsonl'], { home });
    const messages = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { message: string }).message);
    expect(messages).toHaveLength(900);
    expect(new Set(messages).size).toBe(900);
  });
});
