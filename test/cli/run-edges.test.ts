/** Awkward situations around `run` and the run records, found by trying to break the CLI (built CLI, local store). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, cliEnv, runCli, tempHome } from './harness.js';

describe('run: edges', () => {
  const { home, cleanup } = tempHome();
  const cli = (...args: string[]) => runCli(args, { home, timeoutMs: 30_000 });

  beforeAll(async () => {
    expect((await cli('log-store', 'register', 'other', '--flavor=local')).code).toBe(0);
  });
  afterAll(cleanup);

  it('output still queued on a slow pipe when the command is done is all written before the process exits', async () => {
    // The bin ends the process at once when a command is done (no teardown of Node's heap), but only once nothing
    // is left queued on stdout: here the reader sleeps first, so most of ~190 KB (30,000 lines) is still queued.
    expect((await cli('run', '--run-id', 'queued', '--', 'seq', '1', '30000')).code).toBe(0);
    for (const argv of [
      ['run', '-q', '--', 'seq', '1', '30000'],
      ['logs', '--run-id', 'queued', '--output', 'text'],
    ]) {
      const shell = `"$0" "$@" | (sleep 1; wc -l)`;
      const r = spawnSync('sh', ['-c', shell, process.execPath, BIN, ...argv], {
        env: cliEnv(home),
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect([argv[0], r.status, r.stdout.trim()]).toEqual([argv[0], 0, '30000']);
    }
  });

  it('a run id recorded in another log store: exit 125 before the child starts, naming both stores', async () => {
    expect((await cli('run', '--run-id', 'two-stores', '--step', 'a', '--', 'echo', 'first')).code).toBe(0);
    const r = await cli('run', '--run-id', 'two-stores', '--step', 'b', '--log-store', 'other', '--', 'echo', 'second');
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/run 'two-stores' ships to log store 'default', not 'other'.*--log-store default/);
  });

  it('a run id recorded in a log store deleted since and registered again under its name: both ids, not one name twice', async () => {
    expect((await cli('log-store', 'register', 'again', '--flavor=local')).code).toBe(0);
    expect((await cli('run', '--run-id', 'reborn', '--log-store', 'again', '--', 'echo', 'first')).code).toBe(0);
    expect((await cli('log-store', 'delete', 'again')).code).toBe(0);
    expect((await cli('log-store', 'register', 'again', '--flavor=local')).code).toBe(0);
    const r = await cli('run', '--run-id', 'reborn', '--log-store', 'again', '--', 'echo', 'second');
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /run 'reborn' ships to the log store that was named 'again' when it began \(id [0-9a-f-]{36}\), not the 'again' registered since \(id [0-9a-f-]{36}\).*another --run-id/,
    );
    expect(r.stderr).not.toContain('--log-store again');
    // Read back: the run's store is gone, and the namesake is named as a store to read from on purpose only.
    const read = await cli('logs', '--run-id', 'reborn');
    expect(read.code).toBe(1);
    expect(read.stderr).toContain(
      "the log store of run reborn ('again') is no longer registered; 'again' is another one registered since",
    );
    expect(read.stderr).toContain('pass --log-store again');
    const named = await cli('logs', '--run-id', 'reborn', '--log-store', 'again');
    // Local stores keep records under the home's logs/ by run id: this namesake holds the run's first step.
    expect([named.code, named.stdout.endsWith(' first\n')]).toEqual([0, true]);
  });

  it('a run record that is JSON but not a run record: one line naming the file; runs list skips it', async () => {
    const file = join(home, 'runs', 'odd.json');
    writeFileSync(file, '{"foo":1}\n');
    const described = await cli('runs', 'describe', 'odd');
    expect(described.code).toBe(1);
    expect(described.stderr).toContain(`the run record ${file} is not a run record (no runId)`);
    const listed = await cli('runs', 'list', '--output', 'text');
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain(file);
    const joined = await cli('run', '--run-id', 'odd', '--', 'echo', 'x');
    expect(joined.code).toBe(125);
    expect(joined.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe('{"foo":1}\n');
  });

  it('logs --last is the run started last, not the record written last', async () => {
    expect((await cli('run', '--run-id', 'first-run', '--', 'echo', 'from the first run')).code).toBe(0);
    expect((await cli('run', '--run-id', 'second-run', '--', 'echo', 'from the second run')).code).toBe(0);
    // flush or a restore rewrites an older record: its file is now the newest.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(home, 'runs', 'first-run.json'), later, later);
    const r = await cli('logs', '--last', '--output', 'text');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('from the second run');
    expect(r.stdout).not.toContain('from the first run');
    // A step that joins the first run id later makes that run the last one.
    expect((await cli('run', '--run-id', 'first-run', '--step', 'b', '--', 'echo', 'a later step')).code).toBe(0);
    const again = await cli('logs', '--last', '--output', 'text');
    expect(again.stdout).toContain('a later step');
    expect(again.stdout).not.toContain('from the second run');
  });

  it('a required key missing from a hand-edited config: exit 125 before the child starts, naming key and store', async () => {
    expect(
      (await cli('log-store', 'register', 'dd', '--flavor=datadog', '--api_key=abc', '--application_key=defg')).code,
    ).toBe(0);
    const configFile = join(home, 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as {
      components: { 'log-store': Record<string, { config: Record<string, unknown> }> };
    };
    delete config.components['log-store'].dd?.config.api_key;
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const r = await cli('run', '--log-store', 'dd', '--', 'echo', 'never printed');
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/log store 'dd' has no api_key.*log-store update dd --api_key=/);
  });

  it('log-store delete is refused while records wait in its spool; --force drops them', async () => {
    const dead = ['--intake_url=http://127.0.0.1:9', '--api_url=http://127.0.0.1:9', '--export_timeout_millis=500'];
    expect(
      (
        await cli(
          'log-store',
          'register',
          'down',
          '--flavor=datadog',
          '--api_key=abcd',
          '--application_key=efgh',
          ...dead,
        )
      ).code,
    ).toBe(0);
    const r = await cli('run', '--log-store', 'down', '--', 'echo', 'kept');
    expect(r.stderr).toMatch(/1 spooled/);
    const refused = await cli('log-store', 'delete', 'down');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/log store 'down' still has 1 spool file.*flush --log-store down.*--force/);
    expect((await cli('log-store', 'list', '--output', 'text')).stdout).toMatch(/\tdown\t/);
    const forced = await cli('log-store', 'delete', 'down', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/its spool \(1 file of undelivered records dropped\)/);
    // Nothing is left for a later flush to trip over.
    const flushed = await cli('flush');
    expect(flushed.stderr).not.toMatch(/no longer exists/);
  });

  it('a JSON line whose timestamp is no time at all (1e30): recorded with the read time, exit 0, the step ended', async () => {
    const r = await cli('run', '--run-id', 'bogus-time', '--', 'echo', '{"message":"x","timestamp":1e30}');
    expect(r.code).toBe(0);
    const described = JSON.parse((await cli('runs', 'describe', 'bogus-time', '--output', 'json')).stdout) as {
      steps: { endedAt?: string; counts: { read: number } }[];
    };
    expect(described.steps[0]?.endedAt).toBeDefined();
    expect(described.steps[0]?.counts.read).toBe(1);
  });

  it("an unknown subcommand two levels down points to its parent's help", async () => {
    const r = await cli('log-store', 'flavor', 'bogus');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("see 'dd-logstore log-store flavor --help'");
  });

  it('a run nested in another whose output the outer records: a warning that lines are stored twice; none when redirected', async () => {
    const inner = `"${process.execPath}" "${BIN}" run --step inner --`;
    const nested = await cli('run', '--run-id', 'nested-1', '--', 'sh', '-c', `${inner} echo nested-line`);
    expect(nested.code).toBe(0);
    expect(nested.stdout).toBe('nested-line\n');
    expect(nested.stderr).toMatch(/inside another dd-logstore run \(nested-1\).*stored twice/);
    const elsewhere = await cli('run', '--run-id', 'nested-2', '--', 'sh', '-c', `${inner} echo x > /dev/null`);
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.stderr).not.toMatch(/inside another/);
  });

  it('a relative DD_LOGSTORE_HOME reaches the child absolute: a nested run from another directory uses the same home', async () => {
    const { home: dir, cleanup: cleanupDir } = tempHome('ddls-rel-');
    try {
      mkdirSync(join(dir, 'h'));
      mkdirSync(join(dir, 'other'));
      const inner = `cd other && echo "$DD_LOGSTORE_HOME" && "${process.execPath}" "${BIN}" run --run-id rel-inner -- true`;
      const r = await runCli(['run', '--run-id', 'rel-outer', '--', 'sh', '-c', inner], { home: 'h', cwd: dir });
      expect([r.code, r.stdout]).toEqual([0, `${join(dir, 'h')}\n`]);
      expect(existsSync(join(dir, 'other', 'h'))).toBe(false);
      const described = await runCli(['runs', 'describe', 'rel-inner', '--output', 'json'], { home: 'h', cwd: dir });
      expect(described.code).toBe(0);
    } finally {
      cleanupDir();
    }
  });

  it('logs on a local store with a damaged record: a warning naming the file, the records before it read back', async () => {
    expect((await cli('run', '--run-id', 'damaged', '--', 'printf', 'one\\ntwo\\nthree\\n')).code).toBe(0);
    const dir = join(home, 'logs', 'damaged');
    const name = readdirSync(dir).find((n) => n.endsWith('.seg'))!;
    const file = join(dir, name);
    const bytes = readFileSync(file);
    // The frame of `two`: length, flags, time delta, seq delta, message length, message. Its flags become garbage.
    const at = bytes.indexOf('two');
    bytes[at - 4] = 0xff;
    writeFileSync(file, bytes);
    const r = await cli('logs', '--run-id', 'damaged', '--output', 'text');
    expect(r.stdout).toMatch(/one/);
    expect(r.stdout).not.toMatch(/two/);
    expect(r.stderr).toContain(`${file} is damaged at byte`);
    expect(r.stderr).toContain('the records after it cannot be read back');
  });

  it('logs on an older JSONL run with a damaged line: a warning naming the file, the other records read back', async () => {
    expect((await cli('run', '--run-id', 'seed-old', '--', 'true')).code).toBe(0);
    const seed = JSON.parse(readFileSync(join(home, 'runs', 'seed-old.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      join(home, 'runs', 'damaged-old.json'),
      JSON.stringify({ ...seed, runId: 'damaged-old', steps: [] }),
      {
        mode: 0o600,
      },
    );
    const dir = join(home, 'logs', 'damaged-old');
    mkdirSync(dir, { recursive: true });
    const item = (seq: number, message: string) =>
      JSON.stringify({
        id: `i${seq}`,
        message,
        status: 'info',
        timestamp: 1_700_000_000_000 + seq,
        'dd_logstore.seq': seq,
        'zenml.log.id': 'l',
        'zenml.run.id': 'damaged-old',
      });
    const file = join(dir, 'l.jsonl');
    writeFileSync(file, [item(0, 'one'), '{"this line": is garbled', item(2, 'three')].join('\n') + '\n');
    const r = await cli('logs', '--run-id', 'damaged-old', '--output', 'text');
    expect(r.stdout).toMatch(/one/);
    expect(r.stdout).toMatch(/three/);
    expect(r.stderr).toContain(`1 unreadable line skipped in ${file}: a damaged file`);
  });

  it('a background process holding the output after the command exited: the exit code, a warning, its late output still shown', async () => {
    // The harness reads our stdout to its end, so it also waits for what the background process prints later.
    const r = await cli('run', '-q', '--', 'bash', '-c', 'echo parent; (sleep 4; echo late) & exit 4');
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('parent\nlate\n');
    expect(r.stderr).toMatch(
      /still holds its output open.*still reaches this terminal \(or file\) but is not recorded/,
    );
  });
});
