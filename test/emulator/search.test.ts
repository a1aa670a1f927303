import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip, createEmulator } from './emulator.js';
import type { Emulator } from './emulator.js';
import { get, postIntake, postJson } from './test-http.js';
import type { Reply } from './test-http.js';

const API_KEY = 'search-api-key';
const APP_KEY = 'search-app-key';
const KEYS = { 'dd-api-key': API_KEY, 'dd-application-key': APP_KEY };
const RUN_ID = '3f2b8c1e-9d4a-4e6f-8b7a-1c2d3e4f5a6b';

let now = Date.parse('2024-05-01T12:00:00.000Z');
const clock = { now: () => now };
let emu: Emulator;

beforeAll(async () => {
  emu = await createEmulator({ apiKeys: [API_KEY], appKeys: [APP_KEY], clock });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  now = Date.parse('2024-05-01T12:00:00.000Z');
  emu.reset();
});

interface Page {
  data: {
    id: string;
    type: string;
    attributes: Record<string, unknown> & { message: string; attributes: Record<string, unknown> };
  }[];
  meta: { page?: { after: string }; status: string; elapsed: number; request_id: string; warnings?: unknown[] };
  links?: { next: string };
}

async function search(body: unknown): Promise<Reply & { page: Page }> {
  const r = await postJson(`${emu.url}/api/v2/logs/events/search`, body, KEYS);
  return { ...r, page: r.json as Page };
}

async function ingest(items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 1000) {
    const res = await postIntake(emu.url, items.slice(i, i + 1000), { apiKey: API_KEY, encoding: 'gzip' });
    expect(res.status).toBe(202);
  }
}

function rec(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    message: `line ${i}`,
    status: 'info',
    timestamp: now - 60_000 + i,
    service: 'zenml',
    hostname: 'host-a',
    ddsource: 'dd-logstore',
    ddtags: 'env:test',
    'zenml.run.id': RUN_ID,
    'zenml.step.name': 'trainer',
    'dd_logstore.seq': i,
    ...extra,
  };
}

const window = (): { from: string; to: string } => ({ from: String(now - 3_600_000), to: String(now + 1) });

