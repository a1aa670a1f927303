import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, readConfigText, runCli, tempHome } from './harness.js';

describe('components and stacks (built CLI, real store)', () => {
  const { home, cleanup } = tempHome();
  const cli = (...args: string[]) => runCli(args, { home });
  afterAll(cleanup);

  beforeAll(async () => {
    // First use creates the embedded default stack.
    const r = await cli('stack', 'list', '--output', 'json');
    expect(r.code).toBe(0);
  });

  it('starts with the embedded default stack of local components', async () => {
    const r = await cli('stack', 'describe', '--output', 'json');
    expect(r.code).toBe(0);
    const stack = JSON.parse(r.stdout) as {
      name: string;
      active: boolean;
      components: Record<string, { flavor: string }>;
    };
    expect(stack.name).toBe('default');
    expect(stack.active).toBe(true);
    expect(stack.components['log-store']?.flavor).toBe('local');
    expect(stack.components['artifact-store']?.flavor).toBe('local');
    expect(stack.components.orchestrator?.flavor).toBe('local');
  });

  it('registers a datadog log store with both flag spellings, caps the batch size and masks literal keys', async () => {
    const r = await cli(
      'log-store',
      'register',
      'dd',
      '--flavor',
      'datadog',
      '--api_key=literal-api-key-123',
      '--application_key',
      '{{datadog_keys.application_key}}',
      '--site=datadoghq.eu',
      '--max_export_batch_size=5000',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/above Datadog's limit of 1000/);
    expect(r.stderr).toMatch(/plain text/);
    expect(r.stderr).toMatch(/secret 'datadog_keys', which does not exist yet/);
    const d = await cli('log-store', 'describe', 'dd', '--output', 'json');
    const json = JSON.parse(d.stdout) as { config: Record<string, unknown> };
    expect(json.config).toEqual({
      api_key: '****',
      application_key: '{{datadog_keys.application_key}}',
      site: 'datadoghq.eu',
      max_export_batch_size: 1000,
    });
    expect(d.stdout).not.toContain('literal-api-key-123');
    const text = await cli('log-store', 'describe', 'dd', '--output', 'text');
    expect(text.stdout).toMatch(/^service_name: zenml \(default\)$/m);
    // Empty values say so (they were `tags:  (default)` and a bare `stacks: `).
    expect(text.stdout).toMatch(/^tags: none \(default\)$/m);
    expect(text.stdout).toMatch(/^stacks: none$/m);
    expect(text.stdout).not.toMatch(/: *$|: {2}/m);
  });

  it("caps an otel store's batch size without naming Datadog's limit (it may not point at Datadog)", async () => {
    const r = await cli(
      'log-store',
      'register',
      'collector',
      '--flavor=otel',
      '--endpoint=http://127.0.0.1:9',
      '--max_export_batch_size=5000',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: --max_export_batch_size=5000 is above dd-logstore's limit of 1000 records per OTLP request; using 1000$/m,
    );
    expect(r.stderr).not.toMatch(/Datadog/);
    const d = await cli('log-store', 'describe', 'collector', '--output', 'json');
    expect((JSON.parse(d.stdout) as { config: Record<string, unknown> }).config.max_export_batch_size).toBe(1000);
  });

  it('an empty --service_name=, --service_version= or --source= is refused; a stored empty one does not block update', async () => {
    // Before: stored, and every record shipped with an empty service (the Logs Explorer link, built with the
    // default, found none of them).
    const before = readConfigText(home);
    const reg = await cli(
      'log-store',
      'register',
      'x',
      '--flavor=otel',
      '--endpoint=http://127.0.0.1:9',
      '--service_name=',
    );
    expect(reg.code).toBe(2);
    expect(reg.stderr).toBe(
      'error: --service_name cannot be empty (give a value, or leave it out for the default (zenml))\n',
    );
    const upd = await cli('log-store', 'update', 'dd', '--source=');
    expect(upd.code).toBe(2);
    expect(upd.stderr).toBe(
      'error: --source cannot be empty (give a value, or leave it out for the default (dd-logstore): --remove-key source)\n',
    );
    expect((await cli('log-store', 'update', 'dd', '--service_version', ' ')).code).toBe(2);
    // A required key emptied by update: named as empty (it said "needs --api_key").
    const key = await cli('log-store', 'update', 'dd', '--api_key=');
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/^error: --api_key cannot be empty \(the datadog log store flavor needs it: e\.g\. /);
    expect(readConfigText(home)).toBe(before);
    // One an older version stored is left as it is: updating another key still works.
    const path = join(home, 'config.json');
    const config = JSON.parse(readFileSync(path, 'utf8')) as {
      components: Record<string, Record<string, { config: Record<string, unknown> }>>;
    };
    config.components['log-store']!.dd!.config.service_name = '';
    config.components['log-store']!.dd!.config.tags = 'team:ml,env:';
    writeFileSync(path, JSON.stringify(config));
    expect((await cli('log-store', 'update', 'dd', '--schedule_delay_millis=1000')).code).toBe(0);
    expect((await cli('log-store', 'describe', 'dd')).stdout).toMatch(/^tags: team:ml,env:$/m);
    // Given again on the command line, the tag with no value is refused.
    const tags = await cli('log-store', 'update', 'dd', '--tags=team:ml,env:');
    expect(tags.stderr).toMatch(/^error: --tags has a tag with no value, 'env:'/);
    expect(tags.code).toBe(2);
    expect((await cli('log-store', 'update', 'dd', '--remove-key', 'service_name')).code).toBe(0);
  });

  it('the top-level register alias registers a log store; update, rename and delete work', async () => {
    expect((await cli('register', 'loc2', '--flavor=local', '--path=/tmp/x')).code).toBe(0);
    expect((await cli('log-store', 'update', 'loc2', '--path', '/tmp/y')).code).toBe(0);
    const renamed = await cli('log-store', 'rename', 'loc2', 'loc3');
    expect([renamed.code, renamed.stderr]).toEqual([0, "Renamed log store 'loc2' to 'loc3'.\n"]);
    // Before: "Renamed log store 'loc3' to 'loc3'."
    const same = await cli('log-store', 'rename', 'loc3', 'loc3');
    expect([same.code, same.stderr]).toEqual([0, "Nothing to change: log store 'loc3' already has that name.\n"]);
    const list = await cli('log-store', 'list', '--output', 'text');
    expect(list.stdout).toMatch(/\tloc3\tlocal\t/);
    expect(list.stdout).not.toMatch(/\tloc2\t/);
    expect((await cli('log-store', 'delete', 'loc3')).code).toBe(0);
  });

  it('stack delete and log-store delete take --yes / -y, as secret delete and runs delete do (it was an unknown option)', async () => {
    expect((await cli('log-store', 'register', 'yes1', '--flavor=local', '--path=/tmp/yes1')).code).toBe(0);
    expect((await cli('stack', 'register', 'yes_stack', '-a', 'default', '-o', 'default', '-ls', 'yes1')).code).toBe(0);
    const stack = await cli('stack', 'delete', 'yes_stack', '--yes');
    expect([stack.code, stack.stderr]).toEqual([0, "Deleted stack 'yes_stack'.\n"]);
    const store = await cli('log-store', 'delete', 'yes1', '-y');
    expect([store.code, store.stderr]).toEqual([0, "Deleted log store 'yes1'.\n"]);
  });

  it('a leading ~ in --path is the home directory (the shell leaves it after --path=); a path under a file is refused', async () => {
    const user = join(home, 'user');
    const cliAs = (...args: string[]) => runCli(args, { home, env: { HOME: user } });
    expect((await cliAs('log-store', 'register', 'tilde', '--flavor=local', '--path=~/t7logs')).code).toBe(0);
    const path = async () =>
      (
        JSON.parse((await cli('log-store', 'describe', 'tilde', '--output', 'json')).stdout) as {
          config: { path: string };
        }
      ).config.path;
    expect(await path()).toBe(join(user, 't7logs'));
    expect((await cliAs('log-store', 'update', 'tilde', '--path=~')).code).toBe(0);
    expect(await path()).toBe(user);
    const artifacts = await cliAs('artifact-store', 'register', 'art', '--flavor=local', '--path=~/art');
    expect(artifacts.code).toBe(0);
    for (const args of [
      ['log-store', 'register', 'under-file', '--flavor=local', `--path=${BIN}/sub`],
      ['log-store', 'update', 'tilde', `--path=${BIN}/sub/deeper`],
      ['log-store', 'update', 'tilde', `--path=${BIN}`],
    ]) {
      const r = await cli(...args);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^error: --path \S+ (is under \S+dd-logstore\.js, a file|is a file, not a directory) \(give a directory/,
      );
      expect(r.code).toBe(2);
    }
    expect(await path()).toBe(user);
    expect((await cli('log-store', 'delete', 'tilde')).code).toBe(0);
    expect((await cli('artifact-store', 'delete', 'art')).code).toBe(0);
  });

  it('register --verify registers, then runs the checks: exit 0 when they pass, 1 (still registered) when not', async () => {
    const ok = await cli('log-store', 'register', 'checked', '--flavor=local', '--verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^directory\tok\t/m);
    expect(ok.stderr).toMatch(/Registered log store 'checked'.*\n.*all 2 checks passed/);
    const bad = await cli(
      'log-store',
      'register',
      'unreachable',
      '--flavor=datadog',
      '--api_key=abcd',
      '--application_key=efgh',
      '--intake_url=http://127.0.0.1:9',
      '--api_url=http://127.0.0.1:9',
      '--verify',
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/network: api\tFAILED/);
    expect((await cli('log-store', 'list', '--output', 'text')).stdout).toMatch(/\tunreachable\tdatadog\t/);
    expect((await cli('log-store', 'delete', 'unreachable')).code).toBe(0);
    expect((await cli('log-store', 'delete', 'checked')).code).toBe(0);
  });

  it('stacks: register with -ls and --set, list marks the active one, DD_LOGSTORE_STACK selects another', async () => {
    const r = await cli('stack', 'register', 'my_stack', '-a', 'default', '-o', 'default', '-ls', 'dd', '--set');
    expect(r.code).toBe(0);
    const list = await cli('stack', 'list', '--output', 'text');
    expect(list.stdout).toMatch(/^\*\tmy_stack\tdefault\tdefault\tdd$/m);
    const viaEnv = await runCli(['stack', 'describe', '--output', 'json'], {
      home,
      env: { DD_LOGSTORE_STACK: 'default' },
    });
    expect((JSON.parse(viaEnv.stdout) as { name: string }).name).toBe('default');
    // A variable naming no stack: `stack list` still lists (it is how one finds the right name), marks none, says why.
    const badEnv = await runCli(['stack', 'list', '--output', 'text'], { home, env: { DD_LOGSTORE_STACK: 'nope' } });
    expect(badEnv.code).toBe(0);
    expect(badEnv.stdout).toMatch(/^\tmy_stack\tdefault\tdefault\tdd$/m);
    expect(badEnv.stdout).not.toMatch(/^\*/m);
    expect(badEnv.stderr).toBe(
      "warning: no stack named 'nope', given by DD_LOGSTORE_STACK: no stack is active in this shell (dd-logstore stack set NAME, or fix the variable)\n",
    );
    expect((await runCli(['stack', 'describe'], { home, env: { DD_LOGSTORE_STACK: 'nope' } })).code).toBe(1);
    const rename = await cli('log-store', 'rename', 'dd', 'dd_eu');
    expect(rename.code).toBe(0);
    const d = await cli('stack', 'describe', 'my_stack', '--output', 'json');
    expect(
      (JSON.parse(d.stdout) as { components: Record<string, { name: string }> }).components['log-store']?.name,
    ).toBe('dd_eu');
    expect((await cli('stack', 'set', 'default')).code).toBe(0);
    expect((await cli('stack', 'update', 'my_stack', '-ls', 'default')).code).toBe(0);
    expect((await cli('stack', 'delete', 'my_stack')).code).toBe(0);
  });

  it('lists flavors with keys and defaults', async () => {
    const r = await cli('log-store', 'flavor', 'list', '--output', 'json');
    const rows = JSON.parse(r.stdout) as { flavor: string; key: string | null; default: unknown; required: boolean }[];
    const get = (flavor: string, key: string) => rows.find((x) => x.flavor === flavor && x.key === key);
    expect(get('datadog', 'api_key')?.required).toBe(true);
    expect(get('datadog', 'max_queue_size')?.default).toBe(100000);
    expect(get('datadog', 'schedule_delay_millis')?.default).toBe(5000);
    expect(get('otel', 'endpoint')?.required).toBe(true);
    // The local store holds segment files, not JSONL (it said "directory for the JSONL files").
    expect(r.stdout).not.toMatch(/JSONL files/);
    expect(JSON.stringify(get('local', 'path'))).toMatch(/directory for the segment files/);
  });

  it('20 concurrent registers all land', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => cli('artifact-store', 'register', `a${i}`, '--flavor=local')),
    );
    for (const r of results) expect(r.code).toBe(0);
    const config = JSON.parse(readConfigText(home)) as { components: Record<string, Record<string, unknown>> };
    for (let i = 0; i < 20; i++) expect(config.components['artifact-store']?.[`a${i}`]).toBeDefined();
  }, 120_000);
});
