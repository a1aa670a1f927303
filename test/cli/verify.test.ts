import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createEmulator } from '../emulator/emulator.js';
import type { Emulator } from '../emulator/emulator.js';
import { runCli, tempHome } from './harness.js';
import type { CliResult } from './harness.js';

const API_KEY = 'verify-test-api-key-0123456789';
const APP_KEY = 'verify-test-app-key-0123456789';

interface Row {
  check: string;
  ok: boolean;
  result: 'ok' | 'FAILED' | 'skipped';
  detail: string;
  hint: string | null;
}

function rowsOf(r: CliResult): Row[] {
  return JSON.parse(r.stdout) as Row[];
}

function rowNamed(rows: Row[], check: string): Row {
  const found = rows.find((r) => r.check === check);
  if (!found) throw new Error(`no row '${check}' in ${JSON.stringify(rows)}`);
  return found;
}

/** A port that refuses connections: opened by us, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

describe('log-store verify (built CLI vs the Datadog emulator)', () => {
  const { home, cleanup } = tempHome();
  let emu: Emulator;
  const keysEnv = (api = API_KEY, app = APP_KEY): NodeJS.ProcessEnv => ({
    DD_LOGSTORE_SECRET_DD_KEYS_API_KEY: api,
    DD_LOGSTORE_SECRET_DD_KEYS_APPLICATION_KEY: app,
  });
  const cli = (args: string[], env: NodeJS.ProcessEnv = keysEnv()): Promise<CliResult> =>
    runCli(args, { home, env, timeoutMs: 45_000 });
  const noSecretsIn = (r: CliResult, ...values: string[]): void => {
    for (const v of values) {
      expect(r.stdout).not.toContain(v);
      expect(r.stderr).not.toContain(v);
    }
  };

  beforeAll(async () => {
    emu = await createEmulator({ apiKeys: [API_KEY], appKeys: [APP_KEY] });
    const refs = ['--api_key={{dd_keys.api_key}}', '--application_key={{dd_keys.application_key}}'];
    const at = (url: string) => [`--intake_url=${url}`, `--api_url=${url}`];
    const reg = async (...args: string[]) => {
      const r = await cli(['log-store', 'register', ...args]);
      expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 }); // stderr shown when it fails
    };
    await reg('dd', '--flavor=datadog', ...refs, '--site=datadoghq.eu', ...at(emu.url));
    const dead = `http://127.0.0.1:${await closedPort()}`;
    await reg('dead', '--flavor=datadog', ...refs, ...at(dead));
    await reg('nosecret', '--flavor=datadog', '--api_key={{missing.api_key}}', ...refs.slice(1), ...at(emu.url));
    await reg('otel_ok', '--flavor=otel', `--endpoint=${emu.url}`, '--headers=dd-api-key={{dd_keys.api_key}}');
    await reg('otel_noauth', '--flavor=otel', `--endpoint=${emu.url}`);
  });
  afterAll(async () => {
    await emu.close();
    cleanup();
  });
  beforeEach(() => emu.reset());

  it('all green with good keys: every check ok, exit 0, keys never printed', async () => {
    const r = await cli(['log-store', 'verify', 'dd', '--output', 'json']);
    expect(r.code).toBe(0);
    const rows = rowsOf(r);
    expect(rows.map((x) => x.check)).toEqual([
      'secret references',
      'network: api',
      'network: intake',
      'api key',
      'application key',
    ]);
    expect(rows.every((x) => x.ok && x.result === 'ok' && x.hint === null)).toBe(true);
    expect(rowNamed(rows, 'api key').detail).toMatch(/accepted by datadoghq\.eu/);
    expect(r.stderr).toMatch(/all 5 checks passed/);
    // validate, then a one-record search over the last 15 minutes; nothing sent to the intake without --roundtrip.
    expect(emu.requests().map((q) => q.route)).toEqual(['validate', 'search']);
    expect(emu.records()).toHaveLength(0);
    noSecretsIn(r, API_KEY, APP_KEY);
  });

  it('piped output without --output is one tab-separated line per check', async () => {
    const r = await cli(['log-store', 'verify', 'dd']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^api key\tok\taccepted by datadoghq\.eu[^\n]*\t$/m);
    expect(r.stdout.trim().split('\n')).toHaveLength(5);
  });

  it('a bad API key: one FAILED row naming the site in use and the API Keys page; exit 1', async () => {
    const bad = 'wrong-api-key-not-known-777';
    const r = await cli(['log-store', 'verify', 'dd', '--output', 'json'], keysEnv(bad));
    expect(r.code).toBe(1);
    const rows = rowsOf(r);
    expect(rows.filter((x) => x.result === 'FAILED').map((x) => x.check)).toEqual(['api key']);
    const row = rowNamed(rows, 'api key');
    expect(row.ok).toBe(false);
    expect(row.detail).toMatch(/rejected by datadoghq\.eu .*is datadoghq\.eu your Datadog site\?/);
    expect(row.hint).toMatch(/Organization Settings -> API Keys/);
    expect(row.hint).toMatch(/--site=/);
    expect(rowNamed(rows, 'application key').result).toBe('skipped');
    expect(r.stderr).toMatch(/1 of 5 checks failed/);
    noSecretsIn(r, bad, APP_KEY);
  });

  it('an application key the emulator does not know: FAILED naming logs_read_data; exit 1', async () => {
    const bad = 'wrong-app-key-not-known-888';
    const r = await cli(['log-store', 'verify', 'dd', '--roundtrip', '--output', 'json'], keysEnv(API_KEY, bad));
    expect(r.code).toBe(1);
    const rows = rowsOf(r);
    expect(rows.filter((x) => x.result === 'FAILED').map((x) => x.check)).toEqual(['application key']);
    const row = rowNamed(rows, 'application key');
    expect(row.detail).toMatch(/logs_read_data/);
    expect(row.detail).toMatch(/HTTP 403/);
    expect(row.hint).toMatch(/Application Keys/);
    expect(rowNamed(rows, 'api key').result).toBe('ok');
    expect(rowNamed(rows, 'roundtrip').result).toBe('skipped');
    expect(emu.records()).toHaveLength(0);
    noSecretsIn(r, API_KEY, bad);
  });

  it('an unreachable host: network rows FAILED naming the URL and intake_url/api_url; later checks skipped', async () => {
    const r = await cli(['log-store', 'verify', 'dead', '--roundtrip', '--output', 'json']);
    expect(r.code).toBe(1);
    const rows = rowsOf(r);
    const api = rowNamed(rows, 'network: api');
    expect(api.result).toBe('FAILED');
    expect(api.detail).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/api\/v1\/validate: ECONNREFUSED/);
    expect(api.hint).toMatch(/api_url/);
    expect(rowNamed(rows, 'network: intake').detail).toMatch(/\/api\/v2\/logs: ECONNREFUSED/);
    expect(rowNamed(rows, 'network: intake').hint).toMatch(/intake_url/);
    for (const check of ['api key', 'application key', 'roundtrip'])
      expect(rowNamed(rows, check).result).toBe('skipped');
  });

  it('--roundtrip sends one record and reports the indexing delay set in the emulator', async () => {
    emu.setIndexingDelay(1500);
    const r = await cli(['log-store', 'verify', 'dd', '--roundtrip', '--output', 'json']);
    expect(r.code).toBe(0);
    const row = rowNamed(rowsOf(r), 'roundtrip');
    expect(row.result).toBe('ok');
    const ms = Number(/readable after (\d+) ms/.exec(row.detail)?.[1]);
    expect(ms).toBeGreaterThanOrEqual(1500);
    // The figure is the indexing delay, not the 60 s timeout (a loose bound: machines here are noisy).
    expect(ms).toBeLessThan(15_000);
    const records = emu.records();
    expect(records).toHaveLength(1);
    const id = /verify_id ([0-9a-f-]{36})/.exec(r.stderr)?.[1];
    expect(id).toBeDefined();
    expect(records[0]?.message).toContain(id);
    expect(records[0]?.service).toBe('zenml');
    expect(JSON.stringify(records[0])).toContain(id);
    // Tagged so it can be excluded, and the output says how: the query it prints finds exactly it.
    expect(records[0]?.tags).toContain('dd_logstore.verify:true');
    expect(r.stderr).toContain('find verify records: service:zenml dd_logstore.verify:true');
    expect(r.stderr).toContain('exclude them: -dd_logstore.verify:true');
    const found = await fetch(`${emu.url}/api/v2/logs/events/search`, {
      method: 'POST',
      headers: { 'dd-api-key': API_KEY, 'dd-application-key': APP_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        filter: { query: 'service:zenml dd_logstore.verify:true', from: 'now-1h', to: 'now+1h' },
      }),
    });
    expect(((await found.json()) as { data: unknown[] }).data).toHaveLength(1);
    noSecretsIn(r, API_KEY, APP_KEY);
  });

  it('--roundtrip fails with exit 1 when the record is not readable within --timeout', async () => {
    emu.setIndexingDelay(60_000);
    const r = await cli(['log-store', 'verify', 'dd', '--roundtrip', '--timeout', '1500ms', '--output', 'json']);
    expect(r.code).toBe(1);
    const row = rowNamed(rowsOf(r), 'roundtrip');
    expect(row.result).toBe('FAILED');
    expect(row.detail).toMatch(/accepted but could not be read back within 1\.5 s/);
    expect(row.hint).toMatch(/--timeout/);
  });

  it("--roundtrip goes the way run ships: an OTLP store's record to /v1/logs, and an HTTP 200 that is no intake's answer fails", async () => {
    const refs = ['--api_key={{dd_keys.api_key}}', '--application_key={{dd_keys.application_key}}'];
    const reg = await cli(
      ['log-store', 'register', 'dd_otlp', '--flavor=datadog', '--protocol=otlp', '--tags=env:prod', ...refs].concat([
        `--intake_url=${emu.url}`,
        `--api_url=${emu.url}`,
      ]),
    );
    expect(reg.code).toBe(0);
    const ok = await cli(['log-store', 'verify', 'dd_otlp', '--roundtrip', '--output', 'json']);
    expect(rowNamed(rowsOf(ok), 'roundtrip').result).toBe('ok');
    expect(emu.requests().filter((q) => q.route === 'otlp')).toHaveLength(1);
    expect(emu.requests().filter((q) => q.route === 'intake')).toHaveLength(0);
    // And run's records carry the tags there too (as ddtags: without it, OTLP records had none).
    emu.reset();
    const run = await cli([
      'run',
      '--log-store',
      'dd_otlp',
      '--run-id',
      'otlp-tags',
      '--tag',
      'team:ml',
      '--',
      'echo',
      'x',
    ]);
    expect(run.code).toBe(0);
    expect(emu.records().map((r) => r.tags)).toEqual([expect.arrayContaining(['env:prod', 'team:ml'])]);
    // The OTLP route refuses the key: verify says so (it passed, on the intake's route, while every run failed).
    emu.inject('otlp', { type: 'status', status: 403, count: 100 });
    const refused = await cli(['log-store', 'verify', 'dd_otlp', '--roundtrip', '--output', 'json']);
    expect(refused.code).toBe(1);
    expect(rowNamed(rowsOf(refused), 'roundtrip')).toMatchObject({ result: 'FAILED' });
    expect(rowNamed(rowsOf(refused), 'roundtrip').detail).toContain('/v1/logs refused the record');
    // A proxy's login page (HTTP 200): not "accepted ... could not be read back" (it said HTTP 202).
    emu.reset();
    emu.inject('intake', { type: 'status', status: 200, body: '<!DOCTYPE html><html>login</html>', count: 100 });
    const html = await cli(['log-store', 'verify', 'dd', '--roundtrip', '--timeout', '3s', '--output', 'json']);
    expect(html.code).toBe(1);
    const row = rowNamed(rowsOf(html), 'roundtrip');
    expect(row.result).toBe('FAILED');
    expect(row.detail).not.toMatch(/accepted/);
    // Not "cannot reach" (the network row passed), and not sent again: a login page does not go away in seconds.
    expect(row.detail).toMatch(
      /^something between here and \S+ answered instead of the intake: HTTP 200 that is not the Datadog intake's answer/,
    );
    expect(row.hint).toMatch(/intake_url overrides the site's host/);
    expect(emu.requests().filter((q) => q.route === 'intake')).toHaveLength(1);
  });

  it('--roundtrip retries a 429 or 503 as run does, and a search 429 is waited out, not a bad application key', async () => {
    emu.inject('intake', { type: 'status', status: 503, count: 1 });
    emu.inject('search', { type: 'status', status: 429, count: 1, rateLimitReset: 1 });
    const r = await cli(['log-store', 'verify', 'dd', '--roundtrip', '--timeout', '20s', '--output', 'json']);
    expect(r.code).toBe(0);
    expect(rowNamed(rowsOf(r), 'application key').result).toBe('ok');
    expect(rowNamed(rowsOf(r), 'roundtrip').result).toBe('ok');
    expect(r.stderr).toContain('Datadog rate limit reached; waiting 1s');
  });

  it('--timeout bounds the roundtrip send: an intake that never answers fails within it (each attempt took 15 s)', async () => {
    emu.inject('intake', { type: 'hang', count: 10 });
    const started = Date.now();
    const r = await cli(['log-store', 'verify', 'dd', '--roundtrip', '--timeout', '2s', '--output', 'json']);
    expect(r.code).toBe(1);
    const row = rowNamed(rowsOf(r), 'roundtrip');
    expect(row.result).toBe('FAILED');
    // The budget named as the flag that set it (it said export_timeout_millis, which verify does not use).
    expect(row.detail).not.toMatch(/export_timeout_millis/);
    // Each attempt took 15 s before: a bound far from both (a CLI start and three checks on a loaded machine).
    expect(Date.now() - started).toBeLessThan(12_000);
  });

  it('a missing secret: FAILED naming the reference and how to create it; nothing is sent', async () => {
    const r = await cli(['log-store', 'verify', 'nosecret', '--output', 'json'], {
      ...keysEnv(),
      DD_LOGSTORE_SECRETS_BACKEND: 'file',
    });
    expect(r.code).toBe(1);
    const rows = rowsOf(r);
    const row = rowNamed(rows, 'secret references');
    expect(row.result).toBe('FAILED');
    expect(row.detail).toMatch(/\{\{missing\.api_key\}\}.*secret 'missing' does not exist/);
    expect(row.hint).toMatch(/dd-logstore secret create missing --api_key=\.\.\..*DD_LOGSTORE_SECRET_MISSING_API_KEY/);
    // The hosts are still checked (a TCP connection needs no secret); the key checks wait for the reference.
    expect(rowNamed(rows, 'network: api').result).toBe('ok');
    expect(rowNamed(rows, 'network: intake').result).toBe('ok');
    expect(rowNamed(rows, 'api key').result).toBe('skipped');
    expect(rowNamed(rows, 'application key').result).toBe('skipped');
    expect(emu.requests()).toHaveLength(0);
    // Without the dd_keys variables both references fail: the hint names both variables (it named the first).
    const both = await cli(['log-store', 'verify', 'nosecret', '--output', 'json'], {
      DD_LOGSTORE_SECRETS_BACKEND: 'file',
    });
    const hint = rowNamed(rowsOf(both), 'secret references').hint;
    expect(hint).toContain('DD_LOGSTORE_SECRET_MISSING_API_KEY');
    expect(hint).toContain('; also set DD_LOGSTORE_SECRET_DD_KEYS_APPLICATION_KEY');
  });

  it('--output table fits a COLUMNS-wide terminal: long hints wrap, URLs stay whole', async () => {
    const r = await cli(['log-store', 'verify', 'dead', '--output', 'table'], { ...keysEnv(), COLUMNS: '100' });
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    expect(r.stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/api\/v1\/validate:/);
    // The hint that was one 120-character cell is now on several lines of its column.
    expect(lines.filter((l) => /intake_url|proxy or|emulator it/.test(l)).length).toBeGreaterThan(1);
    const wide = await cli(['log-store', 'verify', 'dead', '--output', 'table']);
    expect(Math.max(...wide.stdout.split('\n').map((l) => l.length))).toBeGreaterThan(100);
  });

  it('local: the directory is writable; otel: the endpoint accepts an empty OTLP export, or says why not', async () => {
    const local = await cli(['log-store', 'verify', 'default', '--output', 'json']);
    expect(local.code).toBe(0);
    expect(rowNamed(rowsOf(local), 'directory').detail).toMatch(/is writable/);

    const ok = await cli(['log-store', 'verify', 'otel_ok', '--output', 'json']);
    expect(ok.code).toBe(0);
    expect(rowNamed(rowsOf(ok), 'otlp endpoint').detail).toMatch(/HTTP 200/);
    expect(emu.records()).toHaveLength(0);
    // A reference as one header's value is a reference like any other, for verify and for describe --resolve-check.
    expect(rowNamed(rowsOf(ok), 'secret references').detail).toBe('headers[dd-api-key] ({{dd_keys.api_key}}) resolve');
    const described = await cli(['log-store', 'describe', 'otel_ok', '--resolve-check', '--output', 'json']);
    expect(described.code).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({ references: [{ key: 'headers[dd-api-key]', ok: true }] });
    const missing = await cli(['log-store', 'describe', 'otel_ok', '--resolve-check'], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/headers\[dd-api-key\]/);

    const noauth = await cli(['log-store', 'verify', 'otel_noauth', '--output', 'json']);
    expect(noauth.code).toBe(1);
    const row = rowNamed(rowsOf(noauth), 'otlp endpoint');
    expect(row.detail).toMatch(/refused the request \(HTTP 401/);
    expect(row.hint).toMatch(/--headers=/);
    noSecretsIn(ok, API_KEY);
  });

  it('usage errors exit 2; an unknown log store exits 1 naming the ones that exist', async () => {
    const bad = await cli(['log-store', 'verify', 'dd', '--timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--timeout must be a duration/);
    const missing = await cli(['log-store', 'verify', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no log store named 'nope'.*registered log stores: .*dd/);
  });
});