describe('POST /api/v2/logs/events/search', () => {
  it('answers like the recorded Datadog response', async () => {
    // Recorded pair: DataDog/datadog-api-client-python,
    // tests/v2/cassettes/test_scenarios/test_search_logs_returns_ok_response_with_pagination.yaml:
    // request  {"filter":{"from":"now-15m","indexes":["main"],"to":"now"},"options":{"timezone":"GMT"},
    //           "page":{"limit":2},"sort":"timestamp"}
    // response {"meta":{"page":{"after":"eyJhZnRlciI6..."}},"data":[{"attributes":{"status":"ok","tags":[...],
    //           "timestamp":"2022-04-11T16:29:47.000Z","host":"...","attributes":{"http":{"status_code":200,...}},
    //           "message":"..."},"type":"log","id":"AQAAAYAZdbh4..."}, ...],"links":{"next":"https://api.datadoghq.com/api/v2/logs/events?...page%5Bcursor%5D=..."}}
    await ingest([rec(1, { http: { status_code: 200 } }), rec(2), rec(3)]);
    const res = await search({
      filter: { from: 'now-15m', indexes: ['main'], to: 'now' },
      options: { timezone: 'GMT' },
      page: { limit: 2 },
      sort: 'timestamp',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const first = res.page.data[0];
    expect(first).toEqual({
      id: expect.stringMatching(/^AQAAA[A-Za-z0-9_-]+$/),
      type: 'log',
      attributes: {
        timestamp: new Date(now - 60_000 + 1).toISOString(),
        message: 'line 1',
        status: 'info',
        service: 'zenml',
        host: 'host-a',
        tags: ['source:dd-logstore', 'env:test'],
        // timestamp, status and hostname set the event's own fields and stay among its attributes, as in Datadog.
        attributes: {
          status: 'info',
          timestamp: now - 60_000 + 1,
          hostname: 'host-a',
          http: { status_code: 200 },
          zenml: { run: { id: RUN_ID }, step: { name: 'trainer' } },
          dd_logstore: { seq: 1 },
        },
      },
    });
    expect(res.page.data).toHaveLength(2);
    expect(res.page.meta.page?.after).toEqual(expect.any(String));
    expect(res.page.meta).toMatchObject({
      status: 'done',
      elapsed: expect.any(Number),
      request_id: expect.any(String),
    });
    expect(res.page.links?.next).toContain('/api/v2/logs/events?');
    expect(res.page.links?.next).toContain(`page%5Bcursor%5D=${res.page.meta.page?.after}`);
    // The first search cassette (test_search_logs_returns_ok_response.yaml) shows the rate-limit headers.
    for (const h of ['x-ratelimit-limit', 'x-ratelimit-period', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
      expect(res.headers.get(h)).toMatch(/^\d+$/);
    }
  });

  it('pages 2,500 records with limit 1000 and a cursor: no duplicates, no gaps, no cursor at the end', async () => {
    await ingest(Array.from({ length: 2500 }, (_, i) => rec(i, { timestamp: now - 10_000 + (i % 7) })));
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await search({
        filter: { query: `@zenml.run.id:"${RUN_ID}"`, ...window() },
        page: { limit: 1000, ...(cursor ? { cursor } : {}) },
        sort: 'timestamp',
      });
      expect(res.status).toBe(200);
      pages++;
      for (const d of res.page.data) {
        seen.push((d.attributes.attributes.dd_logstore as { seq: number }).seq);
      }
      cursor = res.page.meta.page?.after;
    } while (cursor !== undefined);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(2500);
    expect(new Set(seen).size).toBe(2500);
    // Ordered by timestamp, then intake order.
    const expected = Array.from({ length: 2500 }, (_, i) => i).sort((a, b) => (a % 7) - (b % 7) || a - b);
    expect(seen).toEqual(expected);
  });

  it('nests attributes by dotted path and keeps clashing paths flat', async () => {
    await ingest([
      { message: 'm', timestamp: now - 1, a: 'leaf', 'a.b': 1, 'x.y.z': [1, 'two'], 'x.w': null, q: { r: true } },
    ]);
    const res = await search({ filter: window() });
    expect(res.page.data[0]?.attributes.attributes).toEqual({
      timestamp: now - 1,
      a: 'leaf',
      'a.b': 1,
      x: { y: { z: [1, 'two'] }, w: null },
      q: { r: true },
    });
  });

  it('sorts -timestamp newest first', async () => {
    await ingest([rec(1), rec(2), rec(3)]);
    const res = await search({ filter: window(), sort: '-timestamp', page: { limit: 10 } });
    expect(res.page.data.map((d) => d.attributes.message)).toEqual(['line 3', 'line 2', 'line 1']);
    expect(res.page.meta.page).toBeUndefined();
  });

  it('filters by the query subset', async () => {
    const other = '00000000-0000-4000-8000-000000000000';
    await ingest([
      rec(1, { status: 'error', message: 'Traceback (most recent call last)' }),
      rec(2, { 'zenml.step.name': 'evaluator' }),
      rec(3, { 'zenml.run.id': other }),
      rec(4, { service: 'other', hostname: 'host-b', message: 'hello world' }),
      rec(5, { 'path.with space': 'a b', status: 'warning' }),
    ]);
    const q = async (query: string): Promise<string[]> => {
      const res = await search({ filter: { query, ...window() }, page: { limit: 100 } });
      expect(res.status).toBe(200);
      return res.page.data.map((d) => d.attributes.message);
    };
    expect(await q(`service:"zenml" @zenml.run.id:"${RUN_ID}"`)).toEqual([
      'Traceback (most recent call last)',
      'line 2',
      'line 5',
    ]);
    expect(await q(`@zenml.run.id:${RUN_ID.replace(/-/g, '\\-')}`)).toHaveLength(4);
    expect(await q(`@zenml.run.id:"${RUN_ID}" -@zenml.step.name:trainer`)).toEqual(['line 2']);
    expect(await q(`@zenml.step.name:evaluator OR @zenml.run.id:"${other}"`)).toEqual(['line 2', 'line 3']);
    expect(await q(`(status:error OR status:warn) service:zenml`)).toEqual([
      'Traceback (most recent call last)',
      'line 5',
    ]);
    expect(await q('status:warning')).toEqual(['line 5']);
    expect(await q('host:host-b')).toEqual(['hello world']);
    expect(await q('traceback')).toEqual(['Traceback (most recent call last)']);
    expect(await q('"hello world"')).toEqual(['hello world']);
    expect(await q('@zenml.run.id:3f2b8c1e*')).toHaveLength(4);
    expect(await q('@path.with\\ space:"a b"')).toEqual(['line 5']);
    expect(await q('env:test -service:zenml')).toEqual(['hello world']);
    expect(await q('NOT service:zenml')).toEqual(['hello world']);
    expect(await q('source:dd-logstore @dd_logstore.seq:3')).toEqual(['line 3']);
  });

  it('honours from/to as ms, ISO-8601 and date math, with to exclusive', async () => {
    await ingest([
      rec(0, { timestamp: now - 20 * 60_000 }),
      rec(1, { timestamp: now - 5 * 60_000 }),
      rec(2, { timestamp: now - 1000 }),
    ]);
    const msgs = async (from: unknown, to: unknown): Promise<string[]> =>
      (await search({ filter: { from, to }, page: { limit: 10 } })).page.data.map((d) => d.attributes.message);
    expect(await msgs('now-15m', 'now')).toEqual(['line 1', 'line 2']);
    expect(await msgs(String(now - 30 * 60_000), String(now - 1000))).toEqual(['line 0', 'line 1']);
    expect(await msgs(new Date(now - 6 * 60_000).toISOString(), new Date(now).toISOString())).toEqual([
      'line 1',
      'line 2',
    ]);
    expect(await msgs(String(now - 2000), 'now+1h')).toEqual(['line 2']);
  });

  it('refuses page.limit outside 1..1000, bad sorts, bad cursors and bad queries with 400', async () => {
    for (const body of [
      { filter: window(), page: { limit: 1001 } },
      { filter: window(), page: { limit: 0 } },
      { filter: window(), sort: 'message' },
      { filter: window(), page: { cursor: 'not-a-cursor' } },
      { filter: { ...window(), query: '(service:a' } },
      { filter: { from: 'yesterday-ish' } },
    ]) {
      const res = await search(body);
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ errors: [expect.any(String)] });
    }
    expect((await search({ filter: window(), page: { limit: 1000 } })).status).toBe(200);
  });

  it('refuses time bounds that are not strings with 400, as the API types them', async () => {
    await ingest([rec(1)]);
    for (const filter of [{ from: now - 3_600_000, to: 'now' }, { from: 'now-1h', to: now }, { from: null }]) {
      const res = await search({ filter, page: { limit: 10 } });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ errors: [expect.stringMatching(/filter\.(from|to) must be a string/)] });
    }
    expect((await search({ filter: { from: String(now - 3_600_000), to: 'now' } })).page.data).toHaveLength(1);
  });

  it('answers grouped values, message: and the query ZenML sends for a stream at warning and above', async () => {
    // ZenML's own item shape (zenml log_stores/datadog/datadog_log_exporter.py `_encode_log`): the OTel record's
    // attributes flat at the top, then service, version, timestamp (ms), message, status (severity text lower-cased,
    // so Python's WARNING is "warning") and source.
    const zenml = (message: string, status: string, logId = 'b0c1d2e3-0000-4000-8000-000000000001') => ({
      'zenml.pipeline.run.id': RUN_ID,
      'zenml.step.run.name': 'trainer',
      'zenml.log.id': logId,
      'zenml.log.source': 'step',
      'service.name': 'zenml',
      service: 'zenml',
      version: '0.93.0',
      timestamp: now - 1000,
      message,
      status,
      source: 'zenml',
    });
    await ingest([
      zenml('loaded', 'info'),
      zenml('low memory', 'warning'),
      zenml('failed', 'error'),
      zenml('other stream', 'warning', 'b0c1d2e3-0000-4000-8000-000000000002'),
    ]);
    const msgs = async (query: string): Promise<string[]> =>
      (await search({ filter: { query, ...window() }, page: { limit: 10 } })).page.data.map(
        (d) => d.attributes.message,
      );
    expect(await msgs('status:(warn OR error)')).toEqual(['low memory', 'failed', 'other stream']);
    expect(await msgs('status:(warn OR error) -message:other*')).toEqual(['low memory', 'failed']);
    expect(
      await msgs('service:"zenml" AND @zenml.log.id:b0c1d2e3-0000-4000-8000-000000000001 AND message:*mem*'),
    ).toEqual(['low memory']);
    expect(
      await msgs(
        'service:"zenml" AND @zenml.log.id:b0c1d2e3-0000-4000-8000-000000000001 AND status:(warn OR warning OR err ' +
          'OR error OR crit OR critical OR alert OR emerg OR emergency OR fatal)',
      ),
    ).toEqual(['low memory', 'failed']);
    const res = await search({ filter: { query: 'message:failed', ...window() } });
    expect(res.page.data[0]?.attributes).toMatchObject({ status: 'error', service: 'zenml' });
  });

  it('answers 403 without both keys', async () => {
    const url = `${emu.url}/api/v2/logs/events/search`;
    const variants: Record<string, string>[] = [
      {},
      { 'dd-api-key': API_KEY },
      { 'dd-application-key': APP_KEY },
      { ...KEYS, 'dd-application-key': 'x' },
    ];
    for (const headers of variants) {
      const res = await postJson(url, { filter: window() }, headers);
      expect(res.status).toBe(403);
      expect(res.json).toEqual({ errors: ['Forbidden'] });
    }
  });

  it('makes records searchable only after the indexing delay', async () => {
    emu.setIndexingDelay(30_000);
    await ingest([rec(1)]);
    expect((await search({ filter: window() })).page.data).toHaveLength(0);
    now += 29_999;
    expect((await search({ filter: { from: String(now - 3_600_000), to: String(now) } })).page.data).toHaveLength(0);
    now += 1;
    expect((await search({ filter: { from: String(now - 3_600_000), to: String(now) } })).page.data).toHaveLength(1);
  });

  it('sends rate-limit headers and answers 429 when the window is spent, until it resets', async () => {
    emu.configure({ searchRateLimit: { limit: 2, periodSec: 10 } });
    const a = await search({ filter: window() });
    expect(a.status).toBe(200);
    expect(a.headers.get('x-ratelimit-limit')).toBe('2');
    expect(a.headers.get('x-ratelimit-period')).toBe('10');
    expect(a.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(a.headers.get('x-ratelimit-reset')).toBe('10');
    expect(a.headers.get('x-ratelimit-name')).toEqual(expect.any(String));
    now += 4000;
    expect((await search({ filter: window() })).headers.get('x-ratelimit-remaining')).toBe('0');
    const limited = await search({ filter: window() });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset')).toBe('6');
    now += 6000;
    expect((await search({ filter: window() })).status).toBe(200);
  });
});

