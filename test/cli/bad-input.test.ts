import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, readConfigText, runCli, tempHome } from './harness.js';

/** `log-store register x` of a datadog store with its keys as secret references, and one flag more. */
const registerDatadog = (flag: string): string[] => [
  'log-store',
  'register',
  'x',
  '--flavor=datadog',
  '--api_key={{k.a}}',
  '--application_key={{k.b}}',
  flag,
];

// Every bad input: the exit code of the spec, exactly one line on stderr naming the problem, config.json untouched.
const CASES: { name: string; args: string[]; code: number; match: RegExp; input?: string; env?: NodeJS.ProcessEnv }[] =
  [
    {
      name: 'inverted logs window',
      args: ['logs', '--last', '--since', '1m', '--until', '2h'],
      code: 2,
      match: /--since 1m is after --until 2h/,
    },
    {
      name: 'a bad DD_LOGSTORE_RUN_ID stops run before the child (125)',
      args: ['run', '--', 'true'],
      env: { DD_LOGSTORE_RUN_ID: 'bad id' },
      code: 125,
      match: /DD_LOGSTORE_RUN_ID='bad id' is not a valid run id/,
    },
    {
      name: 'logs --limit 0 is refused',
      args: ['logs', '--last', '--limit', '0'],
      code: 2,
      match: /^error: --limit must be a positive whole number, got '0' \(e\.g\. --limit 100\)$/,
    },
    {
      // Before: accepted, and printed nothing with exit 0, as if the run had no records.
      name: 'logs --tail 0 is refused as --limit 0 is (with --follow it means only the new records)',
      args: ['logs', '--last', '--tail', '0'],
      code: 2,
      match:
        /^error: --tail must be a positive whole number, got '0' \(e\.g\. --tail 100; with --follow, --tail 0 shows only the new records\)$/,
    },
    {
      // Before: each was taken and did nothing.
      name: 'logs --interval without --follow or --wait',
      args: ['logs', '--last', '--interval', '5s'],
      code: 2,
      match: /^error: --interval needs --follow or --wait \(it sets how often they poll; e\.g\. .*--interval 5s\)$/,
    },
    {
      name: 'logs --no-exit without --follow',
      args: ['logs', '--last', '--no-exit'],
      code: 2,
      match: /^error: --no-exit needs --follow \(e\.g\. dd-logstore logs tail --last --no-exit\)$/,
    },
    {
      // Before: "no stack named 'nope' (from --stack) (stacks: default)", two brackets in a row.
      name: 'an unknown --stack names the flag once, in the sentence',
      args: ['logs', '--last', '--stack', 'nope'],
      code: 1,
      match: /^error: no stack named 'nope', given by --stack \(stacks: default\)$/,
    },
    {
      name: 'logs without a run names logs',
      args: ['logs'],
      code: 2,
      match: /^error: logs needs --run-id ID, --log-id ID or --last \(see dd-logstore runs list\)$/,
    },
    {
      // Before: "logs needs ...", for a command typed as `logs tail`.
      name: 'logs tail without a run names logs tail',
      args: ['logs', 'tail'],
      code: 2,
      match: /^error: logs tail needs --run-id ID, --log-id ID or --last \(see dd-logstore runs list\)$/,
    },
    {
      name: 'logs --raw with --output json',
      args: ['logs', '--last', '--raw', '--output', 'jsonl'],
      code: 2,
      match:
        /^error: --raw applies to text and table output, not jsonl \(jsonl gives control characters as JSON escapes; drop --raw\)$/,
    },
    {
      name: 'logs of an invalid run id',
      args: ['logs', '--run-id', 'bad id'],
      code: 2,
      match: /invalid run id 'bad id'/,
    },
    {
      name: '--stack and --log-store together',
      args: ['run', '--stack', 'default', '--log-store', 'default', '--', 'true'],
      code: 2,
      match: /--stack and --log-store cannot be used together/,
    },
    {
      name: 'a bad --run-id is a usage error (2)',
      args: ['run', '--run-id', 'bad id', '--', 'true'],
      code: 2,
      match: /invalid run id 'bad id'/,
    },
    {
      name: 'unknown flavor',
      args: ['log-store', 'register', 'x', '--flavor=datadogg'],
      code: 2,
      match: /unknown log store flavor 'datadogg'.*did you mean --flavor=datadog/,
    },
    {
      name: 'missing keys',
      args: ['log-store', 'register', 'x', '--flavor=datadog'],
      code: 2,
      match: /needs --api_key and --application_key/,
    },
    {
      name: 'missing application_key',
      args: ['log-store', 'register', 'x', '--flavor=datadog', '--api_key={{k.a}}'],
      code: 2,
      match: /needs --application_key/,
    },
    {
      name: 'bad site',
      args: registerDatadog('--site=datadoghq.xyz'),
      code: 2,
      // One pair of brackets: before, the list of sites sat in a second pair inside the hint's.
      match:
        /^error: --site 'datadoghq\.xyz' is not a Datadog site \((did you mean --site=[a-z0-9.]+\? )?a site is a domain; sites: datadoghq\.com, [a-z0-9., -]+\)$/,
    },
    {
      name: 'batch size abc',
      args: registerDatadog('--max_export_batch_size=abc'),
      code: 2,
      match: /--max_export_batch_size must be a whole number, got 'abc'/,
    },
    {
      name: 'batch size -5',
      args: registerDatadog('--max_export_batch_size=-5'),
      code: 2,
      match: /--max_export_batch_size is out of range: -5 \(use a number from 1 to 1000\)/,
    },
    {
      name: 'batch size 0',
      args: registerDatadog('--max_export_batch_size=0'),
      code: 2,
      match: /out of range: 0/,
    },
    {
      name: 'unknown key --api-key',
      args: ['log-store', 'register', 'x', '--flavor=datadog', '--api-key={{k.a}}', '--application_key={{k.b}}'],
      code: 2,
      match: /unknown key --api-key .*did you mean --api_key\?/,
    },
    {
      // A tab read as spaces hid what was wrong; "letters" read as any letters, where `ü` is refused.
      name: 'a stack name with a tab',
      args: ['stack', 'register', 'a\tb'],
      code: 2,
      match: /^error: invalid stack name 'a\\tb' \(use ASCII letters, digits, _ and -/,
    },
    {
      // The flag taken as the name (after `--`) was repeated in the example: `register --flavor=local --flavor=local`.
      name: 'a flag after -- as the name',
      args: ['log-store', 'register', '--', '--flavor=local'],
      code: 2,
      match: /needs --flavor \(e\.g\. dd-logstore log-store register NAME --flavor=local\)$/,
    },
    {
      // Wrong against the store: 2, as docs/design.md draws the line (a trial asked for 1; kept, and said there).
      name: 'duplicate name',
      args: ['log-store', 'register', 'default', '--flavor=local'],
      code: 2,
      match: /a log store named 'default' already exists/,
    },
    {
      name: 'stack with missing component',
      args: ['stack', 'register', 's', '-a', 'default', '-o', 'default', '-ls', 'nope'],
      code: 2,
      match: /-ls nope: no log store named 'nope' \(registered log stores: default/,
    },
    {
      // Before: "no stack named 's'" exit 1, right after register refused the same -ls with exit 2.
      name: 'stack update naming a missing component, the stack missing too',
      args: ['stack', 'update', 's', '-ls', 'nope'],
      code: 2,
      match: /-ls nope: no log store named 'nope' \(registered log stores: default/,
    },
    {
      name: 'stack update naming a missing component',
      args: ['stack', 'update', 'default', '-ls', 'nope'],
      code: 2,
      match: /-ls nope: no log store named 'nope'/,
    },
    {
      name: 'delete component in use',
      args: ['log-store', 'delete', 'default'],
      code: 1,
      // Not "or delete the stack": the default stack cannot be deleted.
      match:
        /log store 'default' is used by stack 'default' \(point the stack elsewhere first: dd-logstore stack update default -ls OTHER \(the default stack cannot be deleted\)\)$/,
    },
    {
      name: 'malformed reference',
      args: ['log-store', 'register', 'x', '--flavor=datadog', '--api_key={{foo}}', '--application_key={{k.b}}'],
      code: 2,
      match: /--api_key has a malformed secret reference '\{\{foo\}\}'/,
    },
    {
      name: 'secret create without values',
      args: ['secret', 'create', 's1'],
      code: 2,
      match: /secret create s1 got no values/,
    },
    { name: 'secret get of a missing name', args: ['secret', 'get', 'nope'], code: 1, match: /no secret named 'nope'/ },
    {
      name: '-i without a TTY',
      args: ['secret', 'create', 's1', '-i'],
      code: 2,
      match: /-i needs an interactive terminal/,
    },
    {
      name: 'unknown command',
      args: ['log-stor', 'list'],
      code: 2,
      match: /unknown command 'log-stor'.*did you mean log-store/i,
    },
    {
      name: 'unknown flag',
      args: ['stack', 'list', '--outptu', 'json'],
      code: 2,
      match: /unknown option '--outptu'.*did you mean --output/i,
    },
    {
      name: 'bad --output',
      args: ['stack', 'list', '--output', 'yaml'],
      code: 2,
      match: /--output must be one of table, json, jsonl, text/,
    },
    {
      name: 'stray value',
      args: ['log-store', 'register', 'x', '--flavor=local', 'oops'],
      code: 2,
      match: /unexpected argument 'oops'/,
    },
    {
      // Before: taken, put in every record's attributes, and a later `logs --step` warning split over two lines.
      name: 'a step name with a newline, on run (before the child)',
      args: ['run', '--step', 'a\nb', '--', 'sh', '-c', 'echo child-ran'],
      code: 2,
      match: /^error: --step cannot hold a newline \(give a name on one line, e\.g\. --step train\)$/,
    },
    {
      name: 'a step name with a newline, on logs',
      args: ['logs', '--last', '--step=a\nb'],
      code: 2,
      match: /^error: --step cannot hold a newline \(/,
    },
    {
      // C1 controls too (U+0085 next line, U+009B the terminal's CSI), as the escaping of output counts them.
      name: 'a step name with a C1 control character',
      args: ['run', '--step', 'train\u009b2J', '--', 'true'],
      code: 2,
      match: /^error: --step cannot hold a control character \(0x9b\) \(/,
    },
    {
      name: 'a pipeline name with a control character',
      args: ['run', '--pipeline', 'p\u0001', '--', 'true'],
      code: 2,
      match:
        /^error: --pipeline cannot hold a control character \(0x01\) \(give a name on one line, e\.g\. --pipeline training\)$/,
    },
    {
      name: 'a --tag that is not k:v',
      args: ['run', '--tag', 'team', '--', 'sh', '-c', 'echo child-ran'],
      code: 2,
      match: /^error: --tag must be k:v, got 'team' \(e\.g\. --tag team:ml\)$/,
    },
    {
      // Before: shipped as `team:` on every record (`--tag team:$TEAM` with the variable unset).
      name: 'a --tag with no value',
      args: ['run', '--tag', 'team:', '--', 'sh', '-c', 'echo child-ran'],
      code: 2,
      match: /^error: --tag team: has no value \(give one, e\.g\. --tag team:ml, or leave the tag out\)$/,
    },
    {
      // Before: it replaced the record's zenml.log.id, and the run could not be read back by its id.
      name: 'a --tag naming an attribute dd-logstore sets',
      args: ['run', '--tag', 'zenml.log.id:abc', '--', 'sh', '-c', 'echo child-ran'],
      code: 2,
      match:
        /^error: --tag zenml\.log\.id:abc names an attribute dd-logstore sets itself \(zenml\.\* and dd_logstore\.\* say whose record it is: give the tag another key, e\.g\. --tag team:ml\)$/,
    },
    {
      name: 'a tag in --tags naming an attribute dd-logstore sets',
      args: registerDatadog('--tags=a:b,zenml.run.id:fixed'),
      code: 2,
      match: /^error: --tags has 'zenml\.run\.id:fixed', which names an attribute dd-logstore sets itself \(/,
    },
    {
      name: 'flush --log-store with an empty name is a usage error, as for run and logs',
      args: ['flush', '--log-store', ''],
      code: 2,
      match:
        /^error: --log-store cannot be empty \(give a name, e\.g\. --log-store datadog_logs, or leave the flag out\)$/,
    },
    {
      name: 'a malformed tag in --tags',
      args: registerDatadog('--tags=a:b,c d:e'),
      code: 2,
      match: /^error: --tags has a malformed tag 'c d:e' \(write tags as --tags=team:ml,env:prod\)$/,
    },
    {
      name: 'a tag with no value in --tags',
      args: registerDatadog('--tags=a:b,env:'),
      code: 2,
      match: /^error: --tags has a tag with no value, 'env:' \(give it one, e\.g\. --tags=env:ml, or leave it out\)$/,
    },
    {
      // Before: "needs --api_key", as if the flag had not been typed.
      name: 'an empty required key is named as empty',
      args: ['log-store', 'register', 'x', '--flavor=datadog', '--api_key=', '--application_key={{k.b}}'],
      code: 2,
      match:
        /^error: --api_key cannot be empty \(the datadog log store flavor needs it: e\.g\. --api_key='\{\{datadog_keys\.api_key\}\}' after dd-logstore secret create datadog_keys --api_key=\.\.\.\)$/,
    },
    {
      name: 'an empty otel endpoint',
      args: ['log-store', 'register', 'x', '--flavor=otel', '--endpoint= '],
      code: 2,
      match:
        /^error: --endpoint cannot be empty \(the otel log store flavor needs it: e\.g\. --endpoint=https:\/\/host:4318\)$/,
    },
    {
      // Its example was `--endpoint=...`.
      name: 'otel without an endpoint',
      args: ['log-store', 'register', 'x', '--flavor=otel'],
      code: 2,
      match: /^error: the otel log store flavor needs --endpoint \(e\.g\. --endpoint=https:\/\/host:4318\)$/,
    },
    {
      name: 'otel endpoint not a URL',
      args: ['log-store', 'register', 'x', '--flavor=otel', '--endpoint=localhost'],
      code: 2,
      match: /--endpoint must be a(n http or https)? URL/,
    },
    {
      // Before: a warning that the home "can be read by other users", then "cannot read <file>/config.json".
      name: 'DD_LOGSTORE_HOME naming a file',
      args: ['stack', 'list'],
      env: { DD_LOGSTORE_HOME: BIN },
      code: 1,
      match:
        /^error: DD_LOGSTORE_HOME \(.*dd-logstore\.js\) is not a directory \(point DD_LOGSTORE_HOME at a directory/,
    },
    {
      name: 'DD_LOGSTORE_HOME naming a file stops run before the child (125)',
      args: ['run', '--', 'true'],
      env: { DD_LOGSTORE_HOME: BIN },
      code: 125,
      match: /^error: DD_LOGSTORE_HOME \(.*\) is not a directory/,
    },
    {
      // Before: commander's own "option '--on-overflow <policy>' argument 'bogus' is invalid. Allowed choices are ...".
      name: 'a bad --on-overflow says it as every flag does (2)',
      args: ['run', '--on-overflow', 'bogus', '--', 'true'],
      code: 2,
      match: /^error: --on-overflow must be one of spool, drop, got 'bogus' \(e\.g\. --on-overflow drop\)$/,
    },
    // Before: "cannot read the run record <home>/runs/aaaa….json", exit 1 (the name was too long for the file system).
    ...[
      ['runs', 'describe'],
      ['runs', 'delete', '--yes'],
      ['logs', '--run-id'],
    ].map((words) => ({
      name: `${words.join(' ')} of a 300-character run id is the same usage error as run's (2)`,
      args: [...words, 'a'.repeat(300)],
      code: 2,
      match: /^error: invalid run id 'a{300}' \(use ASCII letters, digits and \. _ : -, at most 128 characters\)$/,
    })),
    // Before: an empty name (`--log-store="$LOG_STORE"` with the variable unset) read as no flag: run shipped to the
    // active stack's log store (and recorded a step named ''), logs read from it, both without a word.
    ...(
      [
        ['--stack=', '--stack', 'my_stack'],
        ['--log-store=', '--log-store', 'datadog_logs'],
        ['--step=', '--step', 'train'],
        ['--pipeline=', '--pipeline', 'training'],
      ] as const
    ).map(([word, flag, example]) => ({
      name: `run ${word} is refused before the command starts (2)`,
      args: ['run', word, '--', 'echo', 'started'],
      code: 2,
      match: new RegExp(
        `^error: ${flag} cannot be empty \\(give a name, e\\.g\\. ${flag} ${example}, or leave the flag out\\)$`,
      ),
    })),
    ...[
      ['logs', '--last', '--log-store='],
      ['logs', 'tail', '--last', '--stack='],
      ['logs', '--last', '--step', ''],
      ['runs', 'list', '--step='],
    ].map((args) => ({
      name: `${args.join(' ')} is refused (2)`,
      args,
      code: 2,
      match: /^error: --(log-store|stack|step) cannot be empty \(give a name, e\.g\. /,
    })),
    // Before: "-ls : no log store named '' (...; register one with dd-logstore log-store register  --flavor=...)".
    {
      name: 'stack register -ls "" is refused with the names to give (2)',
      args: ['stack', 'register', 's', '-ls', ''],
      code: 2,
      match: /^error: -ls cannot be empty \(give one of the registered log stores: default\)$/,
    },
    {
      name: 'stack update --artifact-store= is refused with the names to give (2)',
      args: ['stack', 'update', 'default', '--artifact-store='],
      code: 2,
      match: /^error: -a cannot be empty \(give one of the registered artifact stores: default\)$/,
    },
    {
      name: 'runs describe of a run id with a slash',
      args: ['runs', 'describe', '../config'],
      code: 2,
      match: /^error: invalid run id '\.\.\/config'/,
    },
    {
      name: 'bad name',
      args: ['log-store', 'register', 'bad name', '--flavor=local'],
      code: 2,
      match: /invalid log store name 'bad name'/,
    },
  ];

describe('bad input: one clear line, the spec exit code, nothing changed', () => {
  const { home, cleanup } = tempHome();
  let before = '';
  beforeAll(async () => {
    expect((await runCli(['stack', 'list'], { home })).code).toBe(0);
    before = readConfigText(home);
  });
  afterAll(cleanup);

  it.each(CASES)('$name', async ({ args, code, match, env }) => {
    const r = await runCli(args, { home, env: { DD_LOGSTORE_SECRETS_BACKEND: 'file', ...env } });
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(match);
    expect(r.code).toBe(code);
    expect(readConfigText(home)).toBe(before);
  });

  it('a corrupt config.json is reported with its path and left byte-identical', async () => {
    const corrupt = tempHome();
    try {
      const path = join(corrupt.home, 'config.json');
      writeFileSync(path, '{"schemaVersion": 1, "components": {');
      for (const args of [
        ['stack', 'list'],
        ['log-store', 'register', 'x', '--flavor=local'],
      ]) {
        const r = await runCli(args, { home: corrupt.home });
        expect(r.code).toBe(1);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr).toContain(`${path} is not valid JSON`);
        expect(readConfigText(corrupt.home)).toBe('{"schemaVersion": 1, "components": {');
      }
      writeFileSync(path, '{"schemaVersion": 99}');
      const newer = await runCli(['stack', 'list'], { home: corrupt.home });
      expect(newer.code).toBe(1);
      expect(newer.stderr).toMatch(/schema version 99, newer than this dd-logstore understands/);
      expect(readConfigText(corrupt.home)).toBe('{"schemaVersion": 99}');
    } finally {
      corrupt.cleanup();
    }
  });
});
