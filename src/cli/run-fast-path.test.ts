import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { createFactory } from '../app/factory.js';
import type { RunOptions } from '../app/prepare-run.js';
import { SilentExit } from '../core/errors.js';
import { createIOStreams } from '../io/iostreams.js';
import { normalizeArgv } from './argv-normalize.js';
import { runAction } from './commands/run-action.js';
import { newCmdRun } from './commands/run.js';
import { parseRunWords } from './run-fast-path.js';

const factory = () =>
  createFactory(
    createIOStreams({ env: {}, stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() }),
    {},
  );

/** The RunOptions a run action ends with (it throws SilentExit with the exit code of the run). */
async function optionsOf(act: (runF: (f: unknown, o: RunOptions) => Promise<number>) => Promise<unknown>) {
  let got: RunOptions | undefined;
  await expect(
    act(async (_f, o) => {
      got = o;
      return 7;
    }),
  ).rejects.toBeInstanceOf(SilentExit);
  return got;
}

/** What commander's run command hands to the use case for `argv` (the words after `run`). */
function viaCommander(argv: readonly string[]) {
  const f = factory();
  return optionsOf(async (runF) => {
    const cmd = newCmdRun(f, runF).exitOverride();
    await cmd.parseAsync(normalizeArgv(['run', ...argv]).slice(1), { from: 'user' });
  });
}

function viaFastPath(argv: readonly string[]) {
  const parsed = parseRunWords(normalizeArgv(['run', ...argv]));
  if (parsed === undefined) throw new Error(`the fast path refused: ${argv.join(' ')}`);
  return optionsOf((runF) => runAction(factory(), parsed.command, parsed.opts, runF));
}

describe("run's fast path", () => {
  it.each([
    [['--', 'true']],
    [['true']],
    [['-q', 'python', '-u', 'x.py', '--flag']],
    [['--quiet', '--', 'sh', '-c', 'exit 3']],
    [['--step', 'train', '--run-id', 'ci-1', '--pipeline', 'p', '--', 'echo', '--step']],
    [['--tag', 'team:ml', '--tag=env:dev', '--', 'true']],
    [['--log-store', 'dd', '--', 'true']],
    [['-ls', 'dd', '--', 'true']],
    [['-ls', 'dd', 'true']],
    [['-ls=dd', '--', 'true']],
    [['--stack=s', '--no-ci-tags', '--', 'true']],
    [['--stderr-level', 'WARNING', '--flush-timeout', '5s', '--kill-after=1s', '--on-overflow', 'drop', 'true']],
  ])('builds what commander builds for run %j', async (argv) => {
    const expected = await viaCommander(argv);
    expect(expected).toBeDefined();
    expect(await viaFastPath(argv)).toEqual(expected);
  });

  it('reads an empty --step= as commander does, and both refuse it (a step named nothing)', async () => {
    const argv = ['--step=', '--', 'true'];
    const cmd = newCmdRun(factory(), () => Promise.resolve(7)).exitOverride();
    await expect(cmd.parseAsync(normalizeArgv(['run', ...argv]).slice(1), { from: 'user' })).rejects.toThrow(
      '--step cannot be empty',
    );
    const parsed = parseRunWords(normalizeArgv(['run', ...argv]));
    if (parsed === undefined) throw new Error('the fast path refused --step=');
    expect(parsed.opts.step).toBe('');
    await expect(runAction(factory(), parsed.command, parsed.opts, () => Promise.resolve(7))).rejects.toThrow(
      '--step cannot be empty',
    );
  });

  it.each([
    [['--help']],
    [['-h', '--', 'true']],
    [['--']],
    [[]],
    [['-q']],
    [['--bogus', '--', 'true']],
    [['--step']],
    [['--step', '--', 'true']],
    [['--step', '-q', '--', 'true']],
    [['--on-overflow', 'block', '--', 'true']],
    [['--quiet=yes', '--', 'true']],
    [['--debug', '--', 'true']],
    [['-qV', '--', 'true']],
    // A flag given twice: the program refuses it (cli/option-values.ts).
    [['--step', 'a', '--step', 'b', '--', 'true']],
    [['-ls', 'a', '--log-store=b', '--', 'true']],
  ])('leaves run %j to commander', (argv) => {
    expect(parseRunWords(normalizeArgv(['run', ...argv]))).toBeUndefined();
  });

  it('takes --debug before run, and nothing that is not run', () => {
    expect(parseRunWords(normalizeArgv(['--debug', 'run', 'true']))).toMatchObject({ debug: true, command: ['true'] });
    expect(parseRunWords(normalizeArgv(['runs', 'list']))).toBeUndefined();
    expect(parseRunWords(normalizeArgv(['help', 'run']))).toBeUndefined();
    expect(parseRunWords(normalizeArgv(['-q', 'run', 'true']))).toBeUndefined();
  });
});
