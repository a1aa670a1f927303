/**
 * The delivery fault suite (issue 7): the built CLI against the Datadog emulator with injected faults. Every case
 * accounts for every record read (delivered in the emulator, or in the spool) and returns the child's exit code.
 * Each case has its own log store, so its own spool directory.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createEmulator } from '../emulator/emulator.js';
import type { Emulator } from '../emulator/emulator.js';
import { readJournal } from '../../src/pipeline/journal.js';
import { readSegmentFile } from '../../src/pipeline/segment-reader.js';
import { plainLineParser } from '../../src/runner/plain-line.js';
import { BIN, cliEnv, EMULATOR_KEYS, registerEmulatorLogStore, runCli, tempHome } from './harness.js';
import { decodeBodySync } from '../helpers/content-encoding.js';

const KEYS = EMULATOR_KEYS;
const BAD_KEYS = { ...KEYS, DD_LOGSTORE_SECRET_DD_API_KEY: 'wrong-key' };

interface Row {
  fault: string;
  read: number;
  delivered: number;
  spooled: number;
  lost: number;
  exit: number | null;
  wallMs: number;
}
const table: Row[] = [];

/** A node child that prints `n` numbered lines, then exits with `code`. */
function printer(n: number, code = 0, prefix = 'line'): string[] {
  return [
    process.execPath,
    '-e',
    `let s='';for(let i=0;i<${n};i++)s+='${prefix} '+i+'\\n';process.stdout.write(s,()=>process.exit(${code}))`,
  ];
}

interface RunResult {
  code: number | null;
  stderr: string;
  wallMs: number;
  peakRssKb?: number;
}

function run(
  home: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { signals?: { after: string; send: NodeJS.Signals[]; gapMs?: number }; sampleRss?: boolean } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cliEnv(home, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let peak = 0;
    const sampler = opts.sampleRss
      ? setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) peak = Math.max(peak, Number(m[1]));
          } catch {
            // gone
          }
        }, 50)
      : undefined;
    let signalled = false;
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const s = opts.signals;
      if (s && !signalled && stderr.includes(s.after)) {
        signalled = true;
        s.send.forEach((sig, i) => setTimeout(() => child.kill(sig), i * (s.gapMs ?? 500)));
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (sampler) clearInterval(sampler);
      resolve({ code, stderr, wallMs: Date.now() - started, ...(opts.sampleRss ? { peakRssKb: peak } : {}) });
    });
  });
}

/** Spool lines of a run, whatever log store. */
/** What the spool holds for a run: the older JSONL spool files, and the records its journals have not delivered. */
async function spooled(
  home: string,
  runId: string,
): Promise<{ seq: number; reason: string; item: Record<string, unknown> }[]> {
  const root = join(home, 'spool');
  const out: { seq: number; reason: string; item: Record<string, unknown> }[] = [];
  if (!existsSync(root)) return out;
  for (const store of readdirSync(root)) {
    for (const name of readdirSync(join(root, store))) {
      if (name.endsWith('.journal')) {
        const j = await readJournal(join(root, store, name));
        for (const file of j.segments)
          await readSegmentFile(
            file,
            (records, header) => {
              if (header.context.runId !== runId) return;
              for (const r of records)
                if (!j.acked.has(r.seq)) out.push({ seq: r.seq, reason: j.reason ?? '', item: { message: r.message } });
              // The journal's reader: its parsed lines frames need the record builder's line parser.
            },
            undefined,
            plainLineParser,
          );
        continue;
      }
      if (!/\.(jsonl|open)$/.test(name)) continue;
      for (const line of readFileSync(join(root, store, name), 'utf8').split('\n')) {
        if (!line) continue;
        const l = JSON.parse(line) as { run_id: string; reason: string; item: Record<string, unknown> };
        if (l.run_id === runId) out.push({ seq: l.item['dd_logstore.seq'] as number, reason: l.reason, item: l.item });
      }
    }
  }
  return out;
}

async function describeCounts(home: string, runId: string) {
  const r = await runCli(['runs', 'describe', runId, '--output', 'json'], { home });
  return (
    JSON.parse(r.stdout) as {
      counts: { read: number; delivered: number; spooled: number; dropped: number; failed: number };
    }
  ).counts;
}

