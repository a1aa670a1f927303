/**
 * What a new user met on a first try (built CLI): `flush` of a spool an earlier flush emptied, the warnings for a
 * secret not created yet, and commander's own usage errors in the one-line style.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempHome } from './harness.js';

describe('first try (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const env = { DD_LOGSTORE_SECRETS_BACKEND: 'file' };
  const cli = (...args: string[]) => runCli(args, { home, env });
  afterAll(() => cleanup());

  it('flush: an emptied spool directory is nothing to flush, and needs no secret of its log store', async () => {
    const reg = await cli(
      'log-store',
      'register',
      'dd',
      '--flavor=datadog',
      '--api_key={{nokeys.api_key}}',
      '--application_key={{nokeys.app_key}}',
      '--intake_url=http://127.0.0.1:1',
      '--api_url=http://127.0.0.1:1',
    );
    expect(reg.code).toBe(0);
    const { id } = JSON.parse((await cli('log-store', 'describe', 'dd', '--output', 'json')).stdout) as { id: string };
    // What a flush that delivered everything leaves behind.
    mkdirSync(join(home, 'spool', id), { recursive: true });
    const one = await cli('flush', '--log-store', 'dd');
    expect([one.code, one.stdout, one.stderr]).toEqual([
      0,
      '',
      "nothing to flush: the spool of log store 'dd' is empty\n",
    ]);
    const all = await cli('flush');
    expect([all.code, all.stdout, all.stderr]).toEqual([0, '', 'nothing to flush: the spool is empty\n']);
    expect((await cli('flush', '--output', 'json')).stdout).toBe('[]\n');
  });
});
