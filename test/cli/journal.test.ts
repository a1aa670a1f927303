/**
 * The write-ahead journal of the remote flavors, end to end: `dd-logstore run` killed with SIGKILL mid-run (a CI
 * timeout, the OOM killer), then `flush`: every line that reached the terminal is in the intake exactly once after
 * de-duplication, and the step reads `interrupted`. A journal cut in the middle of a record is recovered up to its
 * last whole record.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import type { LogRecordData } from '../../src/core/log-record.js';
import { createFrameDecoder, createFrameEncoder, decodeHeader } from '../../src/pipeline/segment-format.js';
import { plainLineParser } from '../../src/runner/plain-line.js';
import { BIN, cliEnv, EMULATOR_KEYS, runCli, tempHome, useEmulatorLogStore } from './harness.js';

const KEYS = EMULATOR_KEYS;

/** A child printing a numbered line every `ms` milliseconds, for ever (until its pipe breaks). */
const SLOW_CHILD = [process.execPath, '-e', `let i=0;setInterval(()=>process.stdout.write('tick '+(i++)+'\\n'),5)`];

function journalFiles(home: string): string[] {
  const out: string[] = [];
  const root = join(home, 'spool');
  for (const store of readdirSync(root))
    for (const name of readdirSync(join(root, store)))
      if (name.endsWith('.journal'))
        for (const f of readdirSync(join(root, store, name))) out.push(join(root, store, name, f));
  return out;
}

