/** `runs list` filters and table, `runs describe` quoting, `runs delete` and `runs prune` (built CLI, local store). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempHome } from './harness.js';

const DAY = 86_400_000;

describe('runs list, describe, delete, prune (built CLI)', () => {
  const { home, cleanup } = tempHome();
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { home, env });
  let logStoreId = '';

  /** A run record written by hand: a run of long ago, or one still running (this test's own pid is alive). */
  const writeRecord = (runId: string, at: number, step: Record<string, unknown>, spooled = 0) => {
    const iso = new Date(at).toISOString();
    const record = {
      runId,
      logStore: { id: logStoreId, name: 'default', flavor: 'local' },
      createdAt: iso,
      updatedAt: iso,
      steps: [
        {
          name: 'old',
          logId: `${runId}-log`,
          argv: ['true'],
          cwd: '/',
          startedAt: iso,
          counts: { read: spooled, delivered: 0, spooled, dropped: 0, failed: 0 },
          ...step,
        },
      ],
    };
    writeFileSync(join(home, 'runs', `${runId}.json`), JSON.stringify(record));
  };
  const spoolLine = (runId: string, message: string) =>
    JSON.stringify({ v: 1, run_id: runId, reason: 'HTTP 503', spooled_at: 1, item: { message } }) + '\n';

  beforeAll(async () => {
    const node = process.execPath;
    expect(
      (await cli(['run', '--run-id', 'ok-1', '--step', 'train', '--', node, '-e', "console.log('a b')"])).code,
    ).toBe(0);
    expect((await cli(['run', '--run-id', 'fail-1', '--step', 'eval', '--', node, '-e', 'process.exit(3)'])).code).toBe(
      3,
    );
    const int = await cli(['run', '--run-id', 'int-1', '--', node, '-e', "process.kill(process.pid, 'SIGINT')"]);
    expect(int.code).toBe(130);
    logStoreId = (
      JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {
        components: { 'log-store': { default: { id: string } } };
      }
    ).components['log-store'].default.id;
    const old = Date.now() - 10 * DAY;
    writeRecord('old-1', old, { endedAt: new Date(old + 65_000).toISOString(), exitCode: 0 });
    writeRecord('live-1', Date.now() - 60_000, { pid: process.pid });
    writeRecord('old-spooled', old, { endedAt: new Date(old + 1000).toISOString(), exitCode: 0 }, 2);
    const spoolDir = join(home, 'spool', logStoreId);
    mkdirSync(spoolDir, { recursive: true });
    writeFileSync(
      join(spoolDir, `${Date.now() - 5000}-999999-abcdef.jsonl`),
      spoolLine('old-spooled', 'one') + spoolLine('ok-1', 'keep me') + spoolLine('old-spooled', 'two'),
    );
  });
  afterAll(() => cleanup());

  const ids = async (...args: string[]) => {
    const r = await cli(['runs', 'list', '--output', 'json', ...args]);
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as { runId: string }[]).map((x) => x.runId).sort();
  };

  it('filters by --status, --step and --since', async () => {
    expect(await ids('--status', 'ok')).toEqual(['ok-1', 'old-1', 'old-spooled']);
    expect(await ids('--status', 'failed')).toEqual(['fail-1']);
    expect(await ids('--status', 'interrupted')).toEqual(['int-1']);
    expect(await ids('--status', 'running')).toEqual(['live-1']);
    expect(await ids('--step', 'train')).toEqual(['ok-1']);
    expect(await ids('--since', '1d')).toEqual(['fail-1', 'int-1', 'live-1', 'ok-1']);
    const bad = await cli(['runs', 'list', '--status', 'broken']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --status must be one of ok, failed, interrupted, running, got 'broken'/);
    expect((await cli(['runs', 'list', '--since', 'yesterday'])).code).toBe(2);
    // An ISO time, as logs --since takes it (was refused: "--since must be a duration").
    const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
    expect(await ids('--since', dayAgo)).toEqual(['fail-1', 'int-1', 'live-1', 'ok-1']);
    expect(await ids('--since', '2000-01-01T00:00:00Z')).toHaveLength(6);
  });

  it('json has the status, ISO times and the duration in ms', async () => {
    const r = await cli(['runs', 'list', '--output', 'json', '--status', 'ok', '--since', '30d']);
    const old = (JSON.parse(r.stdout) as Record<string, unknown>[]).find((x) => x.runId === 'old-1')!;
    expect(old.status).toBe('ok');
    expect(old.durationMs).toBe(65_000);
    expect(old.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('the table is compact: relative times, short durations, and it fits COLUMNS', async () => {
    const r = await cli(['runs', 'list', '--output', 'table'], { COLUMNS: '80' });
    expect(r.code).toBe(0);
    for (const line of r.stdout.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(r.stdout).toMatch(/STATUS/);
    expect(r.stdout).toMatch(/1 min ago/);
    expect(r.stdout).toMatch(/10 days ago/);
    expect(r.stdout).toMatch(/1m05s/);
    expect(r.stdout).toMatch(/failed \(exit 3\)/);
    expect(r.stdout).toMatch(/interrupted \(SIGINT\)/);
    const wide = await cli(['runs', 'list', '--output', 'table'], { COLUMNS: '200' });
    expect(wide.stdout).toMatch(/LOG STORE/);
    // What did not reach the log store shows beside the count.
    expect(wide.stdout).toMatch(/^old-spooled .* 2 \(2 spooled\) /m);
  });

  it('runs describe prints the command line shell-quoted', async () => {
    const r = await cli(['runs', 'describe', 'ok-1', '--output', 'text']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`step 1 command: ${process.execPath} -e 'console.log('\\''a b'\\'')'`);
  });

  it('runs delete needs --yes off a terminal, checks every id first, and removes the record and local logs', async () => {
    const noYes = await cli(['runs', 'delete', 'fail-1']);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toBe(
      'error: runs delete fail-1 needs --yes when not on a terminal (dd-logstore runs delete fail-1 --yes)\n',
    );
    // With --force, the command the hint prints keeps it: following a hint without it did another thing.
    expect((await cli(['runs', 'delete', 'fail-1', '--force'])).stderr).toBe(
      'error: runs delete fail-1 --force needs --yes when not on a terminal (dd-logstore runs delete fail-1 --force --yes)\n',
    );
    expect((await cli(['runs', 'prune', '--older-than', '1s', '--force'])).stderr).toMatch(
      /runs prune --older-than 1s --force needs --yes when not on a terminal \(dd-logstore runs prune --older-than 1s --force --yes\)\n$/,
    );
    const typo = await cli(['runs', 'delete', 'fail-1', 'nosuch', '--yes']);
    expect(typo.code).toBe(1);
    // Before, the hint was logs's: "a run shipped from elsewhere is read with --log-store NAME", a flag runs lacks.
    expect(typo.stderr).toBe("error: no run with id 'nosuch' in this store (see dd-logstore runs list)\n");
    expect((await cli(['runs', 'describe', 'nosuch'])).stderr).toBe(typo.stderr);
    expect(existsSync(join(home, 'runs', 'fail-1.json'))).toBe(true);
    const running = await cli(['runs', 'delete', 'live-1', '--yes']);
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/run live-1 is still running; nothing deleted/);

    expect(existsSync(join(home, 'logs', 'fail-1'))).toBe(false); // it printed nothing
    const ok = await cli(['runs', 'delete', 'ok-1', 'fail-1', '--yes']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('Deleted run ok-1 (run record, 1 local log file).\nDeleted run fail-1 (run record).\n');
    expect(existsSync(join(home, 'runs', 'ok-1.json'))).toBe(false);
    expect(existsSync(join(home, 'logs', 'ok-1'))).toBe(false);
    expect((await cli(['logs', '--run-id', 'ok-1'])).stderr).toBe(
      "error: no run with id 'ok-1' in this store (see dd-logstore runs list; a run shipped from elsewhere is read with --log-store NAME or --stack NAME)\n",
    );
    // With --log-store given, that hint was the flag just used: a local store reads only the runs recorded here.
    expect((await cli(['logs', '--run-id', 'ok-1', '--log-store', 'default'])).stderr).toBe(
      "error: no run with id 'ok-1' in this store (see dd-logstore runs list; log store 'default' (local) reads only the runs recorded here)\n",
    );
  });

  it('spooled records are dropped only with --force, and only those of that run', async () => {
    const kept = await cli(['runs', 'delete', 'old-spooled', '--yes']);
    expect(kept.code).toBe(1);
    expect(kept.stderr).toMatch(
      /run old-spooled has 2 records waiting in the spool, not delivered yet; nothing deleted \(deliver them first with dd-logstore flush, or pass --force/,
    );
    const forced = await cli(['runs', 'delete', 'old-spooled', '--force', '--yes']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toBe('Deleted run old-spooled (run record, 2 spooled records).\n');
    const spoolDir = join(home, 'spool', logStoreId);
    const left = readdirSync(spoolDir).map((n) => readFileSync(join(spoolDir, n), 'utf8'));
    expect(left).toEqual([spoolLine('ok-1', 'keep me')]);
  });

  it('a damaged run record is deleted with --force (its local logs too); without, the error says how', async () => {
    expect((await cli(['run', '--run-id', 'damaged-1', '--', process.execPath, '-e', "console.log('x')"])).code).toBe(
      0,
    );
    expect(existsSync(join(home, 'logs', 'damaged-1'))).toBe(true);
    writeFileSync(join(home, 'runs', 'damaged-1.json'), '{"runId": "damaged-1", "st');
    // Records of it in the spool (each spool line says its run): a later flush would deliver a deleted run's records.
    const spooled = join(home, 'spool', logStoreId, `${Date.now() - 4000}-999998-abcdef.jsonl`);
    writeFileSync(spooled, spoolLine('damaged-1', 'one') + spoolLine('damaged-1', 'two'));
    const refused = await cli(['runs', 'delete', 'damaged-1', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `error: the run record ${join(home, 'runs', 'damaged-1.json')} is not valid JSON (move it aside, or delete it with dd-logstore runs delete damaged-1 --force)\n`,
    );
    // Checked with the others first: a typo beside it deletes nothing.
    expect((await cli(['runs', 'delete', 'damaged-1', 'nosuch', '--force', '--yes'])).code).toBe(1);
    expect(existsSync(join(home, 'runs', 'damaged-1.json'))).toBe(true);
    const forced = await cli(['runs', 'delete', 'damaged-1', '--force', '--yes']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toBe('Deleted run damaged-1 (unreadable run record, 1 local log file, 2 spooled records).\n');
    expect(existsSync(spooled)).toBe(false);
    expect(existsSync(join(home, 'runs', 'damaged-1.json'))).toBe(false);
    expect(existsSync(join(home, 'logs', 'damaged-1'))).toBe(false);
  });

  it('runs prune --older-than deletes the old runs only', async () => {
    expect((await cli(['runs', 'prune'])).code).toBe(2);
    expect((await cli(['runs', 'prune', '--older-than', '5d'])).code).toBe(2);
    const r = await cli(['runs', 'prune', '--older-than', '5d', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('Deleted run old-1 (run record).\nDeleted 1 run older than 5d.\n');
    expect(await ids()).toEqual(['int-1', 'live-1']);
    const none = await cli(['runs', 'prune', '--older-than', '5d', '--yes']);
    expect(none.stderr).toBe('No runs to delete older than 5d.\n');
  });
  it('a step of an older record (a pid, no owner) whose process is gone: interrupted in runs list and describe alike', async () => {
    // A pid that was alive and is not any more: a child that has exited and been reaped.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeRecord('pid-gone', Date.now() - 60_000, { pid: gone });
    const listed = await cli(['runs', 'list', '--output', 'json', '--status', 'interrupted']);
    expect((JSON.parse(listed.stdout) as { runId: string }[]).map((x) => x.runId)).toContain('pid-gone');
    const described = await cli(['runs', 'describe', 'pid-gone', '--output', 'text']);
    expect(described.stdout).toMatch(/^step 1: old — interrupted \(/m);
    const live = await cli(['runs', 'describe', 'live-1', '--output', 'text']);
    expect(live.stdout).toMatch(/^step 1: old — running$/m);
  });
  it('runs prune says which old runs it did not delete, and why, in one sentence each', async () => {
    const old = Date.now() - 10 * DAY;
    writeRecord('old-spooled-2', old, { endedAt: new Date(old + 1000).toISOString(), exitCode: 0 }, 2);
    const r = await cli(['runs', 'prune', '--older-than', '5d', '--yes']);
    expect([r.code, r.stderr]).toEqual([
      0,
      'not deleted: run old-spooled-2 has 2 records waiting in the spool, not delivered yet (flush it, or --force drops them)\n' +
        'No runs to delete older than 5d.\n',
    ]);
    expect((await cli(['runs', 'delete', 'old-spooled-2', '--force', '--yes'])).code).toBe(0);
  });

  it("runs describe shows a step's --tag values, a secret among them masked, and json keeps them", async () => {
    const env = { DD_LOGSTORE_SECRET_TAGKEY_TOKEN: 'hunter2-tag-secret' };
    const ran = await cli(
      ['run', '-q', '--run-id', 'tagged-1', '--tag', 'team:ml', '--tag', 'note:hunter2-tag-secret', '--', 'true'],
      env,
    );
    expect(ran.code).toBe(0);
    const untagged = await cli(['run', '-q', '--run-id', 'tagged-1', '--step', 'bare', '--', 'true']);
    expect(untagged.code).toBe(0);
    const text = await cli(['runs', 'describe', 'tagged-1'], env);
    expect(text.stdout).toContain('step 1 tags: team:ml, note:****\n');
    expect(text.stdout).not.toContain('step 2 tags');
    expect(text.stdout).not.toContain('hunter2');
    const json = JSON.parse((await cli(['runs', 'describe', 'tagged-1', '--output', 'json'])).stdout) as {
      steps: { tags?: string[] }[];
    };
    expect(json.steps.map((s) => s.tags)).toEqual([['team:ml', 'note:****'], undefined]);
    expect((await cli(['runs', 'delete', 'tagged-1', '--yes'])).code).toBe(0);
  });
});
