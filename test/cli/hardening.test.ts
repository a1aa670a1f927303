/**
 * Hardening (issue 18): the built CLI against children that ignore signals or leave a background process holding
 * their output, intakes that are slow, never answer or answer with someone else's page, secrets that are only in the
 * environment, files others can write, hostile bytes in records and bad values in hand-edited files.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createEmulator } from '../emulator/emulator.js';
import type { Emulator } from '../emulator/emulator.js';
import { readJournal } from '../../src/pipeline/journal.js';
import { createFrameDecoder, decodeHeader } from '../../src/pipeline/segment-format.js';
import { plainLineParser } from '../../src/runner/plain-line.js';
import { BIN, cliEnv, EMULATOR_KEYS, registerEmulatorLogStore, runCli, tempHome } from './harness.js';

const KEYS = EMULATOR_KEYS;
const NODE = process.execPath;

interface Started {
  stdout(): string;
  stderr(): string;
  waitFor(text: string): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  done: Promise<{ code: number | null }>;
}

/** The CLI with stdin not a terminal (signals are passed on), its output collected. */
function start(home: string, args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(NODE, [BIN, ...args], { env: cliEnv(home, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) if (out.includes(w.text)) w.resolve();
  };
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    check();
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    stdout: () => out,
    stderr: () => err,
    waitFor: (text) =>
      new Promise((resolve) => {
        waiters.push({ text, resolve });
        check();
      }),
    kill: (signal) => child.kill(signal),
    done: new Promise((resolve) => child.on('close', (code) => resolve({ code }))),
  };
}

/** A child that says "ready" and ignores `signal`, printing each one it gets. */
function stubborn(signal: NodeJS.Signals): string[] {
  return [
    NODE,
    '-e',
    `process.on('${signal}',()=>console.log('ignored ${signal}'));console.log('ready');setInterval(()=>{},1000)`,
  ];
}

function printer(n: number): string[] {
  return [NODE, '-e', `let s='';for(let i=0;i<${n};i++)s+='line '+i+'\\n';process.stdout.write(s)`];
}

async function counts(home: string, runId: string) {
  const r = await runCli(['runs', 'describe', runId, '--output', 'json'], { home });
  return (JSON.parse(r.stdout) as { counts: Record<'read' | 'delivered' | 'spooled' | 'dropped' | 'failed', number> })
    .counts;
}

async function spoolLines(home: string): Promise<{ reason: string; item: Record<string, unknown> }[]> {
  const root = join(home, 'spool');
  const out: { reason: string; item: Record<string, unknown> }[] = [];
  if (!existsSync(root)) return out;
  for (const store of readdirSync(root)) {
    const dir = join(root, store);
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.journal')) {
        out.push(...(await journalLines(join(dir, name))));
        continue;
      }
      if (!/\.(jsonl|open)$/.test(name)) continue;
      for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
        if (line) out.push(JSON.parse(line) as { reason: string; item: Record<string, unknown> });
      }
    }
  }
  return out;
}

/** A journal's undelivered records, as spool lines: what its acks do not cover, with the journal's reason. */
async function journalLines(dir: string): Promise<{ reason: string; item: Record<string, unknown> }[]> {
  // Its acks: every part's ack frames, and the `acks` file (a flusher's; a run's before ack frames).
  const j = await readJournal(dir);
  const out: { reason: string; item: Record<string, unknown> }[] = [];
  for (const file of j.segments) {
    const bytes = readFileSync(file);
    const h = decodeHeader(bytes);
    if (h.kind !== 'ok') continue;
    // The journal's reader: its parsed lines frames need the record builder's line parser.
    const decoder = createFrameDecoder({ lineParser: plainLineParser });
    for (let at = h.bodyStart; at < bytes.length;) {
      const r = decoder.decode(bytes, at);
      // A frame holds one record, a block frame (a chunk's, as the journal writes them) several.
      const records =
        r.kind === 'record' ? [r.record] : r.kind === 'records' ? r.records : r.kind === 'acks' ? [] : undefined;
      if (records === undefined || r.kind === 'short' || r.kind === 'bad' || r.kind === 'skip') break;
      at = r.next;
      for (const record of records) {
        if (j.acked.has(record.seq)) continue;
        out.push({
          reason: j.reason ?? '',
          item: {
            ...record.attributes,
            message: record.message,
            'zenml.run.id': h.header.context.runId,
            'zenml.log.id': h.header.context.logId,
            'dd_logstore.seq': record.seq,
          },
        });
      }
    }
  }
  return out;
}

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (ok()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ok();
}