describe('journal: nothing lost to kill -9', () => {
  const { home, cleanup } = tempHome();
  const emulator = useEmulatorLogStore(home, { scheduleDelayMs: 1000 });
  afterAll(cleanup);

  /** Keys of the run's records in the emulator: one per record after de-duplication, and how many copies in all. */
  function delivered(runId: string): { unique: Map<string, string>; copies: number } {
    const unique = new Map<string, string>();
    let copies = 0;
    for (const r of emulator().records()) {
      if (r.attributes['zenml.run.id'] !== runId) continue;
      copies++;
      const key = `${String(r.attributes['zenml.log.id'])}/${String(r.attributes['dd_logstore.writer'])}/${String(r.attributes['dd_logstore.seq'])}`;
      unique.set(key, r.message);
    }
    return { unique, copies };
  }

  it('run killed with SIGKILL mid-run: flush delivers every line the terminal saw, once; the step reads interrupted', async () => {
    const seen = await new Promise<string[]>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [BIN, 'run', '--log-store', 'dd', '--run-id', 'killed', '--', ...SLOW_CHILD],
        {
          env: cliEnv(home, KEYS),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      // Killed once batches were delivered (and acknowledged) and more lines wait in the queue: decided by what
      // happened, not by a delay, which a loaded machine can spend starting up. 100 lines shown past the delivered
      // ones: half a batch interval from the next send, so the kill does not land as a batch of everything goes out.
      const started = Date.now();
      const watch = setInterval(() => {
        const shown = out.split('\n').length - 1;
        const sent = delivered('killed').unique.size;
        if ((shown >= 300 && sent > 0 && shown - sent >= 100) || Date.now() - started > 30_000) {
          clearInterval(watch);
          child.kill('SIGKILL');
        }
      }, 20);
      child.on('close', () => {
        clearInterval(watch);
        const lines = out.split('\n');
        lines.pop(); // a line cut mid-write never reached the terminal whole
        resolve(lines);
      });
    });
    expect(seen.length).toBeGreaterThan(100);
    const before = delivered('killed');
    // The queue held the last lines: they were not delivered when we died.
    expect(before.unique.size).toBeLessThan(seen.length);

    const describeBefore = await runCli(['runs', 'describe', 'killed'], { home });
    expect(describeBefore.stdout).toMatch(/interrupted/);
    const list = await runCli(['runs', 'list'], { home });
    expect(list.stdout).toMatch(/killed.*interrupted/);
    // Its records wait in the journal: not deleted (it was, with "Its logs stay in Datadog."), the journal kept.
    const journalBefore = journalFiles(home);
    const del = await runCli(['runs', 'delete', 'killed', '--yes'], { home });
    expect(del.stderr).toBe(
      "error: run killed has records waiting in the spool (a step's journal), not delivered yet; nothing deleted (deliver them first with dd-logstore flush, or pass --force to drop them)\n",
    );
    expect(del.code).toBe(1);
    const prune = await runCli(['runs', 'prune', '--older-than', '0s', '--yes'], { home });
    expect(prune.stderr).toMatch(/^not deleted: run killed has records waiting in the spool \(a step's journal\)/);
    expect(journalFiles(home)).toEqual(journalBefore);
    // logs says the rest waits in the journal (it said "these are the records it wrote", as if that were all).
    const early = await runCli(['logs', '--run-id', 'killed', '--output', 'jsonl'], { home, env: KEYS });
    expect(early.stderr).toContain(
      'these are the records it delivered; the rest of what it read waits in its journal (deliver it with dd-logstore flush, then read again)\n',
    );

    const flush = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
    expect(flush.stderr).toBe('');
    expect(flush.code).toBe(0);
    const after = delivered('killed');
    const messages = new Set(after.unique.values());
    const missing = seen.filter((l) => !messages.has(l));
    expect(missing).toEqual([]);
    // Exactly once after de-duplication: one key per line (the seq is the original one).
    expect(after.unique.size).toBeGreaterThanOrEqual(seen.length);
    expect(new Set(after.unique.values()).size).toBe(after.unique.size);
    // The journal is gone once everything in it was delivered.
    expect(journalFiles(home)).toEqual([]);

    const describe = await runCli(['runs', 'describe', 'killed', '--output', 'json'], { home });
    const run = JSON.parse(describe.stdout) as {
      steps: { recovered?: { read: number; delivered: number }; counts: { read: number; delivered: number } }[];
    };
    const step = run.steps[0]!;
    expect(step.recovered?.read).toBe(after.unique.size);
    expect(step.recovered?.delivered).toBe(after.unique.size);
    expect(step.counts.delivered).toBe(after.unique.size);
    expect((await runCli(['runs', 'describe', 'killed'], { home })).stdout).toMatch(
      new RegExp(
        `interrupted .*${after.unique.size} records recovered from its journal, ${after.unique.size} delivered`,
      ),
    );
    // logs reads it back whole, once.
    const logs = await runCli(['logs', '--run-id', 'killed', '--output', 'jsonl'], { home, env: KEYS });
    expect(logs.stdout.trim().split('\n')).toHaveLength(after.unique.size);
    expect(logs.stderr).toContain('these are the records it wrote\n');
  }, 60_000);

  /** A run's journal segment: its bytes up to the first frame, its records, and the kinds of frame that hold them. */
  function journalOf(runId: string): { file: string; head: Buffer; records: LogRecordData[]; kinds: string[] } {
    for (const file of journalFiles(home).filter((f) => f.endsWith('.seg'))) {
      const bytes = readFileSync(file);
      const h = decodeHeader(bytes);
      if (h.kind !== 'ok' || h.header.context.runId !== runId) continue;
      // The journal's reader: its parsed lines frames are read with the record builder's line parser.
      const decoder = createFrameDecoder({ lineParser: plainLineParser });
      const records: LogRecordData[] = [];
      const kinds: string[] = [];
      for (let at = h.bodyStart; at < bytes.length;) {
        const r = decoder.decode(bytes, at);
        if (r.kind === 'record') records.push(r.record);
        else if (r.kind === 'records') records.push(...r.records);
        else if (r.kind !== 'acks') throw new Error(`${file} at ${at}: ${r.kind}`);
        kinds.push(r.kind);
        at = r.next;
      }
      return { file, head: bytes.subarray(0, h.bodyStart), records, kinds };
    }
    throw new Error(`no journal for ${runId}`);
  }

  it('journals of block frames mixed with frames (a chunk with unicode), and of frames alone (the format before blocks), flush every line once', async () => {
    emulator().inject('intake', { type: 'status', status: 503, count: 1000 });
    // Three chunks of 100 lines (a pause between them): ASCII, unicode, ASCII.
    const child = [
      process.execPath,
      '-e',
      `const put = (from, word) => { let s = ''; for (let i = from; i < from + 100; i++) s += word + ' ' + i + '\\n'; process.stdout.write(s); };
       put(0, 'mix'); setTimeout(() => put(100, 'ünï'), 300); setTimeout(() => put(200, 'mix'), 600);`,
    ];
    for (const runId of ['mixed', 'frames']) {
      const r = await runCli(['run', '--log-store', 'dd', '--run-id', runId, '--flush-timeout', '3s', '--', ...child], {
        home,
        env: KEYS,
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/300 records read, 0 delivered, 300 spooled/);
    }
    const expected = Array.from({ length: 300 }, (_, i) => `${i >= 100 && i < 200 ? 'ünï' : 'mix'} ${i}`).sort();
    const mixed = journalOf('mixed');
    expect(mixed.kinds).toContain('records');
    expect(mixed.kinds).toContain('record');
    expect(mixed.records.map((r) => r.message).sort()).toEqual(expected);
    // The other journal rewritten as the format before blocks: a frame per record, in one write.
    const old = journalOf('frames');
    const enc = createFrameEncoder();
    enc.begin();
    for (const r of old.records) enc.encode(r);
    writeFileSync(old.file, Buffer.concat([old.head, enc.bytes()]));
    expect(new Set(journalOf('frames').kinds)).toEqual(new Set(['record']));

    emulator().reset();
    const flush = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
    expect(flush.stderr).toBe('');
    expect(flush.code).toBe(0);
    for (const runId of ['mixed', 'frames']) {
      const got = delivered(runId);
      expect([...got.unique.values()].sort()).toEqual(expected);
      expect(got.copies).toBe(300);
    }
    expect(journalFiles(home)).toEqual([]);
  }, 60_000);

  it('lines written as they came (lines frames) flush once; a secret the child prints never reaches the journal file', async () => {
    emulator().inject('intake', { type: 'status', status: 503, count: 1000 });
    const secret = 'emulator-api-key';
    // Chunks a pause apart: plain lines (as they came), one with the secret in its message, one with it in a Python
    // logger's name (a prefix the message leaves out), then plain lines again.
    const child = [
      process.execPath,
      '-e',
      `const put = (from, f) => { let s = ''; for (let i = from; i < from + 100; i++) s += f(i) + '\\n'; process.stdout.write(s); };
       const key = process.argv[1];
       put(0, (i) => 'INFO:app.plain:line ' + i);
       setTimeout(() => put(100, (i) => i === 150 ? 'key is ' + key : 'INFO:app.plain:line ' + i), 300);
       setTimeout(() => put(200, (i) => i === 250 ? 'INFO:' + key + ':named' : 'plain ' + i), 600);
       setTimeout(() => put(300, (i) => 'plain ' + i), 900);`,
      secret,
    ];
    const r = await runCli(
      ['run', '--log-store', 'dd', '--run-id', 'as-they-came', '--flush-timeout', '3s', '--', ...child],
      {
        home,
        env: KEYS,
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`key is ${secret}`);
    expect(r.stderr).toMatch(/400 records read, 0 delivered, 400 spooled/);
    const journal = journalOf('as-they-came');
    const bytes = readFileSync(journal.file);
    expect(bytes.includes(secret)).toBe(false);
    // The first and last chunks were written as they came: their lines whole, the logger's prefix included.
    expect(bytes.includes('INFO:app.plain:line 5\nINFO:app.plain:line 6\n')).toBe(true);
    expect(bytes.includes('plain 398\nplain 399\n')).toBe(true);
    const expected = Array.from({ length: 400 }, (_, i) =>
      i === 150 ? 'key is ****' : i === 250 ? 'named' : i < 200 ? `line ${i}` : `plain ${i}`,
    );
    expect(journal.records.map((x) => x.message)).toEqual(expected);
    expect(journal.records.map((x) => x.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(journal.records[250]?.attributes).toEqual({ 'logger.name': '****' });
    expect(journal.records[5]).toMatchObject({ level: 'info', attributes: { 'logger.name': 'app.plain' } });

    emulator().reset();
    const flush = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
    expect(flush.stderr).toBe('');
    expect(flush.code).toBe(0);
    const got = delivered('as-they-came');
    expect(got.copies).toBe(400);
    expect([...got.unique.values()].sort()).toEqual([...expected].sort());
    expect(JSON.stringify(emulator().records())).not.toContain(secret);
    expect(journalFiles(home)).toEqual([]);
  }, 60_000);

  it('a flush after kill -9 delivers the same intake items the run shipped: seq, message, status, attributes, time', async () => {
    // Lines of every kind, on both streams, in chunks a pause apart: Python logging (a logger, none, an empty message),
    // levels said in the line, stderr's default level, JSON, a traceback, unicode, a blank line.
    const out = [
      '2024-05-01 12:00:00,123 INFO app.worker: processed item 1',
      'WARNING:app.db:slow query',
      'INFO:root:',
      '2024-05-01 12:00:00,123 - ERROR - nameless',
      'plain line',
      'ERROR something failed',
      'level=warn msg=logfmt',
      '{"message":"json line","level":"warning","k":1}',
      '',
      'ünïcødé line',
      'Traceback (most recent call last):',
      '  File "x.py", line 1, in <module>',
      'ValueError: no',
      'after the traceback',
    ];
    const err = ['stderr plain', 'INFO:app.err:fine on stderr', 'W1125 12:00:00.000000 1 main.go:1] glog'];
    const script = (stay: boolean): string[] => [
      process.execPath,
      '-e',
      `const out = ${JSON.stringify(out)}, err = ${JSON.stringify(err)};
       let n = 0;
       const put = () => { process.stdout.write(out.join('\\n') + '\\n'); process.stderr.write(err.join('\\n') + '\\n'); };
       // Alive a while after its output (killed with dd-logstore or not, it then ends by itself: no orphan left).
       const t = setInterval(() => { put(); if (++n === 4) { clearInterval(t); ${stay ? 'setTimeout(() => {}, 30000);' : ''} } }, 100);`,
    ];
    // The intake answers each request 4 s late: the run's batch reaches it (and is stored) but dd-logstore is killed
    // before the answer, so nothing is acknowledged and `flush` sends every record again. Each seq then has two copies
    // in the intake: what the run shipped, and what the flush read back from the journal. They must be the same.
    emulator().inject('intake', { type: 'delay', ms: 4000, count: 1000 });
    const lines = 4 * (out.length + err.length);
    const sent = (): number =>
      emulator()
        .requests()
        .filter((q) => q.route === 'intake' && q.fault === 'delay').length;
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [BIN, 'run', '--log-store', 'dd', '--run-id', 'items-killed', '--', ...script(true)],
        { env: cliEnv(home, KEYS), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let seen = 0;
      const count = (c: Buffer): void => void (seen += c.toString().split('\n').length - 1);
      child.stdout.on('data', count);
      child.stderr.on('data', count);
      child.on('error', reject);
      const started = Date.now();
      const watch = setInterval(() => {
        if ((seen >= lines && sent() > 0) || Date.now() - started > 30_000) {
          clearInterval(watch);
          child.kill('SIGKILL');
        }
      }, 20);
      child.on('close', () => resolve());
    });
    expect(sent()).toBeGreaterThan(0);
    // The late answers' records are stored by now.
    await new Promise((r) => setTimeout(r, 4500));
    // Its plain lines went as parsed lines frames (no table): a reader without the line parser cannot read them.
    const journal = journalOf('items-killed');
    // 14 lines on stdout make 11 records (a blank line none, a traceback's three lines one), and 3 on stderr, 4 times.
    expect(journal.records).toHaveLength(56);
    const bytes = readFileSync(journal.file);
    const plainDecoder = createFrameDecoder();
    const head = decodeHeader(bytes);
    let at = head.kind === 'ok' ? head.bodyStart : 0;
    let refused = 0;
    while (at < bytes.length) {
      const r = plainDecoder.decode(bytes, at);
      if (r.kind === 'bad') refused++;
      if (r.kind === 'bad' || r.kind === 'short') break;
      at = r.next;
    }
    expect(refused).toBe(1);
    const flush = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
    expect(flush.stderr).toBe('');
    expect(flush.code).toBe(0);
    // Per seq, the run's copy (first in intake order) and the flush's, less only the emulator's own bookkeeping.
    const copies = new Map<number, unknown[]>();
    for (const r of emulator().records()) {
      if (r.attributes['zenml.run.id'] !== 'items-killed') continue;
      const { id: _id, receivedAt: _receivedAt, ...item } = r;
      const seq = Number(r.attributes['dd_logstore.seq']);
      copies.set(seq, [...(copies.get(seq) ?? []), item]);
    }
    expect([...copies.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: 56 }, (_, i) => i));
    const pairs = [...copies.values()].filter((c) => c.length === 2);
    expect(pairs.length).toBeGreaterThan(0);
    for (const [fromRun, fromFlush] of pairs) expect(fromFlush).toEqual(fromRun);
    // Every kind of line is among them: a Python logger, stderr's level, JSON, a traceback.
    const messages = pairs.map((c) => (c[0] as { message: string }).message);
    expect(messages).toEqual(expect.arrayContaining(['processed item 1', 'stderr plain', 'json line']));
    expect(journalFiles(home)).toEqual([]);
    emulator().reset();
  }, 60_000);

  /** Runs `run` in the background until `kill` says so (SIGKILL); the lines its stdout showed, whole. */
  function runUntilKilled(runId: string, child: string[], kill: (shown: number) => boolean): Promise<string[]> {
    return new Promise<string[]>((resolve, reject) => {
      const c = spawn(process.execPath, [BIN, 'run', '--log-store', 'dd', '--run-id', runId, '--', ...child], {
        env: cliEnv(home, KEYS),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      c.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      c.on('error', reject);
      const started = Date.now();
      const watch = setInterval(() => {
        if (kill(out.split('\n').length - 1) || Date.now() - started > 30_000) {
          clearInterval(watch);
          c.kill('SIGKILL');
        }
      }, 2);
      c.on('close', () => {
        clearInterval(watch);
        const lines = out.split('\n');
        lines.pop();
        resolve(lines);
      });
    });
  }

  it('kill -9 right after the first acknowledged batches (their ack frames written or not): each line once after flush', async () => {
    // A fast child: chunks keep coming, so acks go with the next chunk's frames or alone at the end of a turn.
    const fast = [
      process.execPath,
      '-e',
      `let i=0;setInterval(()=>{let s='';for(let k=0;k<50;k++)s+='fast '+(i++)+'\\n';process.stdout.write(s)},2)`,
    ];
    for (const runId of ['acked-1', 'acked-2', 'acked-3']) {
      // Killed the moment the intake holds records of the run: its answer is out, its ack frame may not be.
      const seen = await runUntilKilled(runId, fast, () => delivered(runId).unique.size > 0);
      expect(seen.length).toBeGreaterThan(0);
      const flush = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
      expect(flush.stderr).toBe('');
      expect(flush.code).toBe(0);
      const after = delivered(runId);
      const messages = new Set(after.unique.values());
      expect(seen.filter((l) => !messages.has(l))).toEqual([]);
      // Once after de-duplication: one key per message.
      expect(messages.size).toBe(after.unique.size);
      expect(journalFiles(home)).toEqual([]);
    }
  }, 120_000);

  it('a journal of the layout before ack frames (an `acks` file) flushes what it does not cover, once', async () => {
    // 300 lines, delivered (acknowledged: ack frames); then 300 more while the intake refuses: kept.
    const child = [
      process.execPath,
      '-e',
      `const put = (from) => { let s = ''; for (let i = from; i < from + 300; i++) s += 'old ' + i + '\\n'; process.stdout.write(s); };
       put(0); setTimeout(() => put(300), 2500);`,
    ];
    const running = runCli(
      ['run', '--log-store', 'dd', '--run-id', 'old-layout', '--flush-timeout', '3s', '--', ...child],
      {
        home,
        env: KEYS,
      },
    );
    const started = Date.now();
    while (delivered('old-layout').unique.size < 300 && Date.now() - started < 20_000)
      await new Promise((r) => setTimeout(r, 20));
    emulator().inject('intake', { type: 'status', status: 503, count: 1000 });
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/600 records read, 300 delivered, 300 spooled/);
    // Rewritten as a build before ack frames left it: the same frames less the ack frames, their ranges in `acks`.
    const segment = journalFiles(home).find((f) => f.endsWith('.seg'))!;
    const bytes = readFileSync(segment);
    const h = decodeHeader(bytes);
    if (h.kind !== 'ok') throw new Error(h.kind);
    const decoder = createFrameDecoder({ lineParser: plainLineParser });
    const kept: Buffer[] = [bytes.subarray(0, h.bodyStart)];
    let acks = '';
    for (let at = h.bodyStart; at < bytes.length;) {
      const f = decoder.decode(bytes, at);
      if (f.kind === 'short' || f.kind === 'bad') throw new Error(f.kind);
      if (f.kind === 'acks') for (let i = 0; i < f.ranges.length; i += 2) acks += `${f.ranges[i]} ${f.ranges[i + 1]}\n`;
      else kept.push(bytes.subarray(at, f.next));
      at = f.next;
    }
    expect(acks).not.toBe('');
    writeFileSync(segment, Buffer.concat(kept));
    writeFileSync(join(segment, '..', 'acks'), acks);
    expect(journalOf('old-layout').kinds).not.toContain('acks');

    emulator().reset();
    const flush = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
    expect(flush.stderr).toBe('');
    expect(flush.code).toBe(0);
    const got = delivered('old-layout');
    expect(got.copies).toBe(300);
    expect([...got.unique.values()].sort()).toEqual(Array.from({ length: 300 }, (_, i) => `old ${300 + i}`).sort());
    expect(journalFiles(home)).toEqual([]);
  }, 60_000);

  it('a delivered journal a run left while removing it (`.gone-*`): removed by the next flush or run, never flushed', async () => {
    emulator().inject('intake', { type: 'status', status: 503, count: 1000 });
    const child = [process.execPath, '-e', `for (let i = 0; i < 50; i++) console.log('gone ' + i)`];
    const r = await runCli(['run', '--log-store', 'dd', '--run-id', 'gone', '--flush-timeout', '2s', '--', ...child], {
      home,
      env: KEYS,
    });
    expect(r.stderr).toMatch(/50 records read, 0 delivered, 50 spooled/);
    emulator().reset();
    // Even holding records (a real one holds only delivered ones), a `.gone-*` directory is never resent.
    const dir = join(
      journalFiles(home).find((f) => f.endsWith('.seg'))!,
      '..',
    );
    const store = join(dir, '..');
    renameSync(dir, join(store, '.gone-w1'));
    const flush = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
    expect(flush.code).toBe(0);
    expect(delivered('gone').copies).toBe(0);
    expect(readdirSync(store).filter((n) => n.startsWith('.gone-'))).toEqual([]);
    // The next run's background drain removes one too.
    mkdirSync(join(store, '.gone-w2'));
    writeFileSync(join(store, '.gone-w2', 'journal-0000.seg'), 'x');
    const next = await runCli(['run', '--log-store', 'dd', '--run-id', 'after-gone', '--', 'true'], {
      home,
      env: KEYS,
    });
    expect(next.code).toBe(0);
    expect(existsSync(join(store, '.gone-w2'))).toBe(false);
  }, 60_000);

  it('a journal damaged in the middle (bytes overwritten): what it reads is resent, then it is kept in corrupt/, never removed; flush exits 1; the run says why', async () => {
    emulator().inject('intake', { type: 'status', status: 503, count: 1000 });
    // Three bursts: three chunks, three frames; the damage goes in the last one.
    const child = [
      process.execPath,
      '-e',
      `let b = 0; const burst = () => { for (let i = 0; i < 300; i++) console.log('dmg ' + (b * 300 + i)); if (++b < 3) setTimeout(burst, 300); }; burst();`,
    ];
    const r = await runCli(['run', '--log-store', 'dd', '--run-id', 'dmg', '--flush-timeout', '3s', '--', ...child], {
      home,
      env: KEYS,
    });
    expect(r.stderr).toMatch(/900 records read, 0 delivered, 900 spooled/);
    emulator().reset();
    const segment = journalFiles(home).find((f) => f.endsWith('.seg'))!;
    const bytes = readFileSync(segment);
    // Newlines where a line's text was: the last lines frame no longer holds the records it says it holds.
    bytes.fill(0x0a, bytes.length - 200, bytes.length - 184);
    writeFileSync(segment, bytes);
    // The intake refuses the key: what it read is not delivered, so it stays in the spool (not moved aside).
    emulator().inject('intake', { type: 'status', status: 403, count: 1000 });
    const refused = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
    expect(refused.code).toBe(1);
    expect(refused.stderr).not.toMatch(/moved to/);
    expect(journalFiles(home).length).toBeGreaterThan(0);
    emulator().reset();
    const flush = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
    expect(flush.stderr).toMatch(/warning: journal .* is damaged at byte \d+/);
    expect(flush.stderr).toMatch(/warning: journal .*\.journal is damaged: moved to .*corrupt/);
    expect(flush.stderr).toMatch(/error: 1 damaged spool file of log store 'dd' moved to .*corrupt/);
    expect(flush.code).toBe(1);
    // The lines before the damaged frame (the first two bursts at least; a burst may come in more than one chunk).
    const got = [...delivered('dmg').unique.values()].map((m) => Number(m.slice(4))).sort((a, b) => a - b);
    expect(got.length).toBeGreaterThanOrEqual(600);
    expect(got.length).toBeLessThan(900);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i));
    // Kept, byte for byte, out of every later flush's way.
    const store = readdirSync(join(home, 'spool'))[0]!;
    const aside = join(home, 'spool', store, 'corrupt');
    const [moved] = readdirSync(aside);
    expect(readFileSync(join(aside, moved!, basename(segment)))).toEqual(bytes);
    expect(journalFiles(home)).toEqual([]);
    const describe = await runCli(['runs', 'describe', 'dmg'], { home, env: KEYS });
    expect(describe.stdout).toMatch(/spool journal is damaged/);
    const again = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
    expect([again.code, again.stdout]).toEqual([0, expect.stringMatching(/0 records read from 0 spool files/)]);
  }, 90_000);

  it('a journal cut in the middle of a record: recovered up to its last whole record, with a warning', async () => {
    emulator().inject('intake', { type: 'status', status: 503, count: 1000 });
    const child = [process.execPath, '-e', `for (let i = 0; i < 200; i++) console.log('cut ' + i)`];
    const r = await runCli(['run', '--log-store', 'dd', '--run-id', 'cut', '--flush-timeout', '3s', '--', ...child], {
      home,
      env: KEYS,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/200 records read, 0 delivered, 200 spooled/);
    emulator().reset();
    const segment = journalFiles(home).find((f) => f.endsWith('.seg'))!;
    // The last record is `cut 199`: cut off its last bytes, as a crash mid-write would.
    truncateSync(segment, statSync(segment).size - 3);
    const flush = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
    expect(flush.stderr).toMatch(
      /the last \d+ bytes are not a whole record .*cut there; the records before it are kept/,
    );
    const got = delivered('cut');
    expect([...got.unique.values()].sort()).toEqual(Array.from({ length: 199 }, (_, i) => `cut ${i}`).sort());
    expect(journalFiles(home)).toEqual([]);
  }, 60_000);

  /** A run of two lines whose intake answers 503 (injected until the test resets the emulator): both spooled. */
  const spooledRun = (runId: string) => {
    emulator().inject('intake', { type: 'status', status: 503, count: 100_000 });
    return runCli(
      ['run', '--log-store', 'dd', '--run-id', runId, '--flush-timeout', '1s', '--', 'sh', '-c', 'echo one; echo two'],
      {
        home,
        env: KEYS,
      },
    );
  };

  /** A flush that succeeds and delivers no record of `runId`: its journal went with the run. */
  const expectFlushDeliversNoneOf = async (runId: string): Promise<void> => {
    expect((await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS })).code).toBe(0);
    expect(
      emulator()
        .records()
        .filter((r) => r.attributes['zenml.run.id'] === runId),
    ).toEqual([]);
  };

  it('runs delete --force drops the journal of a step whose records were spooled: a later flush sends none of them', async () => {
    const run = await spooledRun('dropped');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/2 spooled/);
    const journals = () => journalFiles(home).filter((f) => readFileSync(f).includes('dropped'));
    expect(journals().length).toBeGreaterThan(0);
    const del = await runCli(['runs', 'delete', 'dropped', '--force', '--yes'], { home });
    expect(del.stderr).toBe(
      'Deleted run dropped (run record, the undelivered records of 1 step). Its logs stay in Datadog.\n',
    );
    expect(del.code).toBe(0);
    expect(journals()).toEqual([]);
    emulator().reset(); // the fault's count was not used up
    await expectFlushDeliversNoneOf('dropped');
  }, 60_000);
  it('runs delete --force of a run whose record is damaged finds its journal by the run id in its header', async () => {
    const run = await spooledRun('dropped-2');
    expect(run.stderr).toMatch(/2 spooled/);
    const journals = () => journalFiles(home).filter((f) => readFileSync(f).includes('dropped-2'));
    expect(journals().length).toBeGreaterThan(0);
    writeFileSync(join(home, 'runs', 'dropped-2.json'), 'not json');
    const del = await runCli(['runs', 'delete', 'dropped-2', '--force', '--yes'], { home });
    expect(del.stderr).toBe(
      'Deleted run dropped-2 (unreadable run record, the undelivered records of 1 step). Its logs stay in the log store it shipped to, if that was not a local one.\n',
    );
    expect(journals()).toEqual([]);
    emulator().reset();
    await expectFlushDeliversNoneOf('dropped-2');
  }, 60_000);
  it('a journal damaged before its first record (its header): flush counts its records lost on their step, which then can be deleted', async () => {
    const run = await spooledRun('unread');
    expect(run.stderr).toMatch(/2 spooled/);
    const seg = journalFiles(home).find((f) => f.endsWith('.seg') && readFileSync(f).includes('unread'))!;
    const bytes = readFileSync(seg);
    bytes.fill(0xff, 0, 32);
    writeFileSync(seg, bytes);
    emulator().reset();
    const flush = await runCli(['flush', '--log-store', 'dd'], { home, env: KEYS });
    expect(flush.code).toBe(1);
    expect(flush.stderr).toMatch(/is damaged: moved to /);
    const described = await runCli(['runs', 'describe', 'unread', '--output', 'json'], { home });
    const step = (JSON.parse(described.stdout) as { steps: { counts: Record<string, number>; error?: string }[] })
      .steps[0]!;
    // Before: spooled 2 for ever, and runs delete refused the run for records no flush could ever send.
    expect(step.counts).toMatchObject({ read: 2, delivered: 0, spooled: 0, failed: 2 });
    expect(step.error).toMatch(/its spool journal is damaged/);
    expect((await runCli(['runs', 'delete', 'unread', '--yes'], { home })).code).toBe(0);
  }, 60_000);
});