describe("fault suite: nothing read is lost, the exit code is the child's", () => {
  let emulator: Emulator;
  let proxy: { url: string; server: Server; poison?: string; minIntervalMs: number; requests: number };
  const { home, cleanup } = tempHome('ddls-faults-');

  beforeAll(async () => {
    emulator = await createEmulator();
    proxy = await startProxy(emulator.url);
  });
  afterAll(async () => {
    await emulator.close();
    await new Promise<void>((r) => {
      proxy.server.closeAllConnections();
      proxy.server.close(() => r());
    });
    cleanup();
    const lines = [
      '| fault | read | delivered | spooled | lost | exit | wall |',
      '|---|---|---|---|---|---|---|',
      ...table.map(
        (r) =>
          `| ${r.fault} | ${r.read} | ${r.delivered} | ${r.spooled} | ${r.lost} | ${r.exit} | ${(r.wallMs / 1000).toFixed(1)} s |`,
      ),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
  });

  async function register(name: string, extra: string[] = [], url = emulator.url): Promise<void> {
    const r = await registerEmulatorLogStore(home, url, { name, extra, scheduleDelayMs: 100 });
    expect(r.code).toBe(0);
  }

  /** Every seq 0..read-1 is in the emulator or in the spool: the row for the table. */
  async function account(fault: string, runId: string, r: RunResult, extraDelivered = 0): Promise<Row> {
    const counts = await describeCounts(home, runId);
    const inEmulator = new Set(
      emulator
        .records()
        .filter((x) => x.attributes['zenml.run.id'] === runId)
        .map((x) => x.attributes['dd_logstore.seq'] as number),
    );
    const inSpool = new Set((await spooled(home, runId)).map((s) => s.seq));
    let lost = 0;
    for (let i = 0; i < counts.read; i++) if (!inEmulator.has(i) && !inSpool.has(i)) lost++;
    const row: Row = {
      fault,
      read: counts.read,
      delivered: counts.delivered + extraDelivered,
      spooled: counts.spooled,
      lost,
      exit: r.code,
      wallMs: r.wallMs,
    };
    table.push(row);
    expect(lost).toBe(0);
    expect(counts.failed).toBe(0);
    expect(counts.dropped).toBe(0);
    expect(counts.delivered + counts.spooled).toBe(counts.read);
    return row;
  }

  it('1. 500 for the first 5 requests: retried, all delivered', async () => {
    await register('f1', ['--export_timeout_millis=8000', '--max_export_batch_size=100']);
    emulator.inject('intake', { type: 'status', status: 500, count: 5 });
    const r = await run(home, ['run', '--log-store', 'f1', '--run-id', 'f1', '--', ...printer(1000, 3)], KEYS);
    expect(r.code).toBe(3);
    const row = await account('500 x5', 'f1', r);
    expect(row.delivered).toBe(1000);
    expect(emulator.requests().filter((q) => q.status === 500)).toHaveLength(5);
  }, 30_000);

  it('2. 429 with Retry-After: 2 is honoured, then delivered', async () => {
    emulator.reset();
    await register('f2', ['--export_timeout_millis=6000']);
    emulator.inject('intake', { type: 'status', status: 429, retryAfter: 2 });
    const r = await run(home, ['run', '--log-store', 'f2', '--run-id', 'f2', '--', ...printer(200)], KEYS);
    expect(r.code).toBe(0);
    const row = await account('429 Retry-After: 2', 'f2', r);
    expect(row.delivered).toBe(200);
    const [first, second] = emulator.requests().filter((q) => q.route === 'intake');
    expect(first?.status).toBe(429);
    expect(second?.status).toBe(202);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(1950);
  }, 30_000);

  it('3. a request that hangs past its attempt timeout: not sent again into a shorter attempt; spooled, 0 lost', async () => {
    emulator.reset();
    await register('f3', ['--export_timeout_millis=2000']);
    emulator.inject('intake', { type: 'hang' });
    const r = await run(home, ['run', '--log-store', 'f3', '--run-id', 'f3', '--', ...printer(300, 5)], KEYS);
    expect(r.code).toBe(5);
    expect((await account('hang', 'f3', r)).lost).toBe(0);
  }, 30_000);

  it('4. connection reset mid-request: retried, delivered', async () => {
    emulator.reset();
    await register('f4', ['--export_timeout_millis=4000']);
    emulator.inject('intake', { type: 'destroy', count: 2 });
    const r = await run(home, ['run', '--log-store', 'f4', '--run-id', 'f4', '--', ...printer(300)], KEYS);
    expect(r.code).toBe(0);
    expect((await account('connection reset x2', 'f4', r)).delivered).toBe(300);
  }, 30_000);

  it('5. 413 on a large batch: split in halves and delivered', async () => {
    emulator.reset();
    await register('f5', ['--export_timeout_millis=4000', '--max_export_batch_size=1000']);
    emulator.inject('intake', { type: 'status', status: 413 });
    const r = await run(home, ['run', '--log-store', 'f5', '--run-id', 'f5', '--', ...printer(1000)], KEYS);
    expect(r.code).toBe(0);
    expect((await account('413 on a batch of 1000', 'f5', r)).delivered).toBe(1000);
    const items = emulator
      .requests()
      .filter((q) => q.status === 202)
      .map((q) => q.items);
    expect(Math.max(...items.map((n) => n ?? 0))).toBeLessThanOrEqual(500);
  }, 30_000);

  it('6. 400 caused by one bad record: the others delivered, that one spooled with the reason', async () => {
    emulator.reset();
    proxy.poison = 'POISON';
    await register('f6', ['--export_timeout_millis=4000', '--max_export_batch_size=1000'], proxy.url);
    const child = [
      process.execPath,
      '-e',
      `let s='';for(let i=0;i<500;i++)s+=(i===137?'POISON ':'line ')+i+'\\n';process.stdout.write(s)`,
    ];
    const r = await run(home, ['run', '--log-store', 'f6', '--run-id', 'f6', '--', ...child], KEYS);
    proxy.poison = undefined;
    expect(r.code).toBe(0);
    const row = await account('400 on one bad record', 'f6', r);
    expect(row).toMatchObject({ read: 500, delivered: 499, spooled: 1 });
    const bad = await spooled(home, 'f6');
    expect(bad.map((b) => b.item.message)).toEqual(['POISON 137']);
    expect(bad[0]?.reason).toMatch(/rejected by the intake: HTTP 400: .*poisoned item/);
    expect(r.stderr).toMatch(/1 spooled/);
  }, 30_000);

  it('7. 401/403: one error line, everything spooled; flush with the right key delivers it all', async () => {
    emulator.reset();
    await register('f7', ['--export_timeout_millis=4000', '--max_export_batch_size=100']);
    const r = await run(home, ['run', '--log-store', 'f7', '--run-id', 'f7', '--', ...printer(1000, 2)], BAD_KEYS);
    expect(r.code).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    // The store's intake_url (the emulator) is where the key was refused, not the site's own intake.
    expect(errors[0]).toMatch(
      /the intake at http:\/\/127\.0\.0\.1:\d+ \(intake_url\) rejected the API key \(HTTP 403\).*1000 records spooled/,
    );
    expect(errors[0]).not.toMatch(/datadoghq\.com/);
    expect(r.stderr).not.toContain('wrong-key');
    // One request (perhaps one per connection in flight), not one per batch.
    expect(emulator.requests().filter((q) => q.route === 'intake').length).toBeLessThanOrEqual(3);
    const row = await account('401/403 (bad key)', 'f7', r);
    expect(row.spooled).toBe(1000);

    // A second run's journal beside the first: a flush still refused stops at its first answer, and says all the spool
    // holds (it said the first journal's records, as if they were all).
    const r2 = await run(home, ['run', '--log-store', 'f7', '--run-id', 'f7b', '--', ...printer(300)], BAD_KEYS);
    expect(r2.stderr).toMatch(/300 records spooled/);
    const before = emulator.requests().filter((q) => q.route === 'intake').length;
    const refused = await runCli(['flush', '--log-store', 'f7'], { home, env: BAD_KEYS });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/f7: 1300 records read from 2 spool files, 0 delivered, 1300 still spooled/);
    expect(refused.stderr).toMatch(/HTTP 403.*nothing more was sent/);
    expect(emulator.requests().filter((q) => q.route === 'intake').length - before).toBeLessThanOrEqual(3);
    expect(await describeCounts(home, 'f7b')).toMatchObject({ read: 300, delivered: 0, spooled: 300 });
    await runCli(['runs', 'delete', 'f7b', '--force', '--yes'], { home, env: KEYS });

    const f = await runCli(['flush', '--log-store', 'f7'], { home, env: KEYS });
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(/f7: 1000 records read from \d+ spool files?, 1000 delivered, 0 still spooled/);
    expect(await spooled(home, 'f7')).toHaveLength(0);
    expect(emulator.records().filter((x) => x.attributes['zenml.run.id'] === 'f7')).toHaveLength(1000);
    expect(await describeCounts(home, 'f7')).toMatchObject({ read: 1000, delivered: 1000, spooled: 0 });
    // The 403 that spooled them is history now, and `runs describe` says so rather than showing it as the state.
    const described = await runCli(['runs', 'describe', 'f7', '--output', 'text'], { home, env: KEYS });
    expect(described.stdout).toMatch(/resolved: delivered later by flush \(was: .*HTTP 403/);
    row.fault += '; then `flush` delivered 1000';
  }, 30_000);

  it('8. intake down for the whole run: all spooled, then flush delivers all exactly once', async () => {
    emulator.reset();
    await register('f8', ['--export_timeout_millis=800', '--max_export_batch_size=200']);
    emulator.inject('intake', { type: 'status', status: 503, count: 100_000 });
    const r = await run(home, ['run', '--log-store', 'f8', '--run-id', 'f8', '--', ...printer(1000, 1)], KEYS);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /1000 records read, 0 delivered, 1000 spooled, 0 dropped.*retries exhausted.*dd-logstore flush --log-store f8/,
    );
    const row = await account('intake down (503 throughout)', 'f8', r);
    emulator.reset();
    // The 800 ms that kept the run short is too tight for a flush on a loaded machine (a 400 ms attempt timed out
    // and kept a batch in the spool): flush with the default timeout, as a user would.
    expect((await runCli(['log-store', 'update', 'f8', '--export_timeout_millis=15000'], { home })).code).toBe(0);
    const f = await runCli(['flush', '--log-store', 'f8'], { home, env: KEYS });
    expect(f.code).toBe(0);
    const stored = emulator.records().map((x) => x.attributes['dd_logstore.seq'] as number);
    expect(stored).toHaveLength(1000);
    expect(new Set(stored).size).toBe(1000);
    expect(await spooled(home, 'f8')).toHaveLength(0);
    row.fault += '; then `flush` delivered 1000';
  }, 30_000);

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '9. %s mid-run: the child gets it, the flush ends within the deadline, exit %i',
    async (sig, exit) => {
      emulator.reset();
      await register(`f9${sig}`, ['--export_timeout_millis=2000']);
      const child = [
        process.execPath,
        '-e',
        `for(let i=0;i<300;i++)console.log('before '+i);console.error('READY');setInterval(()=>{},1000)`,
      ];
      const r = await run(
        home,
        ['run', '--log-store', `f9${sig}`, '--run-id', `f9${sig}`, '--flush-timeout', '5s', '--', ...child],
        KEYS,
        { signals: { after: 'READY', send: [sig] } },
      );
      expect(r.code).toBe(exit);
      const row = await account(`${sig} mid-run`, `f9${sig}`, r);
      expect(row.read).toBe(301);
      expect(row.delivered).toBe(301);
    },
    30_000,
  );

  it('9b. a second SIGINT while the flush waits on a hung intake: spooled at once, exit 130', async () => {
    emulator.reset();
    await register('f9b', ['--export_timeout_millis=20000']);
    emulator.inject('intake', { type: 'hang', count: 100 });
    const child = [
      process.execPath,
      '-e',
      `for(let i=0;i<300;i++)console.log('x '+i);console.error('READY');setInterval(()=>{},1000)`,
    ];
    const r = await run(
      home,
      ['run', '--log-store', 'f9b', '--run-id', 'f9b', '--flush-timeout', '60s', '--', ...child],
      KEYS,
      { signals: { after: 'READY', send: ['SIGINT', 'SIGINT'], gapMs: 1500 } },
    );
    expect(r.code).toBe(130);
    // The flush would wait 60 s; the second SIGINT ends the wait (a loose bound: machines here are noisy).
    expect(r.wallMs).toBeLessThan(30_000);
    const row = await account('second SIGINT during a hung flush', 'f9b', r);
    expect(row.spooled).toBe(301);
    expect(r.stderr).toMatch(/interrupted \(301 records\)/);
  }, 30_000);

  it('10. child killed by SIGKILL: exit 137, its lines delivered', async () => {
    emulator.reset();
    await register('f10');
    const child = [
      'python3',
      '-c',
      'import os,sys\nfor i in range(500): print("k %d" % i)\nsys.stdout.flush()\nos.kill(os.getpid(), 9)',
    ];
    const r = await run(home, ['run', '--log-store', 'f10', '--run-id', 'f10', '--', ...child], KEYS);
    expect(r.code).toBe(137);
    expect((await account('child SIGKILL', 'f10', r)).delivered).toBe(500);
  }, 30_000);

  it('11. a corrupt spool file is moved aside with a warning; its readable lines are resent; the run goes on', async () => {
    emulator.reset();
    await register('f11');
    const id = logStoreId(home, 'f11');
    const dir = join(home, 'spool', id);
    mkdirSync(dir, { recursive: true });
    const good = (seq: number) =>
      JSON.stringify({
        v: 1,
        run_id: 'old-run',
        reason: 'retries exhausted',
        spooled_at: Date.now(),
        item: { message: `old ${seq}`, status: 'info', timestamp: Date.now() - 20 * 3_600_000, 'dd_logstore.seq': seq },
      });
    writeFileSync(
      join(dir, '1700000000000-1-abc.jsonl'),
      `${good(0)}\n{"v":1,"run_id":tr\u0000\u0001garbage\n${good(1)}\n`,
    );
    writeFileSync(join(dir, '1700000000001-1-abd.jsonl'), Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37]));
    const r = await run(home, ['run', '--log-store', 'f11', '--run-id', 'f11', '--', ...printer(100, 4)], KEYS);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /warning: spool file 1700000000000-1-abc\.jsonl has 1 unreadable line: moved to .*corrupt/,
    );
    expect(r.stderr).toMatch(/warning: spool file 1700000000001-1-abd\.jsonl has 1 unreadable line/);
    expect(readdirSync(join(dir, 'corrupt')).sort()).toEqual([
      '1700000000000-1-abc.jsonl',
      '1700000000001-1-abd.jsonl',
    ]);
    const old = emulator
      .records()
      .filter((x) => x.attributes['zenml.run.id'] === undefined && x.message.startsWith('old '));
    // Older than 18 h: sent with the current time, the original kept.
    expect(old.map((x) => x.message).sort()).toEqual(['old 0', 'old 1']);
    expect(typeof old[0]?.attributes['dd_logstore.original_timestamp']).toBe('number');
    expect(r.stderr).toMatch(
      /resent 2 spooled records from earlier runs \(2 older than 18 h sent with the current time/,
    );
    await account('corrupt spool file', 'f11', r);
  }, 30_000);

  it('12. 100,000 lines, max_queue_size=1000, intake at 5 requests/s: memory bounded, overflow spooled, 0 lost', async () => {
    emulator.reset();
    proxy.minIntervalMs = 200;
    await register(
      'f12',
      ['--export_timeout_millis=5000', '--max_queue_size=1000', '--max_export_batch_size=500'],
      proxy.url,
    );
    const r = await run(
      home,
      [
        'run',
        '--log-store',
        'f12',
        '--run-id',
        'f12',
        '--flush-timeout',
        '5s',
        '--',
        ...printer(100_000, 0, 'a fairly ordinary log line number'),
      ],
      KEYS,
      { sampleRss: true },
    );
    proxy.minIntervalMs = 0;
    expect(r.code).toBe(0);
    const row = await account('100k lines, queue 1000, 5 req/s', 'f12', r);
    expect(row.read).toBe(100_000);
    expect(row.spooled).toBeGreaterThan(90_000);
    expect(r.stderr).toMatch(/queue full/);
    expect(r.peakRssKb ?? 0).toBeLessThan(250_000);
    const f = await runCli(['flush', '--log-store', 'f12'], { home, env: KEYS, timeoutMs: 60_000 });
    expect(f.code).toBe(0);
    expect(await spooled(home, 'f12')).toHaveLength(0);
    const seqs = new Set(
      emulator
        .records()
        .filter((x) => x.attributes['zenml.run.id'] === 'f12')
        .map((x) => x.attributes['dd_logstore.seq'] as number),
    );
    expect(seqs.size).toBe(100_000);
    row.fault += `; peak RSS ${Math.round((r.peakRssKb ?? 0) / 1024)} MB; then \`flush\` delivered ${row.spooled}`;
  }, 90_000);

  it('at-least-once: a request stored by the intake but answered too late is sent again; (zenml.log.id, dd_logstore.seq) dedupes it', async () => {
    emulator.reset();
    await register('f13', ['--export_timeout_millis=2000']);
    // The first request is stored after 1.5 s, past its 1 s attempt timeout. The rest of the budget cannot hold the
    // doubled (2 s) attempt, so it is not sent again at once (that would be a second copy now): it is spooled, and
    // flush sends it once more, the one duplicate at-least-once allows.
    emulator.inject('intake', { type: 'delay', ms: 1500 });
    const r = await run(home, ['run', '--log-store', 'f13', '--run-id', 'f13', '--', ...printer(100)], KEYS);
    expect(r.code).toBe(0);
    const byRun = () => emulator.records().filter((x) => x.attributes['zenml.run.id'] === 'f13');
    // The late request is stored 1.5 s after it was sent, whenever the machine gets to it.
    for (let i = 0; i < 100 && byRun().length < 100; i++) await new Promise((res) => setTimeout(res, 100));
    expect(byRun()).toHaveLength(100);
    await account('stored-then-timed-out (spooled; flush adds one copy)', 'f13', r);
    const f = await runCli(['flush', '--log-store', 'f13'], { home, env: KEYS });
    expect(f.code).toBe(0);
    const records = byRun();
    expect(records).toHaveLength(200);
    const keys = new Set(
      records.map((x) => `${String(x.attributes['zenml.log.id'])}/${String(x.attributes['dd_logstore.seq'])}`),
    );
    expect(keys.size).toBe(100);
  }, 30_000);
});

