/**
 * `dd-logstore ui` over plain HTTP (no browser): the token, 127.0.0.1 only, no path out of the assets, paging of
 * records, the flags' errors, and a clean stop on SIGTERM. The built CLI, a real local store in a temp home.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { runCli, tempHome } from '../cli/harness.js';
import { startUi } from './harness.js';
import type { UiProcess } from './harness.js';

const SECRET_LINE = 'the-log-line-that-must-not-leak';

/** A GET with full control of the headers (fetch would not let a test set Host). */
function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(2000, () => {
      s.destroy();
      resolve(false);
    });
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('dd-logstore ui (built CLI, HTTP)', () => {
  const { home, cleanup } = tempHome('ddls-ui-http-');
  let ui: UiProcess;
  const api = (path: string) => `${ui.base}${path}${path.includes('?') ? '&' : '?'}token=${ui.token}`;

  beforeAll(async () => {
    const script = `for (let i = 0; i < 1200; i++) console.log(i % 100 === 5 ? 'ERROR: ${SECRET_LINE} ' + i : 'line ' + i);`;
    const r = await runCli(['run', '--run-id', 'paged', '--step', 'train', '--', 'node', '-e', script], { home });
    expect(r.code).toBe(0);
    ui = await startUi(home);
  });
  afterAll(async () => {
    await ui?.stop();
    cleanup();
  });

  it('prints a URL on 127.0.0.1 with a token, and listens on 127.0.0.1 only', async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    const port = Number(new URL(ui.base).port);
    expect(await canConnect('127.0.0.1', port)).toBe(true);
    expect(await canConnect('::1', port)).toBe(false);
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const address of external) expect(await canConnect(address, port)).toBe(false);
  });

  it('answers 401 without the token and 403 with a wrong one, with no data', async () => {
    for (const path of [
      '/',
      '/runs/paged',
      '/api/runs',
      '/api/runs/paged',
      '/api/runs/paged/records',
      '/static/run.js',
    ]) {
      const none = await get(`${ui.base}${path}`);
      expect(none.status).toBe(401);
      expect(none.body).not.toContain(SECRET_LINE);
      expect(none.body).not.toContain('paged');
      const wrong = await get(`${ui.base}${path}?token=not-the-token`);
      expect(wrong.status).toBe(403);
      expect(wrong.body).not.toContain(SECRET_LINE);
      const badCookie = await get(`${ui.base}${path}`, { Cookie: `dd_logstore_ui_${new URL(ui.base).port}=guess` });
      expect(badCookie.status).toBe(403);
    }
  });

  it('trades the token in the URL for an HttpOnly SameSite=Strict cookie, then serves with the cookie', async () => {
    const first = await get(`${ui.base}/runs/paged?token=${ui.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/runs/paged');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await get(`${ui.base}/runs/paged`, { Cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('refuses a Host that is not 127.0.0.1 or localhost (DNS rebinding)', async () => {
    const r = await get(api('/api/runs'), { Host: 'attacker.example:80' });
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('paged');
  });

  it('serves nothing outside its assets and the store', async () => {
    for (const path of [
      '/static/../../package.json',
      '/static/%2e%2e/%2e%2e/package.json',
      '/static/..%2f..%2fpackage.json',
      '/static/server.js',
      '/runs/..%2f..%2fconfig.json',
      '/api/runs/..%2fconfig',
      '/api/runs/%2e%2e',
    ]) {
      const r = await get(`${ui.base}${path}`, { Cookie: `dd_logstore_ui_${new URL(ui.base).port}=${ui.token}` });
      expect([400, 404]).toContain(r.status);
      expect(r.body).not.toContain('"name": "dd-logstore"');
      expect(r.body).not.toContain('schemaVersion');
    }
  });

  it('lists the run and serves its records a page at a time, in order, filtered by level and text', async () => {
    const runs = JSON.parse((await get(api('/api/runs'))).body) as { runs: { runId: string; status: string }[] };
    expect(runs.runs.map((r) => [r.runId, r.status])).toEqual([['paged', 'ok']]);
    type Page = { records: { message: string; level: string }[]; total: number; offset: number; next?: string };
    const first = JSON.parse((await get(api('/api/runs/paged/records?limit=500'))).body) as Page;
    expect(first.total).toBe(1200);
    expect(first.records).toHaveLength(500);
    expect(first.records[0]!.message).toBe('line 0');
    expect(first.next).toBe('o:500');
    const last = JSON.parse((await get(api('/api/runs/paged/records?limit=500&cursor=end'))).body) as Page;
    expect(last.offset).toBe(700);
    expect(last.records.at(-1)!.message).toBe('line 1199');
    const huge = JSON.parse((await get(api('/api/runs/paged/records?limit=100000'))).body) as Page;
    expect(huge.records).toHaveLength(1000); // never the whole run
    const errors = JSON.parse((await get(api('/api/runs/paged/records?levels=error'))).body) as Page;
    expect(errors.total).toBe(12);
    expect(errors.records.every((r) => r.level === 'error')).toBe(true);
    const text = JSON.parse((await get(api('/api/runs/paged/records?text=LINE%20119'))).body) as Page;
    expect(text.records.map((r) => r.message)).toEqual([
      'line 119',
      ...Array.from({ length: 10 }, (_, d) => `line 119${d}`),
    ]);
    const h = JSON.parse((await get(api('/api/runs/paged/histogram?buckets=10'))).body) as { counts: number[][] };
    expect(h.counts).toHaveLength(10);
    expect(h.counts.reduce((n, c) => n + c[3]!, 0)).toBe(12);
    expect(h.counts.reduce((n, c) => n + c.reduce((a, b) => a + b, 0), 0)).toBe(1200);
    // As logs --level: any case, and warning for warn.
    const warned = JSON.parse((await get(api('/api/runs/paged/records?levels=ERROR,warning'))).body) as Page;
    expect(warned.total).toBe(12);
  });

  it('answers 400 naming a parameter it does not understand (it ignored it: every level, or the first page again)', async () => {
    const cases: [string, string][] = [
      [
        '/api/runs/paged/records?levels=bogus',
        "levels: unknown level 'bogus' (levels: debug, info, warn, error, critical)",
      ],
      [
        '/api/runs/paged/records?cursor=garbage',
        "cursor: 'garbage' is not a cursor this server gave (use a page's next or resume)",
      ],
      ['/api/runs/paged/records?cursor=o:abc', "cursor: 'o:abc' is not a cursor"],
      ['/api/runs/paged/records?limit=0', "limit: must be a whole number of at least 1, got '0'"],
      ['/api/runs/paged/records?limit=-3', "limit: must be a whole number of at least 1, got '-3'"],
      ['/api/runs/paged/records?limit=2.5', 'limit: must be a whole number'],
      ['/api/runs/paged/histogram?buckets=0', "buckets: must be a whole number from 1 to 500, got '0'"],
      ['/api/runs/paged/histogram?buckets=501', 'buckets: must be a whole number from 1 to 500'],
      ['/api/runs/paged/histogram?levels=nope', "levels: unknown level 'nope'"],
    ];
    for (const [path, error] of cases) {
      const r = await get(api(path));
      expect([path, r.status]).toEqual([path, 400]);
      expect((JSON.parse(r.body) as { error: string }).error).toContain(error);
    }
  });

  it('answers 404 for a run that is not there', async () => {
    expect((await get(api('/api/runs/nope'))).status).toBe(404);
    expect((await get(api('/api/runs/nope/records'))).status).toBe(404);
  });

  // Last: it stops the server the tests above used (one start less than a server of its own).
  it('stops cleanly on SIGTERM', async () => {
    const end = await ui.stop();
    expect(end).toEqual({ code: 0, signal: null });
    expect(ui.stderr()).toContain('stopping');
  });
});

describe('dd-logstore ui flags', () => {
  const { home, cleanup } = tempHome('ddls-ui-flags-');
  afterAll(cleanup);

  it('rejects a bad --port with a usage error naming the flag', async () => {
    const r = await runCli(['ui', '--no-open', '--port', '70000'], { home });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --port must be a whole number from 0 to 65535, got '70000'/);
  });

  it('rejects an unknown --log-store, listing the ones there are', async () => {
    const r = await runCli(['ui', '--no-open', '--log-store', 'nope'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no log store named 'nope'.*default/);
  });

  it('says which port is taken', async () => {
    const ui = await startUi(home);
    try {
      const r = await runCli(['ui', '--no-open', '--port', new URL(ui.base).port], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/port \d+ on 127\.0\.0\.1 is in use \(pick another with --port N/);
    } finally {
      await ui.stop();
    }
  });
});
