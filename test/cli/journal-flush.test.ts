/**
 * `flush` of journals (issue 18): any size in bounded memory, never exit 0 while records stay undelivered, a stop
 * after repeated timeouts, counts per acknowledged batch (a `flush` killed with SIGKILL has counted what it
 * delivered), and a live run's journal left alone by a flush that cannot see its pid (another pid namespace).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN,
  ROOT,
  cliEnv,
  EMULATOR_KEYS,
  registerEmulatorLogStore,
  runCli,
  tempHome,
  useEmulatorLogStore,
} from './harness.js';

const KEYS = EMULATOR_KEYS;
const RSS_PRELOAD = join(ROOT, 'test', 'fixtures', 'report-rss.mjs');

const printer = (n: number, prefix: string) => [
  process.execPath,
  '-e',
  `let s='';for(let i=0;i<${n};i++){s+='${prefix} '+i+' '+'p'.repeat(40)+'\\n';if(s.length>65536){process.stdout.write(s);s=''}}process.stdout.write(s)`,
];

function journals(home: string): string[] {
  const root = join(home, 'spool');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((store) =>
    readdirSync(join(root, store))
      .filter((n) => n.endsWith('.journal'))
      .map((n) => join(root, store, n)),
  );
}

function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('flush of journals', () => {
  const { home, cleanup } = tempHome();
  // A small queue: with the intake down, records go to the journal's spool within a second, not after retries.
  const emulator = useEmulatorLogStore(home, {
    extra: ['--max_queue_size=1000', '--export_timeout_millis=3000', '--max_export_batch_size=1000'],
  });
  afterAll(cleanup);

  const unique = (runId: string): Set<string> =>
    new Set(
      emulator()
        .records()
        .filter((r) => r.attributes['zenml.run.id'] === runId)
        .map((r) => `${String(r.attributes['dd_logstore.writer'])}/${String(r.attributes['dd_logstore.seq'])}`),
    );

  /** `run` of `n` lines of the printer with `--flush-timeout` (the intake refusing, records go to the journal). */
  const spoolingRun = (logStore: string, runId: string, n: number, flushTimeout: string, timeoutMs: number) =>
    runCli(
      ['run', '--log-store', logStore, '--run-id', runId, '--flush-timeout', flushTimeout, '--', ...printer(n, runId)],
      { home, env: KEYS, timeoutMs },
    );

  it('a black-holed intake: flush stops after repeated timeouts, says so, exits 1, leaves the rest spooled', async () => {
    emulator().inject('intake', { type: 'status', status: 503, count: 1_000_000 });
    const r = await spoolingRun('dd', 'big', 200_000, '2s', 120_000);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/200000 records read, \d+ delivered, \d+ spooled, 0 dropped/);
    expect(journals(home)).toHaveLength(1);
    emulator().reset();
    emulator().inject('intake', { type: 'hang', count: 1_000_000 });
    const f = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS, timeoutMs: 120_000 });
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(
      /error: flush of log store 'dd' stopped: 3 batches in a row got no answer in time .*records are left in the spool/,
    );
    expect(journals(home)).toHaveLength(1);
  }, 180_000);

  it('flush of a big journal streams it in bounded memory, and counts per batch: a flush killed midway kept its count', async () => {
    emulator().reset();
    // Slow answers: the flush is still going when it is killed.
    emulator().inject('intake', { type: 'delay', ms: 300, count: 1_000_000 });
    const killed = await new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, [BIN, 'flush', '--log-store', 'dd'], {
        env: cliEnv(home, KEYS),
        stdio: 'ignore',
      });
      c.on('error', reject);
      // Killed once a few batches are stored (their answers came, 300 ms each), not after a fixed delay that a
      // loaded machine can spend starting up.
      const started = Date.now();
      const watch = setInterval(() => {
        if (unique('big').size >= 3000 || Date.now() - started > 60_000) {
          clearInterval(watch);
          c.kill('SIGKILL');
        }
      }, 20);
      c.on('close', () => {
        clearInterval(watch);
        resolve();
      });
    });
    void killed;
    const deliveredSoFar = unique('big').size;
    const run = JSON.parse((await runCli(['runs', 'describe', 'big', '--output', 'json'], { home })).stdout) as {
      counts: { delivered: number };
    };
    // Counted per acknowledged batch: at most the batch in flight at the kill is not counted yet.
    expect(run.counts.delivered).toBeGreaterThan(0);
    expect(run.counts.delivered).toBeLessThanOrEqual(deliveredSoFar);
    expect(deliveredSoFar - run.counts.delivered).toBeLessThanOrEqual(3000);

    emulator().reset();
    const rssFile = join(home, 'flush.rss');
    const f = await runCli(['flush', '--log-store', 'dd'], {
      home,
      env: { ...KEYS, NODE_OPTIONS: `--import=${RSS_PRELOAD}`, DD_TEST_RSS_FILE: rssFile },
      timeoutMs: 120_000,
    });
    expect(f.stderr).toBe('');
    expect(f.code).toBe(0);
    const rss = Number(execFileSync('cat', [rssFile]).toString());
    expect(rss).toBeLessThan(200 * 1024 * 1024);
    // Every record delivered; what the killed flush had sent is not sent again (its acks were kept).
    const all = new Set([...unique('big')]);
    expect(all.size + deliveredSoFar).toBeGreaterThanOrEqual(200_000);
    expect(journals(home)).toEqual([]);
    const done = JSON.parse((await runCli(['runs', 'describe', 'big', '--output', 'json'], { home })).stdout) as {
      counts: { read: number; delivered: number; spooled: number };
    };
    expect(done.counts).toMatchObject({ read: 200_000, delivered: 200_000, spooled: 0 });
  }, 180_000);

  (canUnshare() ? it : it.skip)(
    "a flush in another pid namespace leaves a live run's journal alone (the heartbeat, not the pid, decides)",
    async () => {
      emulator().reset();
      // Its own log store, with the default time budget: the last flush must not time out on a busy machine.
      expect((await registerEmulatorLogStore(home, emulator().url, { name: 'dd2' })).code).toBe(0);
      emulator().inject('intake', { type: 'status', status: 503, count: 1_000_000 });
      const child = [
        process.execPath,
        '-e',
        `let i=0;const t=setInterval(()=>{console.log('live '+(i++));if(i>=400)clearInterval(t)},10)`,
      ];
      const before = journals(home).length;
      const running = runCli(
        ['run', '--log-store', 'dd2', '--run-id', 'live', '--flush-timeout', '1s', '--', ...child],
        {
          home,
          env: KEYS,
          timeoutMs: 60_000,
        },
      );
      // The run's journal, as soon as it is there (a busy machine delays the run's start; the child runs ~4 s).
      for (let waited = 0; journals(home).length === before && waited < 3000; waited += 50)
        await new Promise((r) => setTimeout(r, 50));
      expect(journals(home).length).toBe(before + 1);
      const other = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(
          'unshare',
          ['--pid', '--fork', '--mount-proc', process.execPath, BIN, 'flush', '--log-store', 'dd2', '--output', 'json'],
          {
            env: cliEnv(home, KEYS),
          },
        );
        let out = '';
        c.stdout.on('data', (b: Buffer) => (out += b.toString()));
        c.on('close', (code) => resolve({ code, out }));
      });
      const rows = JSON.parse(other.out || '[]') as { files: number; read: number }[];
      expect(rows.reduce((n, r) => n + r.files, 0)).toBe(0);
      const r = await running;
      expect(r.code).toBe(0);
      emulator().reset();
      const f = await runCli(['flush', '--log-store', 'dd2'], { home, env: KEYS });
      expect({ code: f.code, stderr: f.stderr }).toEqual({ code: 0, stderr: '' });
      expect(unique('live').size).toBe(400);
    },
    90_000,
  );
  it('a flush while another one resends the spool says so and exits 1: not "0 still spooled", as if it were empty', async () => {
    emulator().reset();
    expect((await registerEmulatorLogStore(home, emulator().url, { name: 'dd3' })).code).toBe(0);
    emulator().inject('intake', { type: 'status', status: 503, count: 1_000_000 });
    const r = await spoolingRun('dd3', 'busy', 3000, '1s', 60_000);
    expect(r.stderr).toMatch(/3000 records read, 0 delivered, 3000 spooled/);
    emulator().reset();
    // A slow first answer: the first flush holds the journal for 8 s, time enough for the second on a loaded machine.
    emulator().inject('intake', { type: 'delay', ms: 8000, count: 1 });
    const first = runCli(['flush', '--log-store', 'dd3'], { home, env: KEYS, timeoutMs: 60_000 });
    const claimed = () => journals(home).some((j) => existsSync(join(j, 'claim')));
    for (let waited = 0; !claimed() && waited < 10_000; waited += 20) await new Promise((res) => setTimeout(res, 20));
    expect(claimed()).toBe(true);
    const second = await runCli(['flush', '--log-store', 'dd3'], { home, env: KEYS });
    expect(second.code).toBe(1);
    expect(second.stdout).toBe(
      'dd3: 0 records read from 0 spool files, 0 delivered, 0 still spooled; 1 spool file being resent by another dd-logstore process\n',
    );
    expect(second.stderr).toBe(
      "error: 1 spool file of log store 'dd3' is being resent by another dd-logstore process, not counted here (run dd-logstore flush again once it ends)\n",
    );
    const done = await first;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/dd3: 3000 records read from 1 spool file, 3000 delivered, 0 still spooled\n/);
  }, 90_000);
});