function logStoreId(home: string, name: string): string {
  const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {
    components: Record<string, Record<string, { id: string }>>;
  };
  return config.components['log-store']![name]!.id;
}

/**
 * A proxy in front of the emulator for two faults it cannot express: a 400 caused by one bad record (the whole
 * request refused when an item contains `poison`, as Datadog does for a malformed item), and an intake that takes at
 * most one request per `minIntervalMs`.
 */
async function startProxy(target: string) {
  const state = {
    url: '',
    server: undefined as unknown as Server,
    poison: undefined as string | undefined,
    minIntervalMs: 0,
    requests: 0,
  };
  let nextSlot = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        state.requests++;
        const raw = Buffer.concat(chunks);
        if (state.minIntervalMs > 0) {
          const now = Date.now();
          const slot = Math.max(now, nextSlot);
          nextSlot = slot + state.minIntervalMs;
          await new Promise((r) => setTimeout(r, slot - now));
        }
        if (state.poison !== undefined) {
          const body = decodeBodySync(raw, req.headers['content-encoding']);
          if (body.includes(state.poison)) {
            res.writeHead(400, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ errors: [{ status: '400', title: 'Bad Request', detail: 'poisoned item' }] }));
            return;
          }
        }
        const fwd = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        fwd.on('error', () => res.destroy());
        fwd.end(raw);
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.server = server;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
