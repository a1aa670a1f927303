/** `logs --tail N` and what `logs` says about a run with no records, on the local store (built CLI). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCli, tempHome } from './harness.js';

const FIVE_LINES = "for (let i = 0; i < 5; i++) console.log('line ' + i)";

describe('logs on the local store (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const cli = (args: string[]) => runCli(args, { home });
  const messages = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { message: string }).message);
  beforeAll(async () => {
    const r = await cli(['run', '--run-id', 'five', '--', process.execPath, '-e', FIVE_LINES]);
    expect(r.code).toBe(0);
  });
  afterAll(() => cleanup());

  it('--tail N prints the last N records and says how many there were; --limit N stays the first N', async () => {
    const tail = await cli(['logs', '--run-id', 'five', '--tail', '2', '--output', 'jsonl']);
    expect(tail.code).toBe(0);
    expect(messages(tail.stdout)).toEqual(['line 3', 'line 4']);
    expect(tail.stderr).toBe('showing the last 2 of 5 records (drop --tail to see all)\n');
    const limit = await cli(['logs', '--run-id', 'five', '--limit', '2', '--output', 'jsonl']);
    expect(messages(limit.stdout)).toEqual(['line 0', 'line 1']);
    const all = await cli(['logs', '--run-id', 'five', '--tail', '10', '--output', 'jsonl']);
    expect(messages(all.stdout)).toHaveLength(5);
    expect(all.stderr).toBe('');
  });

  it('--log-id with a --step that is not its own says nothing can match (it printed nothing at all)', async () => {
    expect((await cli(['run', '-q', '--run-id', 'two', '--step', 'train', '--', 'echo', 'a'])).code).toBe(0);
    expect((await cli(['run', '-q', '--run-id', 'two', '--step', 'eval', '--', 'echo', 'b'])).code).toBe(0);
    const described = await cli(['runs', 'describe', 'two', '--output', 'json']);
    const evalLog = (JSON.parse(described.stdout) as { steps: { logId: string }[] }).steps[1]!.logId;
    const other = await cli(['logs', '--log-id', evalLog, '--step', 'train', '--output', 'jsonl']);
    expect([other.code, other.stdout]).toEqual([0, '']);
    expect(other.stderr).toBe(
      `warning: log id ${evalLog} is of step 'eval', not 'train': nothing matches both (drop --step)\n`,
    );
    const own = await cli(['logs', '--log-id', evalLog, '--step', 'eval', '--output', 'jsonl']);
    expect([messages(own.stdout), own.stderr]).toEqual([['b'], '']);
  });

  it('--tail N with --follow starts from the last N records', async () => {
    const r = await cli(['logs', 'tail', '--run-id', 'five', '--tail', '1', '--output', 'jsonl']);
    expect(r.code).toBe(0);
    expect(messages(r.stdout)).toEqual(['line 4']);
  });

  it('--tail refuses a bad count and --limit with it (exit 2)', async () => {
    const both = await cli(['logs', '--run-id', 'five', '--tail', '2', '--limit', '2']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: --limit and --tail cannot be used together \(/);
    const bad = await cli(['logs', '--run-id', 'five', '--tail', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --tail must be a positive whole number, got 'x' \(e\.g\. --tail 100: /);
    // -3 is a whole number: the message says what is wanted (it said "must be a whole number").
    const negative = await cli(['logs', '--run-id', 'five', '--tail', '-3']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/^error: --tail must be a positive whole number, got '-3'/);
    const following = await cli(['logs', 'tail', '--run-id', 'five', '--tail=-3']);
    expect(following.code).toBe(2);
    expect(following.stderr).toMatch(/^error: --tail must be a whole number, 0 or more, got '-3'/);
  });

  it('logs --last after a command that was not found says why nothing is printed', async () => {
    const run = await cli(['run', '--', 'no-such-command-16b']);
    expect(run.code).toBe(127);
    const logs = await cli(['logs', '--last']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('');
    expect(logs.stderr).toMatch(/^run \S+ has no records: command not found: no-such-command-16b \(exit 127\)\n$/);
  });
});
