import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { BIN, cliEnv, EMULATOR_KEYS, runCli, tempHome, useEmulatorLogStore } from './harness.js';
import type { CliResult } from './harness.js';

/** A child that prints `n` numbered lines: every 10th a WARNING, every 50th an ERROR on stderr, a few with a pause. */
function printer(prefix: string, n: number, pauseEvery = 0, pauseMs = 0): string[] {
  const script = `
const [prefix, n, every, ms] = [process.argv[1], +process.argv[2], +process.argv[3], +process.argv[4]];
const sleep = (t) => new Promise((r) => setTimeout(r, t));
(async () => {
  let out = '';
  for (let i = 0; i < n; i++) {
    const id = String(i).padStart(6, '0');
    if (i % 50 === 7) { process.stdout.write(out); out = ''; process.stderr.write('ERROR: ' + prefix + ' failed ' + id + '\\n'); }
    else if (i % 10 === 3) out += 'WARNING: ' + prefix + ' line ' + id + ' is slow\\n';
    else out += prefix + ' line ' + id + ' ok\\n';
    if (out.length > 65536) { process.stdout.write(out); out = ''; }
    if (every > 0 && i % every === every - 1) { process.stdout.write(out); out = ''; await sleep(ms); }
  }
  process.stdout.write(out);
})();`;
  return ['node', '-e', script, prefix, String(n), String(pauseEvery), String(pauseMs)];
}

/** What printer() prints, per stream. */
function printed(prefix: string, n: number): { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = String(i).padStart(6, '0');
    if (i % 50 === 7) stderr.push(`ERROR: ${prefix} failed ${id}`);
    else if (i % 10 === 3) stdout.push(`WARNING: ${prefix} line ${id} is slow`);
    else stdout.push(`${prefix} line ${id} ok`);
  }
  return { stdout, stderr };
}

interface Line {
  id: string;
  timestamp: string;
  status: string;
  message: string;
  service: string;
  attributes: Record<string, unknown>;
}

const parse = (r: CliResult): Line[] =>
  r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
const seqOf = (l: Line) => l.attributes['dd_logstore.seq'] as number;
const key = (l: Line) => `${String(l.attributes['zenml.log.id'])}#${seqOf(l)}`;

/**
 * Time order overall, and (timestamp, seq) order within each log stream. Between two streams (two steps) that share
 * a millisecond the seq numbers are unrelated, so no order between them is promised.
 */
function expectOrdered(lines: Line[]): void {
  const lastOf = new Map<unknown, Line>();
  for (let i = 0; i < lines.length; i++) {
    const b = lines[i]!;
    const a = lines[i - 1];
    if (a) expect(Date.parse(a.timestamp)).toBeLessThanOrEqual(Date.parse(b.timestamp));
    const prev = lastOf.get(b.attributes['zenml.log.id']);
    if (prev) expect(Date.parse(prev.timestamp) - Date.parse(b.timestamp) || seqOf(prev) - seqOf(b)).toBeLessThan(0);
    lastOf.set(b.attributes['zenml.log.id'], b);
  }
}

