/**
 * `flush` of the older JSON-lines spool files (issue 18): a file is streamed a chunk at a time, so memory does not
 * grow with its size, and progress is kept per batch, so a `flush` killed midway does not send again what it
 * delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createEmulator } from '../emulator/emulator.js';
import { writeLegacySpool } from '../fixtures/legacy-spool.js';
import type { Emulator } from '../emulator/emulator.js';
import { BIN, ROOT, cliEnv, EMULATOR_KEYS, registerEmulatorLogStore, runCli, tempHome } from './harness.js';

const KEYS = EMULATOR_KEYS;
const RSS_PRELOAD = join(ROOT, 'test', 'fixtures', 'report-rss.mjs');

function logStoreId(home: string, name: string): string {
  const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {
    components: Record<string, Record<string, { id: string }>>;
  };
  return config.components['log-store']![name]!.id;
}

describe('flush of an older JSON-lines spool file', () => {
  const { home, cleanup } = tempHome('ddls-spool-stream-');
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await createEmulator();
    expect((await registerEmulatorLogStore(home, emulator.url, { name: 'big' })).code).toBe(0);
    const small = ['--max_export_batch_size=100', '--export_timeout_millis=20000'];
    expect((await registerEmulatorLogStore(home, emulator.url, { name: 'small', extra: small })).code).toBe(0);
    const hole = ['--max_export_batch_size=100', '--export_timeout_millis=1000'];
    expect((await registerEmulatorLogStore(home, emulator.url, { name: 'hole', extra: hole })).code).toBe(0);
  });
  afterAll(async () => {
    await emulator.close();
    cleanup();
  });

  /** Copies of each seq of `runId` the emulator got, by seq. */
  function copies(runId: string): Map<number, number> {
    const m = new Map<number, number>();
    for (const r of emulator.records()) {
      if (r.attributes['zenml.run.id'] !== runId) continue;
      const seq = Number(r.attributes['dd_logstore.seq']);
      m.set(seq, (m.get(seq) ?? 0) + 1);
    }
    return m;
  }

  it('a 200 MB file is sent in bounded memory: every record once, peak RSS far below the file size', async () => {
    emulator.reset();
    const dir = join(home, 'spool', logStoreId(home, 'big'));
    const n = 20_000;
    const file = writeLegacySpool(dir, 'huge', n, 10_000);
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(200 * 1000 * 1000);
    const rssFile = join(home, 'flush.rss');
    const f = await runCli(['flush', '--log-store', 'big'], {
      home,
      // A 128 MB cap on V8's old generation: reading the whole file (a 204 MB string, then every entry decoded) cannot
      // fit it and dies out of memory, while a streamed flush's live set is ~20-40 MB. The cap also fixes the young
      // generation's size, which V8 otherwise derives from the machine's memory: uncapped, Node 24's peak RSS was
      // 320-420 MB on different machines (garbage not yet collected, not live data), Node 20's 184 MB.
      env: {
        ...KEYS,
        NODE_OPTIONS: `--import=${RSS_PRELOAD} --max-old-space-size=128`,
        DD_TEST_RSS_FILE: rssFile,
      },
      timeoutMs: 120_000,
    });
    expect(f.stderr).toBe('');
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(/20,?000 records read from 1 spool file, 20,?000 delivered, 0 still spooled/);
    const got = copies('huge');
    expect(got.size).toBe(n);
    expect([...got.values()].every((c) => c === 1)).toBe(true);
    // Before: the whole file was read (a 204 MB buffer, then every entry decoded): peak RSS 636 MB. Streamed, under
    // the cap: 154 MB on Node 20, 192 MB on Node 24.
    const rss = Number(readFileSync(rssFile, 'utf8'));
    expect(rss).toBeLessThan(300 * 1024 * 1024);
    expect(readdirSync(dir)).toEqual([]);
    emulator.reset();
  }, 150_000);

  it('a flush killed with SIGKILL midway resumes where it was: what it delivered is not sent again', async () => {
    emulator.reset();
    const dir = join(home, 'spool', logStoreId(home, 'small'));
    const n = 3000;
    writeLegacySpool(dir, 'resume', n, 100);
    // 100 records a batch, each answered after 100 ms: the flush takes seconds, long enough to kill it midway.
    emulator.inject('intake', { type: 'delay', ms: 100, count: 1_000_000 });
    await new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, [BIN, 'flush', '--log-store', 'small'], {
        env: cliEnv(home, KEYS),
        stdio: 'ignore',
      });
      c.on('error', reject);
      const poll = setInterval(() => {
        if (copies('resume').size >= 1000) {
          clearInterval(poll);
          c.kill('SIGKILL');
        }
      }, 20);
      c.on('close', () => {
        clearInterval(poll);
        resolve();
      });
    });
    const first = new Set(copies('resume').keys());
    const before = first.size;
    expect(before).toBeGreaterThanOrEqual(1000);
    expect(before).toBeLessThan(n);
    // The file is back in the spool (claimable: its flusher is gone), with how far that flush got.
    expect(readdirSync(dir).some((x) => x.endsWith('.progress'))).toBe(true);

    emulator.reset();
    const f = await runCli(['flush', '--log-store', 'small'], { home, env: KEYS, timeoutMs: 120_000 });
    expect(f.stderr).toBe('');
    expect(f.code).toBe(0);
    const after = copies('resume');
    // Every record reached the intake; only the batch in flight at the kill (100 records) can be sent twice.
    const all = new Set([...first, ...after.keys()]);
    expect(all.size).toBe(n);
    expect(after.size).toBeLessThanOrEqual(n - before + 100);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  }, 120_000);
  it('an intake that never answers: flush stops after 3 batches in a row without an answer, exit 1, nothing lost', async () => {
    emulator.reset();
    const dir = join(home, 'spool', logStoreId(home, 'hole'));
    const n = 3000;
    writeLegacySpool(dir, 'hole', n, 100);
    // And a run's journal beside it (the intake refusing the run): after the stop it is counted, not sent.
    emulator.inject('intake', { type: 'status', status: 503, count: 1_000_000 });
    const printer = `for (let i = 0; i < 500; i++) console.log('journal ' + i)`;
    const r = await runCli(
      [
        'run',
        '--log-store',
        'hole',
        '--run-id',
        'hole-j',
        '--flush-timeout',
        '1s',
        '--',
        process.execPath,
        '-e',
        printer,
      ],
      { home, env: KEYS, timeoutMs: 60_000 },
    );
    expect(r.stderr).toMatch(/500 records read, 0 delivered, 500 spooled/);
    emulator.reset();
    emulator.inject('intake', { type: 'hang', count: 1_000_000 });
    const f = await runCli(['flush', '--log-store', 'hole'], { home, env: KEYS, timeoutMs: 120_000 });
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/flush of log store 'hole' stopped: 3 batches in a row got no answer in time/);
    expect(f.stdout).toMatch(/3,?500 records read from \d spool files, 0 delivered, 3,?500 still spooled/);
    // Before: every one of the 30 batches waited out its time budget (one request or more each); then the journal's
    // batches were tried too, three more. Now the three that stopped it, and the journal is counted.
    expect(emulator.requests().filter((r) => r.route === 'intake').length).toBeLessThanOrEqual(4);
    // Nothing lost: a flush against an intake that answers delivers all of them, once.
    emulator.reset();
    const again = await runCli(['flush', '--log-store', 'hole'], { home, env: KEYS, timeoutMs: 120_000 });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const got = copies('hole');
    expect(got.size).toBe(n);
    expect([...got.values()].every((c) => c === 1)).toBe(true);
    expect(copies('hole-j').size).toBe(500);
  }, 120_000);
  it("a file another pid namespace's flusher is sending is left alone while its heartbeat is fresh", async () => {
    emulator.reset();
    const dir = join(home, 'spool', logStoreId(home, 'big'));
    const file = writeLegacySpool(dir, 'elsewhere', 10, 10);
    // As a flusher in a container sharing the home leaves it: claimed under a pid that means nothing here, with who
    // it is and its heartbeat in the progress file.
    const sending = join(dir, '1700000000000-1-abc.sending-4000000');
    renameSync(file, sending);
    const progress = join(dir, '1700000000000-1-abc.progress');
    const owner = { pid: 4_000_000, host: hostname(), pidNs: 'pid:[1]', startTicks: 1 };
    writeFileSync(progress, JSON.stringify({ offset: 0, bad: 0, owner }));
    const busy = await runCli(['flush', '--log-store', 'big'], { home, env: KEYS });
    // Not counted, and said: the spool is not known to be empty while another flusher holds a file of it.
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/1 spool file of log store 'big' is being resent by another dd-logstore process/);
    // Before: the pid looked dead, so this flush took the file too and both sent it.
    expect(copies('elsewhere').size).toBe(0);
    expect(existsSync(sending)).toBe(true);
    // Its heartbeat stopped (that flusher died): the file is taken and sent.
    const old = new Date(Date.now() - 60_000);
    utimesSync(progress, old, old);
    const f = await runCli(['flush', '--log-store', 'big'], { home, env: KEYS });
    expect(f.stderr).toBe('');
    expect(f.code).toBe(0);
    expect(copies('elsewhere').size).toBe(10);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);
});
