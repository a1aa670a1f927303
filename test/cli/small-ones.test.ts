/**
 * The small things a new user trips on (built CLI): `help nosuch`, the grammar of component types, singular counts,
 * why `flush` still fails, completion of names, and which help an unknown subcommand points to.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, EMULATOR_KEYS, cliEnv, registerEmulatorLogStore, runCli, tempHome } from './harness.js';

describe('small ones (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { home, env });
  afterAll(() => cleanup());

  it('help nosuch is an unknown command, exit 2, as nosuch is', async () => {
    const r = await cli(['help', 'nosuch']);
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      '',
      "error: unknown command 'nosuch' (see 'dd-logstore --help')\n",
    ]);
    const sub = await cli(['help', 'secret', 'nosuch']);
    expect([sub.code, sub.stderr]).toEqual([2, "error: unknown command 'nosuch' (see 'dd-logstore secret --help')\n"]);
    const typo = await cli(['help', 'secrt']);
    expect([typo.code, typo.stderr]).toEqual([2, "error: unknown command 'secrt' (did you mean secret?)\n"]);
    const ok = await cli(['help', 'runs', 'delete']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Usage: dd-logstore runs delete/);
  });

  it('an unknown subcommand points to its parent help, whatever follows it', async () => {
    const r = await cli(['runs', 'nosuch', 'x', 'y']);
    expect([r.code, r.stderr]).toEqual([2, "error: unknown command 'nosuch' (see 'dd-logstore runs --help')\n"]);
    const s = await cli(['secret', 'nosuch', 'x']);
    expect(s.stderr).toBe("error: unknown command 'nosuch' (see 'dd-logstore secret --help')\n");
  });

  it('a value flag followed by -- or another flag is a missing value (exit 2, nothing run), not a value', async () => {
    for (const [args, flag, next] of [
      [['run', '--step', '--', 'echo', 'hi'], '--step', '--'],
      [['run', '--step', '--quiet', '--', 'echo', 'hi'], '--step', 'the flag --quiet'],
      [['run', '--pipeline', '-q', '--', 'echo', 'hi'], '--pipeline', 'the flag -q'],
      [['logs', '--last', '--grep', '--level', 'warn'], '--grep', 'the flag --level'],
      // A step named like the `tail` subcommand is still a value: the flags checked are those of `logs`.
      [['logs', '--step', 'tail', '--last', '--grep', '-f'], '--grep', 'the flag -f'],
    ] as const) {
      const r = await cli([...args]);
      expect([args, r.code, r.stdout]).toEqual([args, 2, '']);
      expect(r.stderr).toBe(
        `error: ${flag} needs a value, and the next word is ${next} (give one, or a value that starts with a dash as ${flag}=VALUE)\n`,
      );
    }
    // A value flag given twice: one value silently won. Refused, unless it is repeatable (--tag).
    for (const [args, flag] of [
      [['run', '--step', 'a', '--step=b', '--', 'echo', 'hi'], '--step'],
      [['run', '-ls', 'default', '-ls', 'default', '--', 'echo', 'hi'], '--log-store'],
      [['log-store', 'register', 'x', '--flavor=local', '--flavor=datadog'], '--flavor'],
    ] as const) {
      const r = await cli([...args]);
      expect([args, r.code, r.stdout, r.stderr]).toEqual([
        args,
        2,
        '',
        `error: ${flag} is given twice (give ${flag} once)\n`,
      ]);
    }
    const tags = await cli(['run', '-q', '--tag', 'a:1', '--tag', 'b:2', '--', 'echo', 'hi']);
    expect([tags.code, tags.stdout]).toEqual([0, 'hi\n']);
    // Given with `=`, a value may start with a dash; a flag's word after `--` is the child's.
    const dashed = await cli(['run', '--step=--quiet', '--', 'echo', '--step', '--quiet']);
    expect([dashed.code, dashed.stdout]).toEqual([0, '--step --quiet\n']);
    expect(dashed.stderr).toContain(' step --quiet: 1 record read');
  });

  it('component types read as words: an artifact store, an orchestrator, log stores', async () => {
    const root = await cli(['--help']);
    expect(root.stdout).toMatch(/manage artifact stores/);
    expect(root.stdout).toMatch(/manage orchestrators/);
    expect(root.stdout).not.toMatch(/artifact-stores|a artifact|a orchestrator/);
    const reg = await cli(['artifact-store', '--help']);
    expect(reg.stdout).toMatch(/register an artifact store/);
    expect((await cli(['orchestrator', '--help'])).stdout).toMatch(/register an orchestrator/);
    const missing = await cli(['stack', 'register', 's', '-a', 'nope', '-o', 'default', '-ls', 'default']);
    expect(missing.stderr).toMatch(/no artifact store named 'nope' \(registered artifact stores: default/);
  });

  it('one record, one spool file: counts read right, and flush says why records still fail', async () => {
    // An intake that refuses connections: every record is spooled, and flush cannot deliver it either.
    expect(
      (await registerEmulatorLogStore(home, 'http://127.0.0.1:9', { extra: ['--export_timeout_millis=300'] })).code,
    ).toBe(0);
    const run = await cli(['run', '--log-store', 'dd', '--', 'echo', 'hello'], EMULATOR_KEYS);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/: 1 record read, 0 delivered, 1 spooled, 0 dropped/);
    const flush = await cli(['flush'], EMULATOR_KEYS);
    expect(flush.code).toBe(1);
    expect(flush.stdout).toBe('dd: 1 record read from 1 spool file, 0 delivered, 1 still spooled\n');
    expect(flush.stderr).toMatch(
      /^error: 1 record of log store 'dd' is still in the spool: .*(ECONNREFUSED|refused|connect|timed out).* \(run dd-logstore flush again later; each record's reason is in /,
    );
    // --quiet keeps it to one line, but says it (it said nothing: on a CI runner the spool goes with the job).
    const quiet = await cli(['run', '--log-store', 'dd', '--quiet', '--', 'echo', 'hello'], EMULATOR_KEYS);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toMatch(
      /^warning: run [\w-]+: 1 record not delivered, in the spool \(first error: .*\); resend with: dd-logstore flush --log-store dd\n$/,
    );
  });

  it('a secret reference that does not resolve: one reference does', async () => {
    const r = await cli(['log-store', 'describe', 'dd', '--resolve-check'], {
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: 2 secret references of log store 'dd' do not resolve: api_key, application_key/);
    expect(
      (
        await cli([
          'log-store',
          'register',
          'one',
          '--flavor=otel',
          '--endpoint=http://127.0.0.1:9',
          '--headers={{h.v}}',
        ])
      ).code,
    ).toBe(0);
    const one = await cli(['log-store', 'describe', 'one', '--resolve-check'], { DD_LOGSTORE_SECRETS_BACKEND: 'file' });
    expect(one.stderr).toMatch(/error: 1 secret reference of log store 'one' does not resolve: headers/);
  });

  const hasBash = spawnSync('bash', ['--version']).status === 0;
  (hasBash ? it : it.skip)(
    'bash completion completes the names after describe, set, get',
    async () => {
      const bin = join(home, 'bin');
      mkdirSync(bin, { recursive: true });
      const shim = join(bin, 'dd-logstore');
      writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
      chmodSync(shim, 0o755);
      const env = { ...cliEnv(home, { DD_LOGSTORE_SECRETS_BACKEND: 'file' }), PATH: `${bin}:${process.env.PATH}` };
      expect((await cli(['secret', 'create', 'api_keys', '--a=1'], { DD_LOGSTORE_SECRETS_BACKEND: 'file' })).code).toBe(
        0,
      );
      expect((await cli(['run', '--run-id', 'completed-run', '--', 'true'])).code).toBe(0);
      const complete = (...words: string[]) => {
        const script = `eval "$(dd-logstore completion bash)"; COMP_WORDS=(dd-logstore ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _dd_logstore; printf '%s\\n' "\${COMPREPLY[@]}"`;
        const r = spawnSync('bash', ['-c', script], { env, encoding: 'utf8' });
        return r.stdout.trim().split('\n').sort();
      };
      expect(complete('log-store', 'describe', '')).toEqual(['dd', 'default', 'one']);
      expect(complete('log-store', 'describe', 'o')).toEqual(['one']);
      expect(complete('stack', 'set', '')).toEqual(['default']);
      expect(complete('runs', 'describe', 'comp')).toEqual(['completed-run']);
      expect(complete('secret', 'get', '')).toEqual(['api_keys']);
      // Flags still complete after those commands.
      expect(complete('secret', 'get', '--rev')).toEqual(['--reveal']);
    },
    60_000,
  );

  it('a step name with control characters is refused by run, never written raw; one an older version recorded is shown escaped', async () => {
    const step = 'a\nb\x1b]0;title\x07';
    const refused = await cli(['run', '--run-id', 'ctl-step', '--step', step, '--', 'true']);
    expect(refused.code).toBe(2);
    expect([...refused.stderr.trimEnd()].filter((c) => c < ' ' || c === '\x7f')).toEqual([]);
    expect(refused.stderr).toMatch(/^error: --step cannot hold a newline/);
    // A record an older version wrote with such a name: logs says why it has no records, the name escaped.
    expect((await cli(['run', '-q', '--run-id', 'ctl-step', '--step', 'plain', '--', 'true'])).code).toBe(0);
    const file = join(home, 'runs', 'ctl-step.json');
    const record = JSON.parse(readFileSync(file, 'utf8')) as { steps: { name: string }[] };
    record.steps[0]!.name = step;
    writeFileSync(file, JSON.stringify(record));
    const logs = await cli(['logs', '--run-id', 'ctl-step']);
    expect([logs.code, logs.stderr]).toEqual([
      0,
      'run ctl-step has no records: step a\\x0ab\\x1b]0;title\\x07: true printed nothing (exit 0)\n',
    ]);
  });

  it("a password in a URL value (a proxy's user:pass@) is never shown: describe, list, verify's errors, run's summary", async () => {
    // Port 9 (discard) refuses on 127.0.0.1: every check and the run's delivery fail, naming the URL.
    const url = 'http://proxyuser:pr0xy%40pw@127.0.0.1:9';
    const reg = await cli([
      'log-store',
      'register',
      'proxied',
      '--flavor=datadog',
      '--api_key=k-value',
      '--application_key=a-value',
      `--intake_url=${url}`,
      `--api_url=${url}`,
    ]);
    expect(reg.code).toBe(0);
    const outputs = [
      await cli(['log-store', 'describe', 'proxied']),
      await cli(['log-store', 'list', '--output', 'json']),
      await cli(['log-store', 'verify', 'proxied']),
      await cli(['run', '--log-store', 'proxied', '--flush-timeout', '1s', '--', 'echo', 'hi']),
    ];
    const describe = outputs[0]!;
    expect(describe.stdout).toContain('intake_url: http://proxyuser:****@127.0.0.1:9\n');
    expect(outputs[2]!.stdout).toContain('cannot reach http://proxyuser:****@127.0.0.1:9/api/v1/validate');
    for (const r of outputs) {
      const all = r.stdout + r.stderr;
      expect(all).not.toContain('pr0xy');
    }
  }, 60_000);
  it("run's own notes start a line of their own when the child's output where they go ended mid-line", async () => {
    // A progress bar or a prompt left without `\n`: the summary was glued to it (`downloading 50%dd-logstore: run`),
    // and a script's `grep '^dd-logstore: run'` missed it.
    const onErr = await cli(['run', '--run-id', 'mid-1', '--', 'sh', '-c', 'printf "downloading 50%%" >&2; exit 3']);
    expect(onErr.code).toBe(3);
    expect(onErr.stderr).toMatch(/^downloading 50%\ndd-logstore: run mid-1: 1 record read/);
    // On stdout, a pipe of its own: stderr has nothing to end, and gets no blank line.
    const onOut = await cli(['run', '--run-id', 'mid-2', '--', 'sh', '-c', 'printf "no newline"']);
    expect(onOut.stdout).toBe('no newline');
    expect(onOut.stderr).toMatch(/^dd-logstore: run mid-2: 1 record read/);
    // Ended with its newline: nothing added.
    const ended = await cli(['run', '--run-id', 'mid-3', '--', 'sh', '-c', 'echo done >&2']);
    expect(ended.stderr).toMatch(/^done\ndd-logstore: run mid-3/);
  });
  it('stack list and log-store list fit a narrow terminal: the columns a user can do without go first', async () => {
    for (const args of [
      ['stack', 'list'],
      ['log-store', 'list'],
    ]) {
      const narrow = await cli([...args, '--output', 'table'], { COLUMNS: '40' });
      expect(narrow.code).toBe(0);
      const lines = narrow.stdout.trimEnd().split('\n');
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
      expect(narrow.stdout).toMatch(/NAME/);
      expect(narrow.stdout).toMatch(/default/);
      const wide = await cli([...args, '--output', 'table'], { COLUMNS: '200' });
      expect(wide.stdout).toMatch(
        args[0] === 'stack' ? /ARTIFACT STORE.*ORCHESTRATOR.*LOG STORE/ : /FLAVOR.*STACKS.*ID/,
      );
    }
  });
});