/** Whether a process is gone: no such pid, or a zombie nobody reaped yet (a container's init may not). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
}

describe('a command that ignores signals (as docker stop)', () => {
  const { home, cleanup } = tempHome('ddls-hard-sig-');
  afterAll(cleanup);

  it('SIGTERM ignored: SIGKILL after --kill-after, said on stderr, exit 137, its lines kept', async () => {
    const r = start(home, ['run', '--run-id', 'term', '--kill-after', '1s', '--', ...stubborn('SIGTERM')]);
    await r.waitFor('ready');
    r.kill('SIGTERM');
    const { code } = await r.done;
    expect(code).toBe(137);
    expect(r.stdout()).toContain('ignored SIGTERM');
    expect(r.stderr()).toMatch(/did not exit within 1 s of SIGTERM \(--kill-after\): killing it \(SIGKILL\)/);
    expect(await counts(home, 'term')).toMatchObject({ read: 2, delivered: 2 });
    // Stopped by its user, so interrupted (it read failed, as a crash's SIGKILL does), and describe says whose kill.
    const listed = await runCli(['runs', 'list', '--status', 'interrupted', '--output', 'text'], { home });
    expect(listed.stdout).toMatch(/^term\tinterrupted \(SIGKILL\)\t/m);
    const described = await runCli(['runs', 'describe', 'term'], { home });
    expect(described.stdout).toMatch(
      /^step 1: \(no step\) — killed by SIGKILL \(sent by dd-logstore when SIGTERM did not stop it\)$/m,
    );
  }, 30_000);

  it('SIGKILL after --kill-after reaches what the command started too: one holding the pipe, one in its own group', async () => {
    const pids = join(home, 'tree-pids');
    const ignoring = `process.on('SIGTERM',()=>{});setInterval(()=>{},1000)`;
    const script = [
      `const { spawn } = require('child_process');`,
      `process.on('SIGTERM', () => console.log('ignored SIGTERM'));`,
      `const a = spawn(process.execPath, ['-e', ${JSON.stringify(ignoring)}], { stdio: ['ignore', 'inherit', 'inherit'] });`,
      `const b = spawn(process.execPath, ['-e', ${JSON.stringify(ignoring)}], { stdio: 'ignore', detached: true });`,
      `require('fs').writeFileSync(${JSON.stringify(pids)}, [process.pid, a.pid, b.pid].join(' '));`,
      `setTimeout(() => console.log('ready'), 500);`,
      `setInterval(() => {}, 1000);`,
    ].join('\n');
    const r = start(home, ['run', '--run-id', 'tree', '--kill-after', '1s', '--', NODE, '-e', script]);
    await r.waitFor('ready');
    const [child, holder, grouped] = readFileSync(pids, 'utf8').split(' ').map(Number) as [number, number, number];
    try {
      r.kill('SIGTERM');
      const { code } = await r.done;
      expect(code).toBe(137);
      expect(r.stderr()).toMatch(
        /did not exit within 1 s of SIGTERM \(--kill-after\): killing it \(SIGKILL\), and the 2 processes it started/,
      );
      // Before: only the command was killed; both grandchildren lived on (the first one holding run's output).
      for (const pid of [child, holder, grouped]) expect(await until(() => gone(pid), 5000)).toBe(true);
    } finally {
      for (const pid of [holder, grouped])
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone, as it should be.
        }
    }
  }, 30_000);

  it('SIGKILL after --kill-after also gets what a process keeps starting while the tree is being killed', async () => {
    // A process in its own session that starts children as fast as it can, each ignoring SIGTERM, named by a marker.
    const marker = `ddls-spawned-${process.pid}-${Date.now()}`;
    const loop = `trap '' TERM; while :; do (trap '' TERM; exec -a ${marker} sleep 1000) & done`;
    const script = [
      `process.on('SIGTERM', () => console.log('ignored SIGTERM'));`,
      `require('child_process').spawn('bash', ['-c', ${JSON.stringify(loop)}], { stdio: 'ignore', detached: true });`,
      `setTimeout(() => console.log('ready'), 500);`,
      `setInterval(() => {}, 1000);`,
    ].join('\n');
    const spawned = (): number[] =>
      readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .filter((name) => {
          try {
            return readFileSync(`/proc/${name}/cmdline`, 'utf8').startsWith(marker) && !gone(Number(name));
          } catch {
            return false;
          }
        })
        .map(Number);
    const r = start(home, ['run', '--run-id', 'spawner', '--kill-after', '1s', '--', NODE, '-e', script]);
    try {
      await r.waitFor('ready');
      expect(spawned().length).toBeGreaterThan(0);
      r.kill('SIGTERM');
      expect((await r.done).code).toBe(137);
      // Before: the tree was read once and killed, and the children started after that look (2 or 3 of them, each
      // time) lived on, re-parented to init.
      expect(await until(() => spawned().length === 0, 10_000)).toBe(true);
    } finally {
      for (const pid of spawned())
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
    }
  }, 30_000);

  it('SIGINT ignored: the third Ctrl-C kills at once (no grace period), exit 137', async () => {
    const r = start(home, ['run', '--run-id', 'int', '--kill-after', '10m', '--', ...stubborn('SIGINT')]);
    await r.waitFor('ready');
    for (let i = 1; i <= 3; i++) {
      r.kill('SIGINT');
      if (i < 3) await r.waitFor(`ignored SIGINT\n`.repeat(i));
    }
    const { code } = await r.done;
    expect(code).toBe(137);
    expect(r.stderr()).toMatch(/interrupted 3 times and the command is still running: killing it \(SIGKILL\)/);
    const listed = await runCli(['runs', 'list', '--output', 'text'], { home });
    expect(listed.stdout).toMatch(/^int\tinterrupted \(SIGKILL\)\t/m);
  }, 30_000);
});

describe('a background process that holds the output after the command exits', () => {
  const { home, cleanup } = tempHome('ddls-hard-bg-');
  afterAll(cleanup);

  /** `run` with its stdout and stderr in files: what holds them after `run` exits cannot keep the test waiting. */
  function runToFiles(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    const out = join(home, `out-${Math.random()}`);
    const err = join(home, `err-${Math.random()}`);
    const outFd = openSync(out, 'w');
    const errFd = openSync(err, 'w');
    const child = spawn(NODE, [BIN, ...args], { env: cliEnv(home), stdio: ['ignore', outFd, errFd] });
    closeSync(outFd);
    closeSync(errFd);
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err: readFileSync(err, 'utf8') })));
  }

  it('a quiet one is not killed: run ends after 2 s of silence, what it prints later still reaches our stdout', async () => {
    const marker = join(home, 'quiet-alive');
    const script = join(home, 'quiet.cjs');
    writeFileSync(
      script,
      `setTimeout(() => { process.stdout.write('late line\\n'); require('fs').writeFileSync(${JSON.stringify(marker)}, 'alive'); }, 3000);\n`,
    );
    const r = await runToFiles([
      'run',
      '--run-id',
      'quiet',
      '--',
      'bash',
      '-c',
      `"${NODE}" ${script} & echo parent done`,
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/still holds its output open.*still reaches this terminal \(or file\) but is not recorded/);
    // Before: the grandchild died of SIGPIPE on its first write after run stopped reading; it never got here.
    expect(await until(() => existsSync(marker), 20_000)).toBe(true);
    expect(await until(() => readFileSync(r.out, 'utf8').includes('late line'), 5000)).toBe(true);
    expect(readFileSync(r.out, 'utf8')).toMatch(/^parent done\n/);
    expect(await counts(home, 'quiet')).toMatchObject({ read: 1, delivered: 1 });
  }, 40_000);

  it('a chatty one does not keep run alive: it ends within the 10 s read limit and the process lives on', async () => {
    const pidFile = join(home, 'chatty-pid');
    const script = join(home, 'chatty.cjs');
    writeFileSync(
      script,
      `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => console.log('tick'), 50);\n`,
    );
    const r = await runToFiles([
      'run',
      '--run-id',
      'chatty',
      '--',
      'bash',
      '-c',
      // The parent ends once the background process runs: a loaded machine can take more than run's 2 s of silence
      // to start a node, which then looked like a quiet one.
      `"${NODE}" ${script} & while [ ! -s ${JSON.stringify(pidFile)} ]; do sleep 0.05; done; echo parent done`,
    ]);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      expect(r.code).toBe(0);
      expect(r.err).toMatch(
        /still holds its output open: dd-logstore stopped reading after 2 s of silence or 10 s in all/,
      );
      // Alive, and still printing through the pass-through.
      expect(() => process.kill(pid, 0)).not.toThrow();
      const before = readFileSync(r.out, 'utf8').length;
      expect(await until(() => readFileSync(r.out, 'utf8').length > before, 5000)).toBe(true);
      const c = await counts(home, 'chatty');
      expect(c.read).toBeGreaterThan(10);
      expect(c.delivered).toBe(c.read);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  }, 60_000);
});

