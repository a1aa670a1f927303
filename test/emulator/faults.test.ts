import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createEmulator, DEFAULT_API_KEY } from './emulator.js';
import type { Emulator } from './emulator.js';
import { get, postIntake, postJson } from './test-http.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await createEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

const items = [{ message: 'hello', timestamp: Date.now() }];

describe('fault injection', () => {
  it('answers the next N requests with a status and Retry-After, then recovers', async () => {
    emu.inject('intake', { type: 'status', status: 503, count: 2, retryAfter: 3 });
    const a = await postIntake(emu.url, items, { apiKey: emu.apiKey });
    const b = await postIntake(emu.url, items, { apiKey: emu.apiKey });
    const c = await postIntake(emu.url, items, { apiKey: emu.apiKey });
    expect([a.status, b.status, c.status]).toEqual([503, 503, 202]);
    expect(a.headers.get('retry-after')).toBe('3');
    expect(emu.records()).toHaveLength(1);
    expect(emu.requests().map((r) => [r.status, r.fault])).toEqual([
      [503, 'status'],
      [503, 'status'],
      [202, undefined],
    ]);
  });

  it('answers 429 with X-RateLimit-Reset and without Retry-After', async () => {
    emu.inject('search', { type: 'status', status: 429, rateLimitReset: 7 });
    const res = await postJson(
      `${emu.url}/api/v2/logs/events/search`,
      { filter: {} },
      {
        'dd-api-key': emu.apiKey,
        'dd-application-key': emu.appKey,
      },
    );
    expect(res.status).toBe(429);
    expect(res.headers.get('x-ratelimit-reset')).toBe('7');
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('hangs a request until the client gives up', async () => {
    emu.inject('intake', { type: 'hang' });
    const started = Date.now();
    await expect(
      fetch(`${emu.url}/api/v2/logs`, {
        method: 'POST',
        headers: { 'dd-api-key': emu.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(items),
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(emu.records()).toHaveLength(0);
    expect((await postIntake(emu.url, items, { apiKey: emu.apiKey })).status).toBe(202);
  });

  it('destroys the socket', async () => {
    emu.inject('validate', { type: 'destroy' });
    await expect(fetch(`${emu.url}/api/v1/validate`, { headers: { 'dd-api-key': emu.apiKey } })).rejects.toThrow();
    expect((await get(`${emu.url}/api/v1/validate`, { 'dd-api-key': emu.apiKey })).status).toBe(200);
  });

  it('delays a request, then handles it', async () => {
    emu.inject('intake', { type: 'delay', ms: 150 });
    const started = Date.now();
    expect((await postIntake(emu.url, items, { apiKey: emu.apiKey })).status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(emu.records()).toHaveLength(1);
  });

  it('marks a search answer as timed out with a warning', async () => {
    await postIntake(emu.url, items, { apiKey: emu.apiKey });
    emu.inject('search', { type: 'search_timeout' });
    const res = await postJson(
      `${emu.url}/api/v2/logs/events/search`,
      { filter: { from: 'now-1h', to: 'now+1m' } },
      { 'dd-api-key': emu.apiKey, 'dd-application-key': emu.appKey },
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      data: [{}],
      meta: { status: 'timeout', warnings: [{ detail: expect.any(String) }] },
    });
  });
});

describe('control API under /_emulator/', () => {
  it('injects faults, sets config, lists records and requests, and resets', async () => {
    const fault = await postJson(`${emu.url}/_emulator/faults`, {
      route: 'intake',
      type: 'status',
      status: 500,
      count: 1,
    });
    expect(fault.status).toBe(200);
    expect((await postIntake(emu.url, items, { apiKey: emu.apiKey })).status).toBe(500);
    expect((await postIntake(emu.url, items, { apiKey: emu.apiKey })).status).toBe(202);

    const records = await get(`${emu.url}/_emulator/records`);
    expect(records.json).toEqual([expect.objectContaining({ message: 'hello' })]);
    const requests = await get(`${emu.url}/_emulator/requests`);
    expect((requests.json as { status: number }[]).map((r) => r.status)).toEqual([500, 202]);
    expect(requests.text).not.toContain(emu.apiKey);
    expect((await get(`${emu.url}/_emulator/stats`)).json).toMatchObject({ requests: 2, recordsStored: 1 });

    const config = await postJson(`${emu.url}/_emulator/config`, { indexingDelayMs: 5000, apiKeys: ['k2'] });
    expect(config.json).toMatchObject({ indexingDelayMs: 5000, apiKeys: ['k2'] });
    expect((await postIntake(emu.url, items, { apiKey: DEFAULT_API_KEY })).status).toBe(403);
    expect(emu.apiKey).toBe('k2');
    expect((await postIntake(emu.url, items, { apiKey: 'k2' })).status).toBe(202);

    expect((await postJson(`${emu.url}/_emulator/reset`, {})).status).toBe(200);
    expect(emu.records()).toHaveLength(0);
    expect(emu.requests()).toHaveLength(0);
    expect(emu.config().indexingDelayMs).toBe(0);
  });

  it('refuses malformed control requests', async () => {
    expect((await postJson(`${emu.url}/_emulator/faults`, { route: 'nowhere', type: 'hang' })).status).toBe(400);
    expect((await postJson(`${emu.url}/_emulator/faults`, { route: 'intake', type: 'explode' })).status).toBe(400);
    expect((await postJson(`${emu.url}/_emulator/config`, { indexingDelayMs: -1 })).status).toBe(400);
    expect((await get(`${emu.url}/_emulator/nothing`)).status).toBe(404);
    expect((await get(`${emu.url}/api/v9/unknown`)).status).toBe(404);
  });
});
