/**
 * The user's job comes first (issue 18): once the config resolves, the child always starts and its exit code always
 * comes back. A full disk (a 2 MB tmpfs under the home) and a read-only home make what cannot be written a warning,
 * every record not kept is counted and reported as lost, never as delivered, and no half record is left behind.
 * Needs `mount` (root); skipped with the reason otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './harness.js';

function tryMount(args: string[]): boolean {
  try {
    execFileSync('mount', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const root = mkdtempSync(join(tmpdir(), 'ddls-disk-'));
const tmpfs = join(root, 'tmpfs');
mkdirSync(tmpfs);
const canMount = tryMount(['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', tmpfs]);
const maybe = canMount ? describe : describe.skip;
if (!canMount) process.stderr.write('full-disk tests skipped: `mount -t tmpfs` is not allowed here (needs root)\n');

/** `N records read, D delivered, S spooled, X dropped[, L lost]` from the summary line. */
function counts(stderr: string): { read: number; delivered: number; spooled: number; lost: number } {
  const m = /(\d+) records? read, (\d+) delivered, (\d+) spooled, \d+ dropped(?:, (\d+) lost)?/.exec(stderr);
  if (!m) throw new Error(`no summary line in: ${stderr}`);
  return { read: Number(m[1]), delivered: Number(m[2]), spooled: Number(m[3]), lost: Number(m[4] ?? 0) };
}

const CHILD = (n: number, code: number) => [
  process.execPath,
  '-e',
  `let s='';for(let i=0;i<${n};i++)s+='line '+i+' '+'x'.repeat(60)+'\\n';process.stdout.write(s,()=>process.exit(${code}))`,
];