/** A search over node:http, which (unlike fetch) neither asks for nor inflates gzip: the answer's bytes as sent. */
function rawSearch(body: unknown, extra: Record<string, string>): Promise<{ encoding?: string; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${emu.url}/api/v2/logs/events/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...KEYS, ...extra },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const encoding = res.headers['content-encoding'];
        resolve({ ...(encoding !== undefined ? { encoding } : {}), bytes: Buffer.concat(chunks) });
      });
    });
    req.end(JSON.stringify(body));
  });
}

describe('gzip answers (accept-encoding)', () => {
  it('gzips a search answer only when the request takes gzip, with the same JSON', async () => {
    await ingest(Array.from({ length: 200 }, (_, i) => rec(i)));
    const body = { filter: { query: `@zenml.run.id:"${RUN_ID}"`, ...window() }, page: { limit: 1000 } };
    const plain = await rawSearch(body, {});
    expect(plain.encoding).toBeUndefined();
    const zipped = await rawSearch(body, { 'accept-encoding': 'gzip, deflate' });
    expect(zipped.encoding).toBe('gzip');
    expect(zipped.bytes.length).toBeLessThan(plain.bytes.length / 5);
    const page = (b: Buffer) => {
      const v = JSON.parse(b.toString('utf8')) as Page;
      // request_id and elapsed differ between two answers.
      return { data: v.data, after: v.meta.page?.after };
    };
    expect(page(gunzipSync(zipped.bytes))).toEqual(page(plain.bytes));
    expect(page(plain.bytes).data).toHaveLength(200);
    const refused = await rawSearch(body, { 'accept-encoding': 'gzip;q=0, identity' });
    expect(refused.encoding).toBeUndefined();
    const searches = emu.requests().filter((r) => r.route === 'search');
    expect(searches.map((r) => r.answerEncoding)).toEqual([undefined, 'gzip', undefined]);
    // A short answer (no records) goes as it is.
    const none = await rawSearch(
      { ...body, filter: { ...body.filter, query: '@zenml.run.id:nope' } },
      {
        'accept-encoding': 'gzip',
      },
    );
    expect(none.encoding).toBeUndefined();
  });

  it('reads accept-encoding as HTTP does', () => {
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip('br, deflate')).toBe(false);
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('x-gzip')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('deflate, gzip ; q=0.0')).toBe(false);
  });
});