describe('dd-logstore logs (built CLI, Datadog emulator)', () => {
  const { home, cleanup } = tempHome();
  const keys = EMULATOR_KEYS;
  // Generous: these are not timed (the bench is), and a loaded CI machine took over 60 s for the 100k read-back.
  const cli = (args: string[], env: NodeJS.ProcessEnv = keys, timeoutMs = 170_000) =>
    runCli(args, { home, env, timeoutMs });

  const emulator = useEmulatorLogStore(home);
  afterAll(cleanup);

  describe('a 25,000-record run of two steps', () => {
    const train = printed('train', 20_000);
    const evalLines = printed('eval', 5_000);
    let all: Line[] = [];

    beforeAll(async () => {
      emulator().reset();
      for (const [step, n] of [
        ['train', 20_000],
        ['eval', 5_000],
      ] as const) {
        const r = await cli([
          'run',
          '--log-store',
          'dd',
          '--run-id',
          'big-1',
          '--step',
          step,
          '--',
          ...printer(step, n),
        ]);
        expect(r.code).toBe(0);
        expect(r.stdout.split('\n').filter(Boolean)).toEqual(printed(step, n).stdout);
      }
      // An at-least-once retry: one batch delivered twice must still show once.
      const dup = emulator().records().slice(100, 110);
      const res = await fetch(`${emulator().url}/api/v2/logs`, {
        method: 'POST',
        headers: { 'dd-api-key': 'emulator-api-key', 'content-type': 'application/json' },
        body: JSON.stringify(
          dup.map((x) => ({
            message: x.message,
            status: x.status,
            timestamp: x.timestamp,
            service: x.service,
            hostname: x.host,
            ...x.attributes,
          })),
        ),
      });
      expect(res.status).toBe(202);
      expect(emulator().records()).toHaveLength(25_010);
    }, 180_000);

    it('reads every record back once, in order, equal to what the child printed', async () => {
      const r = await cli(['logs', '--run-id', 'big-1', '--output', 'jsonl']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      all = parse(r);
      expect(all).toHaveLength(25_000);
      expect(new Set(all.map(key)).size).toBe(25_000);
      expectOrdered(all);
      for (const [step, want] of [
        ['train', train],
        ['eval', evalLines],
      ] as const) {
        const mine = all.filter((l) => l.attributes['zenml.step.name'] === step);
        expect(mine.filter((l) => l.attributes['dd_logstore.stream'] === 'stdout').map((l) => l.message)).toEqual(
          want.stdout,
        );
        expect(mine.filter((l) => l.attributes['dd_logstore.stream'] === 'stderr').map((l) => l.message)).toEqual(
          want.stderr,
        );
      }
      expect(all[0]).toMatchObject({ service: 'zenml', attributes: { 'zenml.run.id': 'big-1' } });
      // Every page was asked for with the page limit of 1000, through to the end.
      const searches = emulator()
        .requests()
        .filter((q) => q.route === 'search');
      expect(searches.length).toBeGreaterThanOrEqual(26);
      // Asked for gzip, answered gzipped (the last, empty page goes as it is), and inflated: the records above.
      expect(searches.every((q) => q.headers['accept-encoding'] === 'gzip')).toBe(true);
      expect(searches.filter((q) => q.answerEncoding === 'gzip').length).toBeGreaterThanOrEqual(25);
    }, 30_000);

    it('--step, --level warn, --grep, --since/--until and --limit', async () => {
      const step = parse(await cli(['logs', '--run-id', 'big-1', '--step', 'eval', '--output', 'jsonl']));
      expect(step.map((l) => l.message)).toEqual(
        all.filter((l) => l.attributes['zenml.step.name'] === 'eval').map((l) => l.message),
      );

      const warn = parse(await cli(['logs', '--run-id', 'big-1', '--level', 'warn', '--output', 'jsonl']));
      expect(warn.map((l) => l.message)).toEqual(all.filter((l) => l.status !== 'info').map((l) => l.message));
      expect(warn.length).toBe(2000 + 500 + 400 + 100);

      const grep = await cli(['logs', '--run-id', 'big-1', '--grep', 'LINE 012345', '--output', 'jsonl']);
      expect(parse(grep).map((l) => l.message)).toEqual(['train line 012345 ok']);

      const from = all[1000]!.timestamp;
      const to = all[3000]!.timestamp;
      const window = parse(
        await cli(['logs', '--run-id', 'big-1', '--since', from, '--until', to, '--output', 'jsonl']),
      );
      expect(window.map(key)).toEqual(all.filter((l) => l.timestamp >= from && l.timestamp <= to).map(key));

      const asked = emulator().requests().length;
      const limited = await cli(['logs', '--run-id', 'big-1', '--limit', '100', '--output', 'jsonl']);
      expect(limited.code).toBe(0);
      expect(parse(limited).map(key)).toEqual(all.slice(0, 100).map(key));
      expect(limited.stderr).toMatch(/showing the first 100 .*records.*raise --limit/);
      // A short read asks for 101 records first, and for full pages next (not prefetched) only while the 100 are not
      // settled (this run's child printed hundreds of records a millisecond: the last millisecond's wait).
      const limits = emulator()
        .requests()
        .slice(asked)
        .filter((q) => q.route === 'search')
        .map((q) => q.search?.limit);
      expect(limits[0]).toBe(101);
      expect(limits.slice(1).every((l) => l === 1000)).toBe(true);

      const tailed = await cli(['logs', '--run-id', 'big-1', '--tail', '5', '--output', 'jsonl']);
      expect(tailed.code).toBe(0);
      expect(parse(tailed).map(key)).toEqual(all.slice(-5).map(key));
      expect(tailed.stderr).toBe('showing the last 5 of 25000 records (drop --tail to see all)\n');

      const text = await cli(['logs', '--run-id', 'big-1', '--step', 'eval', '--grep', 'failed 000007']);
      expect(text.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z ERROR +eval ERROR: eval failed 000007\n$/);
    }, 180_000);

    it('a wrong application key: one line naming logs_read_data and the site, exit 1', async () => {
      const r = await cli(['logs', '--run-id', 'big-1'], { ...keys, DD_LOGSTORE_SECRET_DD_APP_KEY: 'wrong-app-key' });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/logs_read_data/);
      expect(lines[0]).toMatch(/site datadoghq\.com/);
      expect(lines[0]).not.toContain('wrong-app-key');
    });
  });

  it('JSON lines with their own time are read back: an hour ago widens the window, 20 h ago is re-stamped', async () => {
    emulator().reset();
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const dayAgo = new Date(Date.now() - 20 * 3_600_000).toISOString();
    const hourAhead = new Date(Date.now() + 3_600_000).toISOString();
    const script = [
      'console.log("plain line")',
      `console.log(JSON.stringify({ msg: "an hour ago", timestamp: ${JSON.stringify(hourAgo)} }))`,
      `console.log(JSON.stringify({ msg: "twenty hours ago", timestamp: ${JSON.stringify(dayAgo)} }))`,
      `console.log(JSON.stringify({ msg: "an hour ahead", timestamp: ${JSON.stringify(hourAhead)} }))`,
    ].join(';');
    const r = await cli(['run', '--log-store', 'dd', '--run-id', 'own-time-1', '--', 'node', '-e', script]);
    expect(r.code).toBe(0);
    // Datadog drops a log older than 18 h without a word: the emulator does too; this one was sent as of now.
    expect(emulator().stats().notIndexed).toBe(0);
    const read = await cli(['logs', '--run-id', 'own-time-1', '--output', 'jsonl', '--wait=10s']);
    expect({ code: read.code, stderr: read.stderr }).toMatchObject({ code: 0 });
    const lines = parse(read);
    expect(lines.map((l) => l.message).sort()).toEqual([
      'an hour ago',
      'an hour ahead',
      'plain line',
      'twenty hours ago',
    ]);
    const hour = lines.find((l) => l.message === 'an hour ago')!;
    expect(hour.timestamp).toBe(hourAgo);
    const day = lines.find((l) => l.message === 'twenty hours ago')!;
    expect(Date.parse(day.timestamp)).toBeGreaterThan(Date.now() - 3_600_000);
    expect(day.attributes['dd_logstore.original_timestamp']).toBe(Date.parse(dayAgo));
    const run = await cli(['runs', 'describe', 'own-time-1', '--output', 'json']);
    const step = (JSON.parse(run.stdout) as { steps: { recordsFrom?: string }[] }).steps[0];
    expect(step?.recordsFrom).toBe(hourAgo);
    // Following the finished run finds them all too (the record ahead of now included), and stops by itself.
    const followed = await cli(['logs', '--run-id', 'own-time-1', '--follow', '--output', 'jsonl', '--interval', '1s']);
    expect(followed.code).toBe(0);
    expect(
      parse(followed)
        .map((l) => l.message)
        .sort(),
    ).toEqual(lines.map((l) => l.message).sort());
  });

  it("a run is read back under the service it shipped with, after the log store's service_name changed", async () => {
    emulator().reset();
    expect((await cli(['log-store', 'update', 'dd', '--service_name=team-a'])).code).toBe(0);
    try {
      expect(
        (await cli(['run', '--log-store', 'dd', '--run-id', 'svc-1', '--', 'node', '-e', 'console.log(1)'])).code,
      ).toBe(0);
      expect((await cli(['log-store', 'update', 'dd', '--service_name=team-b'])).code).toBe(0);
      // Before: searched under team-b, found nothing, and blamed Datadog's indexing delay.
      const read = await cli(['logs', '--run-id', 'svc-1', '--output', 'jsonl', '--wait=10s']);
      expect([read.code, parse(read).map((l) => l.message)]).toEqual([0, ['1']]);
      const described = await cli(['runs', 'describe', 'svc-1']);
      expect(decodeURIComponent(described.stdout)).toMatch(/query=service:"team-a"/);
      // A later step of the run ships under the run's service, and says so: read back with the first.
      const later = await cli([
        'run',
        '--log-store',
        'dd',
        '--run-id',
        'svc-1',
        '--step',
        'b',
        '--',
        'node',
        '-e',
        'console.log(2)',
      ]);
      expect(later.stderr).toMatch(/warning: run svc-1 ships under service 'team-a', as its first step did/);
      const both = await cli(['logs', '--run-id', 'svc-1', '--output', 'jsonl', '--wait=10s']);
      expect(
        parse(both)
          .map((l) => l.message)
          .sort(),
      ).toEqual(['1', '2']);
    } finally {
      await cli(['log-store', 'update', 'dd', '--service_name=zenml']);
    }
  });

  it('with a 3 s indexing delay: M of N right after the run, --wait=1s exits 1, --wait returns all', async () => {
    emulator().reset();
    emulator().setIndexingDelay(3000);
    try {
      const run = await cli(['run', '--log-store', 'dd', '--run-id', 'delay-1', '--', ...printer('d', 500)]);
      expect(run.code).toBe(0);
      // On a loaded machine the run alone can take longer than 3 s; holding the records back for the two checks
      // that need them missing keeps those checks about the CLI, not about the machine's speed.
      emulator().setIndexingDelay(60_000);
      const now = await cli(['logs', '--run-id', 'delay-1', '--output', 'jsonl']);
      expect(now.code).toBe(0);
      const m = /(\d+) of 500 records indexed so far.*--wait/.exec(now.stderr);
      expect(m).not.toBeNull();
      expect(parse(now)).toHaveLength(Number(m![1]));
      const short = await cli(['logs', '--run-id', 'delay-1', '--wait=1s', '--interval', '200ms', '--output', 'jsonl']);
      expect(short.code).toBe(1);
      expect(short.stderr).toMatch(/^error: only \d+ of 500 records indexed after waiting 1s/m);
      emulator().setIndexingDelay(3000);
      const waited = await cli(['logs', '--run-id', 'delay-1', '--wait', '--interval', '300ms', '--output', 'jsonl']);
      expect(waited.code).toBe(0);
      expect(waited.stderr).toBe('');
      const want = printed('d', 500);
      expect(new Set(parse(waited).map((l) => l.message))).toEqual(new Set([...want.stdout, ...want.stderr]));
      expect(parse(waited)).toHaveLength(500);
    } finally {
      emulator().setIndexingDelay(0);
    }
  }, 30_000);

  it('logs tail started before two runs of one run id: every line once, in order, through 429 and 500; exits by itself', async () => {
    emulator().reset();
    const tail = spawn(
      process.execPath,
      [BIN, 'logs', 'tail', '--run-id', 'tail-1', '--log-store', 'dd', '--interval', '250ms', '--output', 'jsonl'],
      { env: cliEnv(home, keys), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    tail.stdout.on('data', (c: Buffer) => out.push(c));
    tail.stderr.on('data', (c: Buffer) => err.push(c));
    const exited = new Promise<number | null>((resolve) => tail.on('close', resolve));

    const first = cli([
      'run',
      '--log-store',
      'dd',
      '--run-id',
      'tail-1',
      '--step',
      'a',
      '--',
      ...printer('a', 400, 20, 100),
    ]);
    await new Promise((r) => setTimeout(r, 800));
    emulator().inject('search', { type: 'status', status: 429, rateLimitReset: 1 });
    const second = cli([
      'run',
      '--log-store',
      'dd',
      '--run-id',
      'tail-1',
      '--step',
      'b',
      '--',
      ...printer('b', 300, 20, 100),
    ]);
    await new Promise((r) => setTimeout(r, 1200));
    emulator().inject('search', { type: 'status', status: 500 });
    expect((await first).code).toBe(0);
    expect((await second).code).toBe(0);

    const timer = setTimeout(() => tail.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    expect(code).toBe(0);
    const lines = Buffer.concat(out)
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
    const stderr = Buffer.concat(err).toString();
    expect(stderr).toMatch(/rate limit.*waiting 1s/);
    expect(stderr).toMatch(/poll failed \(HTTP 500/);
    expect(lines).toHaveLength(700);
    expect(new Set(lines.map(key)).size).toBe(700);
    for (const [step, n] of [
      ['a', 400],
      ['b', 300],
    ] as const) {
      const mine = lines.filter((l) => l.attributes['zenml.step.name'] === step);
      const want = printed(step, n);
      expect(mine.filter((l) => l.attributes['dd_logstore.stream'] === 'stdout').map((l) => l.message)).toEqual(
        want.stdout,
      );
      expect(mine.filter((l) => l.attributes['dd_logstore.stream'] === 'stderr').map((l) => l.message)).toEqual(
        want.stderr,
      );
    }
    expectOrdered(lines);
  }, 40_000);

  it('logs tail of a run with no record here yet says it follows until Ctrl-C or until a record ends it, and does end with the run', async () => {
    const tail = spawn(
      process.execPath,
      [BIN, 'logs', 'tail', '--run-id', 'tail-later', '--log-store', 'dd', '--interval', '250ms', '--output', 'jsonl'],
      { env: cliEnv(home, keys), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    tail.stdout.on('data', (c: Buffer) => (out += c.toString()));
    tail.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => tail.on('close', resolve));
    // Said before the run starts (it said "until Ctrl-C (no run record says when it ends)", then ended by itself).
    for (let i = 0; i < 100 && !err.includes('\n'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(err.split('\n')[0]).toBe(
      "no run record for 'tail-later' here yet: following log store 'dd' until Ctrl-C, or until a run record here says the run ended",
    );
    expect(
      (await cli(['run', '--log-store', 'dd', '--run-id', 'tail-later', '-q', '--', 'echo', 'came later'])).code,
    ).toBe(0);
    const timer = setTimeout(() => tail.kill('SIGKILL'), 20_000);
    expect(await exited).toBe(0);
    clearTimeout(timer);
    expect((JSON.parse(out.trim()) as Line).message).toBe('came later');
  }, 40_000);

  it('reads back 100,000 records and says how fast (side by side with the emulator answering the same pages)', async () => {
    emulator().reset();
    const t0 = Date.parse(new Date().toISOString());
    const base = {
      service: 'zenml',
      hostname: 'bench',
      'zenml.run.id': 'speed-1',
      'zenml.log.id': 'log-speed',
      'zenml.step.name': 'train',
      'dd_logstore.stream': 'stdout',
    };
    for (let b = 0; b < 100; b++) {
      const items = Array.from({ length: 1000 }, (_, i) => {
        const n = b * 1000 + i;
        return {
          ...base,
          message: `INFO step ${n} loss=${(1 / (n + 1)).toFixed(6)} some typical payload text`,
          status: 'info',
          timestamp: t0 - 100_000 + Math.floor(n / 2),
          'dd_logstore.seq': n,
        };
      });
      const res = await fetch(`${emulator().url}/api/v2/logs`, {
        method: 'POST',
        headers: { 'dd-api-key': 'emulator-api-key' },
        body: JSON.stringify(items),
      });
      expect(res.status).toBe(202);
    }
    const window = { from: t0 - 200_000, to: t0 + 60_000 };
    // The emulator alone: the same query, the same pages, fetched and read as text (no parsing beyond the cursor).
    const serverStart = performance.now();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await fetch(`${emulator().url}/api/v2/logs/events/search`, {
        method: 'POST',
        headers: {
          'dd-api-key': 'emulator-api-key',
          'dd-application-key': 'emulator-app-key',
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          filter: {
            query: 'service:"zenml" @zenml.run.id:"speed-1"',
            from: String(window.from),
            to: String(window.to),
          },
          page: { limit: 1000, ...(cursor ? { cursor } : {}) },
          sort: 'timestamp',
        }),
      });
      const text = await res.text();
      cursor = /"after":"([^"]+)"/.exec(text.slice(-2000))?.[1];
      pages++;
    } while (cursor !== undefined);
    const serverMs = performance.now() - serverStart;

    const cliStart = performance.now();
    const r = await cli([
      'logs',
      '--log-store',
      'dd',
      '--run-id',
      'speed-1',
      '--since',
      new Date(window.from).toISOString(),
      '--output',
      'jsonl',
    ]);
    const cliMs = performance.now() - cliStart;
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(100_000);
    const rate = Math.round(100_000 / (cliMs / 1000));
    process.stderr.write(
      `read-back: 100,000 records in ${cliMs.toFixed(0)} ms (${rate} records/s, CLI start included); ` +
        `the emulator answering the same ${pages} pages: ${serverMs.toFixed(0)} ms\n`,
    );
    // Speed is measured by `npm run bench` (docs/performance.md), never asserted here: this test only shows the figure.
  }, 180_000);
});