maybe('a full disk under the home', () => {
  const home = join(tmpfs, 'home');
  beforeAll(async () => {
    // The config resolves (a first tiny run makes the default log store).
    expect((await runCli(['run', '--run-id', 'seed', '--', 'true'], { home })).code).toBe(0);
  });
  afterAll(() => {
    execFileSync('umount', [tmpfs]);
    rmSync(root, { recursive: true, force: true });
  });

  it('the disk fills during the run: the exit code is the child own, the lost records are counted, no half record', async () => {
    const r = await runCli(['run', '--run-id', 'fills', '--', ...CHILD(100_000, 3)], { home, timeoutMs: 120_000 });
    expect(r.code).toBe(3);
    expect(r.stdout.split('\n')).toHaveLength(100_001);
    const c = counts(r.stderr);
    expect(c.read).toBe(100_000);
    expect(c.lost).toBeGreaterThan(0);
    expect(c.delivered + c.spooled + c.lost).toBe(100_000);
    expect(r.stderr).toMatch(new RegExp(`error: ${c.lost} records could not be delivered nor written`));
    // What is in the store reads back whole: exactly the records counted delivered, no torn record.
    const logs = await runCli(['logs', '--run-id', 'fills', '--output', 'jsonl'], { home, timeoutMs: 60_000 });
    expect(logs.stderr).not.toMatch(/not a whole record|damaged/);
    expect(logs.stdout.trim().split('\n').filter(Boolean)).toHaveLength(c.delivered);
    // No temporary file left to keep the disk full.
    expect(readdirSync(home, { recursive: true }).filter((n) => String(n).endsWith('.tmp'))).toEqual([]);
    // Before: the run record stayed `running`. It is finished, with the child's exit code and the lost records.
    const list = await runCli(['runs', 'list', '--output', 'json'], { home });
    const run = (JSON.parse(list.stdout) as { runId: string; status: string; exitCodes: number[] }[]).find(
      (x) => x.runId === 'fills',
    );
    expect(run).toMatchObject({ status: 'failed', exitCodes: [3] });
    const described = await runCli(['runs', 'describe', 'fills', '--output', 'json'], { home });
    expect((JSON.parse(described.stdout) as { counts: Record<string, number> }).counts).toMatchObject({
      read: 100_000,
      delivered: c.delivered,
      failed: c.lost,
    });
  }, 180_000);

  it('many short lines on a filling disk: a write after a refused one lands on a frame boundary, all read back', async () => {
    // `seq`'s short lines: writes keep coming after the first refused one, and smaller ones fit again. The refused
    // write was undone with ftruncate, but the file offset stayed past it: the next write left a hole of zeros, and
    // every record after it (counted delivered) could not be read back.
    const r = await runCli(['run', '--run-id', 'seq', '--', 'seq', '1', '400000'], { home, timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const c = counts(r.stderr);
    expect(c.lost).toBeGreaterThan(0);
    const logs = await runCli(['logs', '--run-id', 'seq', '--output', 'jsonl'], { home, timeoutMs: 60_000 });
    expect(logs.stderr).not.toMatch(/not a whole record|damaged/);
    expect(logs.stdout.trim().split('\n').filter(Boolean)).toHaveLength(c.delivered);
    await runCli(['runs', 'delete', 'seq', '--yes', '--force'], { home });
  }, 180_000);

  it('the disk is full before the run: the child still starts and its exit code comes back', async () => {
    try {
      writeFileSync(join(tmpfs, 'filler'), Buffer.alloc(4 * 1024 * 1024));
    } catch {
      // ENOSPC: the disk is full now, which is the point.
    }
    const r = await runCli(['run', '--run-id', 'full', '--', ...CHILD(1000, 5)], { home });
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('line 999 ');
    expect(r.stderr).toMatch(/warning: cannot write the run record .*the command runs anyway/);
    const c = counts(r.stderr);
    expect(c.read).toBe(1000);
    expect(c.delivered).toBe(0);
    expect(c.lost).toBe(1000);
  }, 60_000);

  it('flush on a full disk: exit 1 naming the file, no temporary file left, the spool file kept for the next flush', async () => {
    const filler = join(tmpfs, 'filler');
    rmSync(filler, { force: true });
    const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {
      components: Record<string, Record<string, { id: string }>>;
    };
    const dir = join(home, 'spool', config.components['log-store']!.default!.id);
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
    const now = Date.now();
    const lines = Array.from({ length: 5 }, (_, i) => ({
      v: 1,
      run_id: 'older',
      reason: 'retries exhausted',
      spooled_at: now,
      item: { message: `older ${i}`, status: 'info', timestamp: now, 'zenml.run.id': 'older', 'dd_logstore.seq': i },
    }));
    writeFileSync(join(dir, '1700000000000-1-abc.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
    try {
      writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024));
    } catch {
      // ENOSPC: full again.
    }
    const f = await runCli(['flush'], { home });
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/cannot resend spool file .*1700000000000-1-abc\.sending-\d+: ENOSPC/);
    // Before: the progress file's temporary copy stayed, and the file stayed claimed (.sending-<pid>).
    expect(readdirSync(home, { recursive: true }).filter((n) => String(n).endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(dir)).toEqual(['1700000000000-1-abc.jsonl']);
    rmSync(filler, { force: true });
    const again = await runCli(['flush'], { home });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/5 records read from 1 spool file, 5 delivered, 0 still spooled/);
  }, 60_000);
});

const roRoot = mkdtempSync(join(tmpdir(), 'ddls-ro-'));
const roHome = join(roRoot, 'home');
mkdirSync(roHome);
let roMounted = false;

maybe('a read-only home', () => {
  beforeAll(async () => {
    expect((await runCli(['run', '--run-id', 'seed', '--', 'true'], { home: roHome })).code).toBe(0);
    roMounted = tryMount(['--bind', roHome, roHome]) && tryMount(['-o', 'remount,bind,ro', roHome]);
  });
  afterAll(() => {
    if (roMounted) execFileSync('umount', [roHome]);
    rmSync(roRoot, { recursive: true, force: true });
  });

  it('does not stop the child: its output and exit code come back, the lost records are reported', async () => {
    expect(roMounted).toBe(true);
    const r = await runCli(['run', '--run-id', 'ro', '--', ...CHILD(500, 4)], { home: roHome });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('line 499 ');
    expect(r.stderr).toMatch(/warning: cannot write the run record .*the command runs anyway/);
    const c = counts(r.stderr);
    expect(c.read).toBe(500);
    expect(c.lost).toBe(500);
    expect(r.stderr).not.toMatch(/^error: cannot create/m);
  }, 60_000);
});