describe('GET /api/v2/logs/events', () => {
  it('takes the same filters as query parameters and follows links.next', async () => {
    await ingest([rec(1), rec(2), rec(3)]);
    const u = new URLSearchParams({
      'filter[query]': `@zenml.run.id:"${RUN_ID}"`,
      'filter[from]': String(now - 3_600_000),
      'filter[to]': String(now),
      sort: 'timestamp',
      'page[limit]': '2',
    });
    const first = await get(`${emu.url}/api/v2/logs/events?${u.toString()}`, KEYS);
    expect(first.status).toBe(200);
    const p1 = first.json as Page;
    expect(p1.data.map((d) => d.attributes.message)).toEqual(['line 1', 'line 2']);
    const second = await get(p1.links?.next as string, KEYS);
    expect((second.json as Page).data.map((d) => d.attributes.message)).toEqual(['line 3']);
  });
});

describe('GET /api/v1/validate', () => {
  it('answers like the recorded responses', async () => {
    // DataDog/datadog-api-client-typescript cassettes/v1/Authentication_4165494657/
    // Validate-API-key-returns-Forbidden-response_4013068159/recording.har: 403 {"errors":["API key required"]}
    const missing = await get(`${emu.url}/api/v1/validate`);
    expect(missing.status).toBe(403);
    expect(missing.json).toEqual({ errors: ['API key required'] });
    const wrong = await get(`${emu.url}/api/v1/validate`, { 'dd-api-key': 'nope' });
    expect(wrong.status).toBe(403);
    expect(wrong.json).toEqual({ errors: ['Forbidden'] });
    const ok = await get(`${emu.url}/api/v1/validate`, { 'dd-api-key': API_KEY });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ valid: true });
  });
});
