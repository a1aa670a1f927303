import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createEmulator } from '../../../test/emulator/emulator.js';
import type { Emulator } from '../../../test/emulator/emulator.js';
import { parseRateLimitHeaders, parseRetryAfter, searchLogs, searchTime, validateApiKey } from './api-client.js';
import { resolveDatadogRoutes } from './sites.js';
import type { DatadogRoutes } from './sites.js';

const RUN_ID = '3f2b8c1e-9d4a-4e6f-8b7a-1c2d3e4f5a6b';
let emu: Emulator;
let routes: DatadogRoutes;
let keys: { apiKey: string; appKey: string };

beforeAll(async () => {
  emu = await createEmulator({ apiKeys: ['client-api'], appKeys: ['client-app'] });
  routes = resolveDatadogRoutes({ site: 'datadoghq.com', intakeUrl: emu.url, apiUrl: `${emu.url}/` });
  keys = { apiKey: 'client-api', appKey: 'client-app' };
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

async function seed(n: number): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < n; i += 1000) {
    const items = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
      message: `line ${i + j}`,
      timestamp: now - 1000,
      service: 'zenml',
      'zenml.run.id': RUN_ID,
      'dd_logstore.seq': i + j,
    }));
    const res = await fetch(routes.intakeLogsUrl, {
      method: 'POST',
      headers: { 'dd-api-key': keys.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(items),
    });
    expect(res.status).toBe(202);
  }
}

const body = (cursor?: string) => ({
  filter: {
    query: `service:"zenml" @zenml.run.id:"${RUN_ID}"`,
    from: searchTime(Date.now() - 3_600_000),
    to: searchTime(Date.now() + 60_000),
  },
  page: { limit: 1000, ...(cursor ? { cursor } : {}) },
  sort: 'timestamp' as const,
});

describe('validateApiKey', () => {
  it('is ok for a known key and auth for an unknown one', async () => {
    expect(await validateApiKey(routes, 'client-api')).toMatchObject({
      kind: 'ok',
      status: 200,
      value: { valid: true },
    });
    expect(await validateApiKey(routes, 'wrong')).toMatchObject({ kind: 'auth', status: 403 });
    expect(emu.requests()[0]?.headers['dd-api-key']).toBe('****');
  });

  it('reports a refused connection as network', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const dead = resolveDatadogRoutes({ site: 'datadoghq.com', apiUrl: `http://127.0.0.1:${port}` });
    const out = await validateApiKey(dead, 'client-api', { timeoutMs: 2000 });
    expect(out).toMatchObject({ kind: 'network', timedOut: false });
  });
});

describe('searchLogs', () => {
  it('pages 2,500 records by cursor', async () => {
    await seed(2500);
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const out = await searchLogs(routes, keys, body(cursor));
      if (out.kind !== 'ok') throw new Error(`unexpected ${out.kind}`);
      pages++;
      for (const e of out.value.data) seen.add(e.id);
      expect(out.rateLimit).toMatchObject({ limit: expect.any(Number), remaining: expect.any(Number) });
      cursor = out.value.meta?.page?.after;
    } while (cursor !== undefined);
    expect(pages).toBe(3);
    expect(seen.size).toBe(2500);
  });

  it('returns nested attributes', async () => {
    await seed(1);
    const out = await searchLogs(routes, keys, body());
    expect(out.kind).toBe('ok');
    if (out.kind === 'ok') {
      expect(out.value.data[0]?.attributes.attributes).toEqual({
        timestamp: expect.any(Number),
        zenml: { run: { id: RUN_ID } },
        dd_logstore: { seq: 0 },
      });
    }
  });

  it('maps 403 to auth', async () => {
    const out = await searchLogs(routes, { apiKey: 'client-api', appKey: 'nope' }, body());
    expect(out).toMatchObject({ kind: 'auth', status: 403 });
  });

  it('maps 429 to rate_limited with the reset from X-RateLimit-Reset', async () => {
    emu.configure({ searchRateLimit: { limit: 1, periodSec: 30 } });
    expect((await searchLogs(routes, keys, body())).kind).toBe('ok');
    const out = await searchLogs(routes, keys, body());
    expect(out).toMatchObject({ kind: 'rate_limited', status: 429, rateLimit: { limit: 1, remaining: 0, period: 30 } });
    if (out.kind === 'rate_limited') {
      expect(out.resetSeconds).toBeGreaterThan(0);
      expect(out.resetSeconds).toBeLessThanOrEqual(30);
    }
  });

  it('falls back to Retry-After on a 429 without rate-limit headers', async () => {
    emu.inject('search', { type: 'status', status: 429, retryAfter: 4 });
    expect(await searchLogs(routes, keys, body())).toMatchObject({
      kind: 'rate_limited',
      resetSeconds: 4,
      retryAfterSeconds: 4,
    });
  });

  it('maps 400 and 5xx to http with the body', async () => {
    const bad = await searchLogs(routes, keys, { ...body(), page: { limit: 5000 } });
    expect(bad).toMatchObject({ kind: 'http', status: 400, body: expect.stringContaining('page.limit') });
    emu.inject('search', { type: 'status', status: 502 });
    expect(await searchLogs(routes, keys, body())).toMatchObject({ kind: 'http', status: 502 });
  });

  it('times out a hung request as network with timedOut', async () => {
    emu.inject('search', { type: 'hang' });
    const out = await searchLogs(routes, keys, body(), { timeoutMs: 200 });
    expect(out).toMatchObject({ kind: 'network', timedOut: true });
  });

  it('reports a caller abort as network without timedOut', async () => {
    emu.inject('search', { type: 'hang' });
    const ac = new AbortController();
    // Abort once the emulator holds the request: aborted earlier, it can arrive after the next test's reset (on a
    // loaded machine) and take that test's fault.
    const held = setInterval(() => {
      if (emu.requests().some((r) => r.route === 'search')) ac.abort();
    }, 10);
    const out = await searchLogs(routes, keys, body(), { signal: ac.signal, timeoutMs: 10_000 });
    clearInterval(held);
    expect(out).toMatchObject({ kind: 'network', timedOut: false });
  });

  it('reports a destroyed socket as network', async () => {
    emu.inject('search', { type: 'destroy' });
    expect((await searchLogs(routes, keys, body())).kind).toBe('network');
  });
});

describe('header parsing', () => {
  it('reads X-RateLimit-* and Retry-After', () => {
    expect(
      parseRateLimitHeaders({
        'x-ratelimit-limit': '10',
        'x-ratelimit-period': '10',
        'x-ratelimit-remaining': '9',
        'x-ratelimit-reset': '5',
        'x-ratelimit-name': 'logs_list',
      }),
    ).toEqual({ limit: 10, period: 10, remaining: 9, reset: 5, name: 'logs_list' });
    expect(parseRateLimitHeaders({ 'content-type': 'application/json' })).toBeUndefined();
    expect(parseRateLimitHeaders({ 'x-ratelimit-reset': 'soon' })).toBeUndefined();
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(new Date(1_000_000 + 3000).toUTCString(), 1_000_000)).toBe(3);
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
