/**
 * `dd-logstore ui` on a run shipped to a Datadog log store: the same pages read through Logs Search (against the
 * project's emulator), paged by cursor, rate-limit aware with the CLI's notice, a link to the Logs Explorer, and the
 * keys never in an answer.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
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
    ui = await startUi(home, [], EMULATOR_KEYS);
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
});
