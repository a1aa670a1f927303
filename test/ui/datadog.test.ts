/**
 * `dd-logstore ui` on a run shipped to a Datadog log store: the same pages read through Logs Search (against the
 * project's emulator), paged by cursor, rate-limit aware with the CLI's notice, a link to the Logs Explorer, and the
 * keys never in an answer.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EMULATOR_KEYS, runCli, tempHome, useEmulatorLogStore } from '../cli/harness.js';
import { startUi } from './harness.js';
import type { UiProcess } from './harness.js';

interface Page {
  records: { message: string; level: string }[];
  next?: string;
  total?: number;
  notices: string[];
}

describe('dd-logstore ui on a Datadog log store (built CLI, emulator)', () => {
  const { home, cleanup } = tempHome('ddls-ui-dd-');
  let ui: UiProcess;
  const get = async (path: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${ui.base}${path}${path.includes('?') ? '&' : '?'}token=${ui.token}`);
    return { status: res.status, text: await res.text() };
  };

  // Two searches a second: the third in a second is answered 429 with X-RateLimit-Reset.
  const emulator = useEmulatorLogStore(home, { emulator: { searchRateLimit: { limit: 2, periodSec: 1 } } });
  beforeAll(async () => {
    const script = `for (let i = 0; i < 1500; i++) console.log(i % 100 === 0 ? 'ERROR: failure ' + i : 'line ' + i + ' uses emulator-app-key');`;
    const r = await runCli(['run', '--log-store', 'dd', '--run-id', 'dd-run-1', '--', 'node', '-e', script], {
      home,
      env: EMULATOR_KEYS,
    });
    expect(r.code).toBe(0);
    // A stored secret (the file backend) that a second Datadog store uses, and a run on the local store whose command
    // holds its value: that run resolved nothing, so its record holds the value as it was typed.
    const file = { DD_LOGSTORE_SECRETS_BACKEND: 'file' };
    // An apostrophe in it: quoted for the page (`'\\''`) before it was masked, it showed.
    const keys = ['--api_key=stored-api-key-123', "--application_key=stored-app'key-456"];
    expect((await runCli(['secret', 'create', 'other', ...keys], { home, env: file })).code).toBe(0);
    const refs = ['--api_key={{other.api_key}}', '--application_key={{other.application_key}}'];
    const urls = [`--intake_url=${emulator().url}`, `--api_url=${emulator().url}`];
    const dd2 = await runCli(['log-store', 'register', 'dd2', '--flavor=datadog', ...refs, ...urls], {
      home,
      env: file,
    });
    expect(dd2.code).toBe(0);
    const local = await runCli(['run', '--run-id', 'local-key', '--', 'node', '-e', '0', "stored-app'key-456"], {
      home,
    });
    expect(local.code).toBe(0);
    ui = await startUi(home, [], { ...EMULATOR_KEYS, ...file });
  });

  it("masks every log store's secrets from the first answer on, not once a Datadog run has been read", async () => {
    // The first request of this ui: before, the value showed here until a page of a run of dd2 had been opened.
    const detail = (await get('/api/runs/local-key')).text;
    expect(detail).not.toContain('stored-app');
    expect(JSON.parse(detail)).toMatchObject({ steps: [{ command: "node -e 0 '****'" }] });
  });
  afterAll(async () => {
    await ui?.stop();
    cleanup();
  });

  it("links the run to Datadog's Logs Explorer", async () => {
    const detail = JSON.parse((await get('/api/runs/dd-run-1')).text) as { explorerUrl: string; readFrom: unknown };
    const url = new URL(detail.explorerUrl);
    expect(url.origin).toBe('https://app.datadoghq.com');
    expect(url.pathname).toBe('/logs');
    // The same query as the summary line's link and `runs describe`: the run id under both names it goes by.
    expect(url.searchParams.get('query')).toBe(
      'service:"zenml" (@zenml.run.id:"dd-run-1" OR @zenml.pipeline.run.id:"dd-run-1")',
    );
    expect(Number(url.searchParams.get('from_ts'))).toBeLessThan(Number(url.searchParams.get('to_ts')));
    expect(detail.readFrom).toEqual({ name: 'dd', flavor: 'datadog' });
  });

  it('pages the records by Logs Search cursor, filters by level, and waits out rate limits with a notice', async () => {
    const first = JSON.parse((await get('/api/runs/dd-run-1/records?limit=1000')).text) as Page;
    expect(first.records).toHaveLength(1000);
    expect(first.records[0]!.message).toBe('ERROR: failure 0');
    expect(first.total).toBeUndefined();
    expect(first.next).toMatch(/^c:/);
    const second = JSON.parse(
      (await get(`/api/runs/dd-run-1/records?limit=1000&cursor=${encodeURIComponent(first.next!)}`)).text,
    ) as Page;
    expect(second.records).toHaveLength(500);
    // Every record once across the two pages, masked. Which page a record lands on is Datadog's order: by timestamp
    // alone, so records of one millisecond from batches that arrived out of order (two in flight on a loaded
    // machine) can fall on either side of the cursor; within a page they keep the run's order (seq).
    const messages = [...first.records, ...second.records].map((r) => r.message);
    expect(new Set(messages).size).toBe(1500);
    expect(messages).toContain('line 1499 uses ****');
    expect(messages.filter((m) => m.includes('emulator-app-key'))).toEqual([]);
    for (const page of [first, second]) {
      const numbers = page.records.map((r) => Number(/(\d+)/.exec(r.message)![1]));
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    }
    const notices: string[] = [...first.notices, ...second.notices];
    // The emulator's own limit (two a second) answers 429 only when three searches fall in one second, which a loaded
    // machine may not manage: one 429 with its headers is injected as well, so the wait is always exercised.
    emulator().inject('search', { type: 'status', status: 429, rateLimitReset: 1 });
    for (let i = 0; i < 3; i++) {
      const errors = JSON.parse((await get('/api/runs/dd-run-1/records?levels=error')).text) as Page;
      expect(errors.records.map((r) => r.message)).toEqual(
        Array.from({ length: 15 }, (_, k) => `ERROR: failure ${k * 100}`),
      );
      notices.push(...errors.notices);
    }
    expect(notices.some((n) => /^Datadog rate limit.* reached; waiting \d+s for it to reset$/.test(n))).toBe(true);
    expect(ui.stderr()).toMatch(/Datadog rate limit.* reached; waiting \d+s/);
  });

  it('reads the last page (cursor=end), and follows past more records than a page within the follow lag', async () => {
    const script = `for (let i = 0; i < 1200; i++) console.log('burst ' + i);`;
    const run = (step: string, js: string) =>
      runCli(['run', '--log-store', 'dd', '--run-id', 'dd-follow', '--step', step, '--', 'node', '-e', js], {
        home,
        env: EMULATOR_KEYS,
      });
    expect((await run('burst', script)).code).toBe(0);
    // `end` was not read on a Datadog run: the first page came back (burst 0...).
    const end = JSON.parse((await get('/api/runs/dd-follow/records?cursor=end&limit=5')).text) as Page & {
      resume: string;
    };
    expect(end.records.map((r) => r.message)).toEqual([1195, 1196, 1197, 1198, 1199].map((i) => `burst ${i}`));
    expect(end.next).toBeUndefined();
    expect(end.resume).toMatch(/^t:\d+$/);
    expect((await run('more', `for (let i = 0; i < 3; i++) console.log('after ' + i);`)).code).toBe(0);
    // 1,200 records within the lag before the newest seen: the follow read the same first 500 at every poll.
    const follow = JSON.parse(
      (await get(`/api/runs/dd-follow/records?limit=500&cursor=${encodeURIComponent(end.resume)}`)).text,
    ) as Page & { resume: string };
    expect(follow.records.map((r) => r.message)).toEqual(expect.arrayContaining(['after 0', 'after 1', 'after 2']));
    expect(follow.next).toBeUndefined();
    expect(Number(follow.resume.slice(2))).toBeGreaterThan(Number(end.resume.slice(2)));
  });

  it('a follow from the first page misses none of a burst stamped with one millisecond (pages cut it in two)', async () => {
    // One write of 1,200 lines: one chunk, one timestamp for most of them.
    const script = `process.stdout.write(Array.from({ length: 1200 }, (_, i) => 'one-ms ' + i).join('\\n') + '\\n')`;
    const r = await runCli(['run', '--log-store', 'dd', '--run-id', 'dd-one-ms', '--', 'node', '-e', script], {
      home,
      env: EMULATOR_KEYS,
    });
    expect(r.code).toBe(0);
    const seen = new Set<string>();
    let page = JSON.parse((await get('/api/runs/dd-one-ms/records?limit=500')).text) as Page & { resume: string };
    for (const x of page.records) seen.add(x.message);
    // As the page does: follow from the first page's resume, poll after poll.
    for (let poll = 0; poll < 8 && seen.size < 1200; poll++) {
      page = JSON.parse(
        (await get(`/api/runs/dd-one-ms/records?limit=500&cursor=${encodeURIComponent(page.resume)}`)).text,
      ) as Page & { resume: string };
      for (const x of page.records) seen.add(x.message);
    }
    expect(seen.size).toBe(1200);
  });

  it('counts the histogram from Logs Search', async () => {
    const h = JSON.parse((await get('/api/runs/dd-run-1/histogram?buckets=5')).text) as { counts: number[][] };
    expect(h.counts.reduce((n, c) => n + c.reduce((a, b) => a + b, 0), 0)).toBe(1500);
    expect(h.counts.reduce((n, c) => n + c[3]!, 0)).toBe(15);
  });

  it('never answers with a key', async () => {
    for (const path of ['/api/runs', '/api/runs/dd-run-1', '/api/runs/dd-run-1/records?limit=1000']) {
      const r = await get(path);
      expect(r.status).toBe(200);
      expect(r.text).not.toContain(EMULATOR_KEYS.DD_LOGSTORE_SECRET_DD_API_KEY);
      expect(r.text).not.toContain(EMULATOR_KEYS.DD_LOGSTORE_SECRET_DD_APP_KEY);
    }
  });

  it('a run with no run record here, read with --log-store: its page says where it is read from, not "no run"', async () => {
    const r = await runCli(
      ['run', '--log-store', 'dd', '--run-id', 'zen-1', '--', 'node', '-e', "console.log('from zenml')"],
      {
        home,
        env: EMULATOR_KEYS,
      },
    );
    expect(r.code).toBe(0);
    rmSync(join(home, 'runs', 'zen-1.json'));
    const other = await startUi(home, ['--log-store', 'dd'], EMULATOR_KEYS);
    try {
      const at = async (path: string) => {
        const res = await fetch(`${other.base}${path}?token=${other.token}`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      // Before: 404 "no run with id" over the records the same run's page read.
      const detail = await at('/api/runs/zen-1');
      expect(detail).toMatchObject({
        status: 200,
        body: { runId: 'zen-1', recorded: false, readFrom: { name: 'dd', flavor: 'datadog' } },
      });
      expect(String(detail.body.explorerUrl)).toMatch(/^https:\/\/app\.datadoghq\.com\/logs\?/);
      const records = await at('/api/runs/zen-1/records');
      expect(records.status).toBe(200);
      expect((records.body.records as { message: string }[]).map((x) => x.message)).toEqual(['from zenml']);
      expect((await at('/api/runs/nosuch-run')).status).toBe(200);
    } finally {
      await other.stop();
    }
    // Without --log-store nothing finds it: no run.
    expect((await get('/api/runs/zen-1')).status).toBe(404);
  });
});