describe('intakes that are slow, never answer, or are not Datadog', () => {
  let emulator: Emulator;
  const { home, cleanup } = tempHome('ddls-hard-net-');
  beforeAll(async () => {
    emulator = await createEmulator();
  });
  afterAll(async () => {
    await emulator.close();
    cleanup();
  });

  async function register(name: string, extra: string[]): Promise<void> {
    const r = await registerEmulatorLogStore(home, emulator.url, { name, extra, scheduleDelayMs: 100 });
    expect(r.code).toBe(0);
  }

  function received(runId: string): string[] {
    return emulator
      .records()
      .filter((x) => x.attributes['zenml.run.id'] === runId)
      .map((x) => `${String(x.attributes['zenml.log.id'])}/${String(x.attributes['dd_logstore.seq'])}`);
  }

  it('an intake that answers after 2.5 s with export_timeout_millis=4000: run sends each batch once; flush delivers what it spooled, one copy more', async () => {
    emulator.reset();
    await register('slow', ['--export_timeout_millis=4000', '--max_export_batch_size=500']);
    emulator.inject('intake', { type: 'delay', ms: 2500, count: 100 });
    const r = await runCli(['run', '--log-store', 'slow', '--run-id', 'slow', '--', ...printer(2000)], {
      home,
      env: KEYS,
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(0);
    // Requests the client gave up on are still stored by the intake, 2.5 s after they came: all 2000 arrive.
    await until(() => new Set(received('slow')).size === 2000, 20_000);
    const keys = received('slow');
    // Before: each attempt was cut at 2 s, so every batch reached the intake twice (4000 copies of 2000 records).
    expect(new Set(keys).size).toBe(keys.length);
    const c = await counts(home, 'slow');
    expect(c.delivered + c.spooled).toBe(2000);
    expect(c.delivered).toBeGreaterThan(0);
    // What was spooled after a timeout did reach the intake (it was slow, not down): flush sends it once more.
    expect(
      new Set([
        ...keys,
        ...(await spoolLines(home)).map(
          (l) => `${String(l.item['zenml.log.id'])}/${String(l.item['dd_logstore.seq'])}`,
        ),
      ]).size,
    ).toBe(2000);
    // flush against the same slow intake converges: what the run spooled goes once more, is delivered, and is gone.
    const f = await runCli(['flush', '--log-store', 'slow'], { home, env: KEYS, timeoutMs: 60_000 });
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(/ 0 still spooled/);
    await until(() => received('slow').length >= keys.length + c.spooled, 20_000);
    // Before: flush cut its first attempts at half the budget (2 s) again, so the batch in flight timed out, stayed
    // spooled and reached the intake once more with every flush (one more copy each time, never delivered).
    const all = received('slow');
    expect(new Set(all).size).toBe(2000);
    expect(all.length).toBe(2000 + c.spooled);
    expect(await counts(home, 'slow')).toMatchObject({ delivered: 2000, spooled: 0 });
  }, 120_000);

  it('a black-holed intake: run ends within its flush timeout, everything spooled, nothing lost', async () => {
    emulator.reset();
    await register('hole', ['--export_timeout_millis=1000']);
    emulator.inject('intake', { type: 'hang', count: 1000 });
    const r = await runCli(
      ['run', '--log-store', 'hole', '--run-id', 'hole', '--flush-timeout', '2s', '--', ...printer(300)],
      { home, env: KEYS, timeoutMs: 60_000 },
    );
    expect(r.code).toBe(0);
    expect(await counts(home, 'hole')).toMatchObject({ read: 300, delivered: 0, spooled: 300, failed: 0 });
    emulator.reset();
  }, 60_000);

  it('a 200 with an HTML page (a captive portal) is not delivery: spooled, and stderr says what came', async () => {
    emulator.reset();
    await register('portal', ['--export_timeout_millis=1500']);
    emulator.inject('intake', {
      type: 'status',
      status: 200,
      body: '<!DOCTYPE html><html><title>Hotel Wi-Fi: sign in</title></html>',
      count: 1000,
    });
    const r = await runCli(['run', '--log-store', 'portal', '--run-id', 'portal', '--', ...printer(50)], {
      home,
      env: KEYS,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/HTTP 200 that is not the Datadog intake's answer/);
    // Before: 50 delivered, none in Datadog.
    expect(await counts(home, 'portal')).toMatchObject({ read: 50, delivered: 0, spooled: 50 });
    expect((await spoolLines(home)).filter((l) => l.item['zenml.run.id'] === 'portal')[0]?.reason).toMatch(
      /not the Datadog intake's answer \(application\/json: "<!DOCTYPE html>/,
    );
    emulator.reset();
  }, 60_000);

  it("flush masks a secret the intake's error text quotes in the reason it keeps in the spool", async () => {
    emulator.reset();
    await register('echo', ['--export_timeout_millis=3000']);
    emulator.inject('intake', { type: 'status', status: 503, count: 1000 });
    const r = await runCli(['run', '--log-store', 'echo', '--run-id', 'echo', '--', ...printer(20)], {
      home,
      env: KEYS,
    });
    expect(r.code).toBe(0);
    emulator.reset();
    emulator.inject('intake', {
      type: 'status',
      status: 503,
      body: `{"errors":["bad key ${KEYS.DD_LOGSTORE_SECRET_DD_API_KEY}"]}`,
      count: 1000,
    });
    const f = await runCli(['flush', '--log-store', 'echo'], { home, env: KEYS });
    expect(f.code).toBe(1);
    const reasons = (await spoolLines(home)).filter((l) => l.item['zenml.run.id'] === 'echo').map((l) => l.reason);
    expect(reasons.length).toBe(20);
    for (const reason of reasons) {
      expect(reason).toContain('bad key ****');
      expect(reason).not.toContain(KEYS.DD_LOGSTORE_SECRET_DD_API_KEY);
    }
    emulator.reset();
  }, 60_000);

  it('three parallel runs of one step under one run id (Datadog): logs shows all 900, none taken as a duplicate', async () => {
    emulator.reset();
    await register('par', []);
    const child = (tag: string) => [NODE, '-e', `for (let i = 0; i < 300; i++) console.log('${tag} ' + i)`];
    const runs = await Promise.all(
      ['a', 'b', 'c'].map((t) =>
        runCli(['run', '--log-store', 'par', '--run-id', 'par', '--step', 'same', '--', ...child(t)], {
          home,
          env: KEYS,
        }),
      ),
    );
    for (const r of runs) expect(r.code).toBe(0);
    expect(received('par')).toHaveLength(900);
    // Before: the three shared the log id and the sequence numbers, and logs dropped 2 of each 3 as duplicates.
    const logs = await runCli(['logs', '--log-store', 'par', '--run-id', 'par', '--output', 'jsonl'], {
      home,
      env: KEYS,
    });
    expect(logs.code).toBe(0);
    const messages = logs.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { message: string }).message);
    expect(new Set(messages).size).toBe(900);
    expect(messages).toHaveLength(900);
  }, 60_000);

  it('a JSON line cannot move its record to another run or take over dd_logstore.seq, nested or flat', async () => {
    emulator.reset();
    await register('reserved', []);
    const line = JSON.stringify({ msg: 'hostile', zenml: { run: { id: 'victim' } }, dd_logstore: { seq: 0 } });
    const r = await runCli(
      [
        'run',
        '--log-store',
        'reserved',
        '--run-id',
        'owner',
        '--',
        NODE,
        '-e',
        `console.log('first');console.log(${JSON.stringify(line)})`,
      ],
      { home, env: KEYS },
    );
    expect(r.code).toBe(0);
    const mine = emulator.records().filter((x) => x.attributes['zenml.run.id'] === 'owner');
    expect(emulator.records().filter((x) => x.attributes['zenml.run.id'] === 'victim')).toHaveLength(0);
    expect(mine.map((x) => x.attributes['dd_logstore.seq']).sort()).toEqual([0, 1]);
    const hostile = mine.find((x) => x.message === 'hostile');
    expect(hostile?.attributes).toMatchObject({ 'attr.zenml.run.id': 'victim', 'attr.dd_logstore.seq': 0 });
  }, 30_000);
});

describe('secrets, files others can write, hostile bytes, long lines (local store)', () => {
  const { home, cleanup } = tempHome('ddls-hard-local-');
  afterAll(cleanup);

  it('a DD_LOGSTORE_SECRET_* value the log store does not use is still masked in what the child prints', async () => {
    const secret = 'only-in-env-7f3a9c';
    const r = await runCli(['run', '--run-id', 'envsecret', '--', NODE, '-e', `console.log('token=${secret}')`], {
      home,
      env: { DD_LOGSTORE_SECRET_UNUSED_TOKEN: secret },
    });
    expect(r.code).toBe(0);
    // The terminal shows the child's bytes unchanged; the record does not.
    expect(r.stdout).toContain(secret);
    const logs = await runCli(['logs', '--run-id', 'envsecret', '--output', 'jsonl'], { home });
    expect(logs.stdout).toContain('token=****');
    expect(logs.stdout).not.toContain(secret);
  });

  it("logs escapes a record's control characters (piped too, as journalctl); --raw keeps them", async () => {
    const line = JSON.stringify({ msg: '\u001b]0;pwned\u0007title then \u001b[2J clear' });
    const r = await runCli(['run', '--run-id', 'esc', '--', NODE, '-e', `console.log(${JSON.stringify(line)})`], {
      home,
    });
    expect(r.code).toBe(0);
    const shown = await runCli(['logs', '--run-id', 'esc'], { home });
    expect(shown.stdout).toContain('\\x1b]0;pwned\\x07title then \\x1b[2J clear');
    expect(shown.stdout).not.toContain('\u001b');
    const raw = await runCli(['logs', '--run-id', 'esc', '--raw'], { home });
    expect(raw.stdout).toContain('\u001b]0;pwned\u0007title then \u001b[2J clear');
    const bad = await runCli(['logs', '--run-id', '\u001b[2Jx'], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("invalid run id '\\x1b[2Jx'");
    expect(bad.stderr).not.toContain('\u001b');
  });

  it('masks a secret that straddles the 8 MB cut of a longer line (the rest of the piece is carried over)', async () => {
    const secret = 'straddle-0123456789-abcdefghij';
    const [left, right] = [secret.slice(0, 15), secret.slice(15)];
    // The first write takes the line just past 8 MiB characters with the secret's first half: the piece is cut
    // there. The second half comes 500 ms later, in the next piece.
    const first = `'x'.repeat(${8 * 1024 * 1024 - 10})+${JSON.stringify(left)}`;
    const script = `process.stdout.write(${first},()=>setTimeout(()=>process.stdout.write(${JSON.stringify(right)}+' end\\n'),500))`;
    const r = await runCli(['run', '--run-id', 'straddle', '--', NODE, '-e', script], {
      home,
      env: { DD_LOGSTORE_SECRET_STRADDLE: secret },
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(secret);
    const logs = await runCli(['logs', '--run-id', 'straddle', '--output', 'jsonl'], {
      home,
      timeoutMs: 60_000,
    });
    const parts = logs.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { message: string }).message);
    expect(parts.length).toBeGreaterThan(1);
    const whole = parts.join('');
    // Before: each piece was masked on its own, and the halves went out as they were.
    expect([whole.includes(left), whole.includes(right)]).toEqual([false, false]);
    expect(whole.slice(-19)).toBe('xxxxxxxxxxx**** end');
    expect(whole.length).toBe(8 * 1024 * 1024 - 10 + 4 + 4);
  }, 90_000);

  it('masks a secret that straddles the split of a line into 900 KB records: neither part holds half of it', async () => {
    const secret = 'split-0123456789-abcdefghij';
    // The secret starts 8 bytes before the part boundary (MAX_MESSAGE_BYTES, 900 KiB): unmasked, each part would
    // hold one half.
    const before = 900 * 1024 - 8;
    const script = `process.stdout.write('x'.repeat(${before})+process.env.SPLIT+'y'.repeat(100)+'\\n')`;
    const r = await runCli(['run', '--run-id', 'split-secret', '--', NODE, '-e', script], {
      home,
      env: { DD_LOGSTORE_SECRET_SPLIT: secret, SPLIT: secret },
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(secret);
    const logs = await runCli(['logs', '--run-id', 'split-secret', '--output', 'jsonl'], {
      home,
      timeoutMs: 60_000,
    });
    const parts = logs.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message: string; attributes: Record<string, unknown> });
    expect(parts.map((p) => p.attributes['dd_logstore.part'])).toEqual(['1/2', '2/2']);
    for (const p of parts)
      expect([p.message.includes('split-01'), p.message.includes('abcdefghij')]).toEqual([false, false]);
    expect(parts.map((p) => p.message).join('')).toBe('x'.repeat(before) + '****' + 'y'.repeat(100));
  }, 90_000);

  it('numbers the parts of a 20 MB line across the whole line, so it can be put back together', async () => {
    const size = 20 * 1024 * 1024;
    const r = await runCli(
      ['run', '--run-id', 'long', '--', NODE, '-e', `process.stdout.write('x'.repeat(${size})+'\\nafter\\n')`],
      { home, timeoutMs: 60_000 },
    );
    expect(r.code).toBe(0);
    const logs = await runCli(['logs', '--run-id', 'long', '--output', 'jsonl'], { home, timeoutMs: 60_000 });
    const entries = logs.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message: string; attributes: Record<string, unknown> });
    const parts = entries.filter((e) => e.attributes['dd_logstore.part'] !== undefined);
    const n = parts.length;
    // Before: the numbering restarted at every 8 MB piece (1/10 ... 10/10, 1/10 ..., 1/4 ...).
    expect(parts.map((e) => e.attributes['dd_logstore.part'])).toEqual(
      Array.from({ length: n }, (_, i) => (i === n - 1 ? `${n}/${n}` : `${i + 1}/?`)),
    );
    expect(parts.reduce((len, e) => len + e.message.length, 0)).toBe(size);
    expect(entries.at(-1)?.message).toBe('after');
  }, 90_000);

  it('refuses a config.json others can write, naming the file and the chmod; a home others can write too', async () => {
    await runCli(['stack', 'list'], { home });
    const config = join(home, 'config.json');
    chmodSync(config, 0o664);
    const r = await runCli(['run', '--', 'true'], { home });
    expect(r.code).toBe(125);
    expect(r.stderr.trim()).toBe(
      `error: ${config} can be written by other users (mode 0664); refusing to use this config (chmod 600 ${config})`,
    );
    chmodSync(config, 0o600);
    chmodSync(home, 0o777);
    const h = await runCli(['stack', 'list'], { home });
    expect(h.code).toBe(1);
    expect(h.stderr).toContain(`error: ${home} can be written by other users (mode 0777)`);
    expect(h.stderr).toContain(`(chmod 700 ${home})`);
    chmodSync(home, 0o755);
    const w = await runCli(['stack', 'list'], { home });
    expect(w.code).toBe(0);
    expect(w.stderr).toMatch(/warning: .* \(the dd-logstore home\) can be read by other users \(mode 0755\)/);
    chmodSync(home, 0o700);
  });

  it('refuses a run record others can write', async () => {
    const r = await runCli(['run', '--run-id', 'rec', '--', 'true'], { home });
    expect(r.code).toBe(0);
    const file = join(home, 'runs', 'rec.json');
    chmodSync(file, 0o666);
    const d = await runCli(['runs', 'describe', 'rec'], { home });
    expect(d.code).toBe(1);
    expect(d.stderr.trim()).toBe(
      `error: ${file} can be written by other users (mode 0666); refusing to use this run record (chmod 600 ${file})`,
    );
    chmodSync(file, 0o600);
  });
});

describe('bad values refused up front, one line naming the key or file and the range', () => {
  const { home, cleanup } = tempHome('ddls-hard-bad-');
  afterAll(cleanup);

  function editLogStore(name: string, change: (c: Record<string, unknown>) => void): void {
    const path = join(home, 'config.json');
    const config = JSON.parse(readFileSync(path, 'utf8')) as {
      components: Record<string, Record<string, Record<string, unknown>>>;
    };
    change(config.components['log-store']![name]!);
    writeFileSync(path, JSON.stringify(config, null, 2));
  }

  it.each([
    [
      'flavor: 123',
      (c: Record<string, unknown>) => (c.flavor = 123),
      /log-store 'default' has flavor=123: it must be a non-empty string/,
    ],
    [
      'path: 123',
      (c: Record<string, unknown>) => (c.config = { path: 123 }),
      /log store 'default': path must be a string, got 123/,
    ],
    [
      // Before: accepted, and the spool went to <home>/spool/../../elsewhere, outside the home.
      'id: "../../elsewhere"',
      (c: Record<string, unknown>) => (c.id = '../../elsewhere'),
      /log-store 'default' has id="\.\.\/\.\.\/elsewhere": it names a directory, so only letters, digits/,
    ],
  ])('%s in config.json: run exits 125 before the command starts', async (_name, change, message) => {
    rmSync(join(home, 'config.json'), { force: true });
    await runCli(['stack', 'list'], { home });
    editLogStore('default', change);
    const marker = join(home, 'started');
    const r = await runCli(['run', '--', NODE, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)},'')`], {
      home,
    });
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(join(home, 'config.json'));
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    ['export_timeout_millis', -5, /export_timeout_millis is out of range: -5; use a number from 1 to 86400000/],
    ['max_queue_size', 'abc', /max_queue_size must be a whole number, got 'abc'; use a number of at least 1/],
  ])('%s=%p in config.json: run exits 125 naming the key and the range', async (key, value, message) => {
    rmSync(join(home, 'config.json'), { force: true });
    expect((await registerEmulatorLogStore(home, 'http://127.0.0.1:9', { name: 'dd' })).code).toBe(0);
    editLogStore('dd', (c) => ((c.config as Record<string, unknown>)[key] = value));
    const r = await runCli(['run', '--log-store', 'dd', '--', 'true'], { home, env: KEYS });
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(`log store 'dd'`);
  });

  it('max_export_batch_size above 1000 edited into config.json is used capped, with the warning register gives', async () => {
    rmSync(join(home, 'config.json'), { force: true });
    expect((await registerEmulatorLogStore(home, 'http://127.0.0.1:9', { name: 'dd' })).code).toBe(0);
    editLogStore('dd', (c) => ((c.config as Record<string, unknown>).max_export_batch_size = 100000));
    // Nothing to ship (the command prints nothing): the run's exit code is the command's.
    const r = await runCli(['run', '--log-store', 'dd', '--', 'true'], { home, env: KEYS });
    expect(r.code).toBe(0);
    // Before: capped without a word.
    expect(r.stderr).toMatch(
      /^warning: .*config\.json: log store 'dd': max_export_batch_size=100000 is above Datadog's limit of 1000 logs per request; using 1000$/m,
    );
  });

  it('a key the flavor does not use (a typo: pth for path) is said in one warning, not silently ignored', async () => {
    rmSync(join(home, 'config.json'), { force: true });
    await runCli(['stack', 'list'], { home });
    const elsewhere = join(home, 'typo-store');
    editLogStore('default', (c) => (c.config = { pth: elsewhere }));
    const r = await runCli(['run', '--run-id', 'typo', '--', 'true'], { home });
    // The command still runs (a key an older version stored must not stop a run); the store is the default one.
    expect(r.code).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    // Before: nothing said, and the records went to the default path instead of the one meant.
    expect(warnings).toEqual([
      expect.stringMatching(
        /log store 'default' has the key 'pth', which the local flavor does not use: ignored \(did you mean 'path'\?\)$/,
      ),
    ]);
    expect(existsSync(elsewhere)).toBe(false);
  });

  it('--flush-timeout 30d is refused (it would overflow the timer and spool everything): exit 2, the maximum named', async () => {
    const r = await runCli(['run', '--flush-timeout', '30d', '--', 'true'], { home });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "error: --flush-timeout must be at most 24h, got '30d' (use a duration from 0 to 24h, e.g. --flush-timeout 30s)",
    );
    const k = await runCli(['run', '--kill-after', '30d', '--', 'true'], { home });
    expect(k.code).toBe(2);
  });

  it('a run record with odd but valid JSON: runs describe says which field, in one line, exit 1', async () => {
    rmSync(join(home, 'config.json'), { force: true });
    expect((await runCli(['run', '--run-id', 'odd', '--', 'true'], { home })).code).toBe(0);
    const file = join(home, 'runs', 'odd.json');
    const record = JSON.parse(readFileSync(file, 'utf8')) as { steps: Record<string, unknown>[] };
    delete record.steps[0]!.argv;
    writeFileSync(file, JSON.stringify(record));
    const r = await runCli(['runs', 'describe', 'odd'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^error: the run record .*odd\.json is not a run record \(step 1: argv is not a list of strings\) \(move it aside/,
    );
    mkdirSync(join(home, 'runs'), { recursive: true });
  });
});
