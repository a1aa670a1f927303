import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { chmodSync, existsSync, fstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { StreamName } from '../core/log-record.js';
import { buildChildEnv, PYTHON_HOOK_DIR, withPythonFlush } from './child-env.js';
import { closeFifoPipes, openFifoPipesAsync, type PipeMode } from './child-pipes.js';
import { startChild, type StartChildOptions } from './child.js';
import { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND } from '../core/errors.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures');
const fixture = (name: string) => join(FIXTURES, name);

/** A writable that keeps what it gets; `slow` acknowledges each write on a later turn with a small buffer. */
function createSink(slow = false) {
  const chunks: Buffer[] = [];
  let maxBuffered = 0;
  const stream = new Writable({
    highWaterMark: slow ? 1024 : 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      if (slow) setTimeout(cb, 1);
      else cb();
    },
  });
  const origWrite = stream.write.bind(stream);
  stream.write = ((chunk: Buffer) => {
    const ok = origWrite(chunk);
    maxBuffered = Math.max(maxBuffered, stream.writableLength);
    return ok;
  }) as typeof stream.write;
  return { stream, bytes: () => Buffer.concat(chunks), maxBuffered: () => maxBuffered };
}

function run(mode: PipeMode, args: string[], extra: Partial<StartChildOptions> = {}) {
  const out = createSink();
  const err = createSink();
  const signals = new EventEmitter();
  const seen: Record<StreamName, Buffer[]> = { stdout: [], stderr: [], combined: [] };
  const child = startChild({
    command: process.execPath,
    args,
    env: { PATH: process.env.PATH, FROM_PARENT: 'yes' },
    runId: 'run-123',
    stdout: out.stream,
    stderr: err.stream,
    // A copy: the chunk is valid until onChunk returns.
    onChunk: (stream, chunk) => seen[stream].push(Buffer.from(chunk)),
    signals,
    pipeMode: mode,
    ...extra,
  });
  const text = (stream: StreamName) => Buffer.concat(seen[stream]).toString();
  return { child, out, err, signals, seen, text };
}

/** Resolves once `predicate` holds for the text seen so far on stdout; polls on each chunk, not on a timer. */
function waitForOutput(r: ReturnType<typeof run>, predicate: (text: string) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (predicate(r.text('stdout')) ? resolve() : setImmediate(check));
    check();
  });
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'runner-test-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('buildChildEnv', () => {
  it('adds the run id and the step, and our sitecustomize first on PYTHONPATH instead of PYTHONUNBUFFERED', () => {
    expect(buildChildEnv({ A: '1' }, { runId: 'r', step: 's' })).toEqual({
      A: '1',
      DD_LOGSTORE_RUN_ID: 'r',
      DD_LOGSTORE_STEP: 's',
      PYTHONPATH: PYTHON_HOOK_DIR,
    });
    expect(existsSync(join(PYTHON_HOOK_DIR, 'sitecustomize.py'))).toBe(true);
  });

  it('keeps a user PYTHONPATH after ours, and an empty one adds no empty entry (the current directory)', () => {
    expect(withPythonFlush({ PYTHONPATH: '/a:/b' }, '/hook').PYTHONPATH).toBe('/hook:/a:/b');
    expect(withPythonFlush({ PYTHONPATH: '' }, '/hook').PYTHONPATH).toBe('/hook');
    // A run inside a run: ours is already first.
    expect(withPythonFlush({ PYTHONPATH: '/hook:/a' }, '/hook').PYTHONPATH).toBe('/hook:/a');
  });

  it('leaves the environment alone when the user set PYTHONUNBUFFERED or opted out', () => {
    expect(withPythonFlush({ PYTHONUNBUFFERED: '1', PYTHONPATH: '/a' }, '/hook')).toEqual({
      PYTHONUNBUFFERED: '1',
      PYTHONPATH: '/a',
    });
    for (const off of ['0', 'false', 'OFF', 'no']) {
      expect(withPythonFlush({ DD_LOGSTORE_PYTHON_FLUSH: off }, '/hook')).toEqual({ DD_LOGSTORE_PYTHON_FLUSH: off });
    }
    expect(withPythonFlush({ DD_LOGSTORE_PYTHON_FLUSH: '1' }, '/hook').PYTHONPATH).toBe('/hook');
    // A hook directory whose name holds the delimiter cannot be a PYTHONPATH entry: nothing added.
    expect(withPythonFlush({}, '/a:b')).toEqual({});
  });
});

describe.each<PipeMode>(['fifo', 'socketpair'])('startChild (%s)', (mode) => {
  it('passes stdout and stderr through byte for byte and hands the same bytes to onChunk', async () => {
    const outBytes = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < outBytes.length; i++) outBytes[i] = (i * 31 + (i >> 9)) & 0xff;
    const errBytes = Buffer.from(
      'colour \x1b[31mred\x1b[0m\r 50%\r100%\nünïcödé\n\xff\xfe no newline at the end',
      'latin1',
    );
    writeFileSync(join(tmp, 'out.bin'), outBytes);
    writeFileSync(join(tmp, 'err.bin'), errBytes);
    const r = run(mode, [fixture('cat-files.mjs'), join(tmp, 'out.bin'), join(tmp, 'err.bin')]);
    expect(r.child.pid).toEqual(expect.any(Number));
    const result = await r.child.done;
    expect(result).toEqual({ exitCode: 0 });
    expect(r.out.bytes().equals(outBytes)).toBe(true);
    expect(r.err.bytes().equals(errBytes)).toBe(true);
    expect(Buffer.concat(r.seen.stdout).equals(outBytes)).toBe(true);
    expect(Buffer.concat(r.seen.stderr).equals(errBytes)).toBe(true);
  });

  it('a chunk our stdout queues is not read over: what it gets later and what onChunk got are the bytes', async () => {
    // A FIFO's reader reads into one buffer again unless the chunk was kept. A stream over a descriptor that queues a
    // write (writableLength > 0 after it) keeps the chunk: here one that holds every chunk for 5 ms, with a mark high
    // enough that write() never asks us to pause, so the next reads come while the chunks wait.
    const outBytes = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < outBytes.length; i++) outBytes[i] = (i * 31 + (i >> 9)) & 0xff;
    writeFileSync(join(tmp, 'queued.bin'), outBytes);
    writeFileSync(join(tmp, 'none.bin'), '');
    const got: Buffer[] = [];
    let queued = 0;
    const ours = Object.assign(
      new Writable({
        highWaterMark: 1 << 26,
        write(chunk: Buffer, _enc, cb) {
          queued++;
          setTimeout(() => {
            got.push(Buffer.from(chunk));
            cb();
          }, 5);
        },
      }),
      { fd: 99 },
    );
    const r = run(mode, [fixture('cat-files.mjs'), join(tmp, 'queued.bin'), join(tmp, 'none.bin')], { stdout: ours });
    expect(await r.child.done).toEqual({ exitCode: 0 });
    await new Promise<void>((resolve) => ours.end(resolve));
    expect(queued).toBeGreaterThan(1);
    expect(Buffer.concat(got).equals(outBytes)).toBe(true);
    expect(Buffer.concat(r.seen.stdout).equals(outBytes)).toBe(true);
  });

  it('pauses the child while our stdout is full: nothing lost, our buffer stays small', async () => {
    const outBytes = Buffer.alloc(2 * 1024 * 1024, 'x');
    writeFileSync(join(tmp, 'big.bin'), outBytes);
    writeFileSync(join(tmp, 'empty.bin'), '');
    const slow = createSink(true);
    const r = run(mode, [fixture('cat-files.mjs'), join(tmp, 'big.bin'), join(tmp, 'empty.bin')], {
      stdout: slow.stream,
    });
    await r.child.done;
    await new Promise<void>((resolve) => slow.stream.end(resolve));
    expect(slow.bytes().equals(outBytes)).toBe(true);
    // One read at most beyond the high-water mark, never the whole 2 MB.
    expect(slow.maxBuffered()).toBeLessThanOrEqual(1024 + 256 * 1024);
  });

  it('returns the exit code and keeps a last line without a newline', async () => {
    const r = run(mode, [fixture('exit-code.mjs'), '3']);
    expect(await r.child.done).toEqual({ exitCode: 3 });
    expect(r.text('stdout')).toBe('about to exit\nno newline at the end');
  });

  it('sets the run variables in the child environment', async () => {
    const r = run(mode, [fixture('print-env.mjs')], { step: 'train' });
    await r.child.done;
    expect(JSON.parse(r.text('stdout'))).toEqual({
      DD_LOGSTORE_RUN_ID: 'run-123',
      DD_LOGSTORE_STEP: 'train',
      PYTHONUNBUFFERED: null,
      PYTHONPATH: PYTHON_HOOK_DIR,
      FROM_PARENT: 'yes',
      stdout: mode === 'fifo' ? 'fifo' : 'socket',
    });
  });

  it('reports 137 for a child killed by SIGKILL', async () => {
    const r = run(mode, [fixture('wait-for-signal.mjs')]);
    await waitForOutput(r, (t) => t.includes('ready'));
    process.kill(r.child.pid as number, 'SIGKILL');
    expect(await r.child.done).toEqual({ exitCode: 137, signal: 'SIGKILL' });
  });

  it('forwards SIGTERM: the child dies of it, 143', async () => {
    const r = run(mode, [fixture('wait-for-signal.mjs')]);
    await waitForOutput(r, (t) => t.includes('ready'));
    r.signals.emit('SIGTERM');
    expect(await r.child.done).toEqual({ exitCode: 143, signal: 'SIGTERM' });
    // The listeners are gone once the child is done.
    expect(r.signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('forwards SIGINT, SIGHUP and SIGQUIT', async () => {
    const r = run(mode, [fixture('wait-for-signal.mjs'), 'trap']);
    await waitForOutput(r, (t) => t.includes('ready'));
    r.signals.emit('SIGINT');
    await waitForOutput(r, (t) => t.includes('got SIGINT'));
    r.signals.emit('SIGHUP');
    await waitForOutput(r, (t) => t.includes('got SIGHUP'));
    r.signals.emit('SIGQUIT');
    expect(await r.child.done).toEqual({ exitCode: 0 });
    expect(r.text('stdout')).toBe('ready\ngot SIGINT\ngot SIGHUP\ngot SIGQUIT\n');
  });

  it('does not hang on a grandchild that holds the pipe after the child exited', async () => {
    const r = run(mode, [fixture('spawn-grandchild.mjs')], { drainTimeoutMs: 300 });
    const started = Date.now();
    const result = await r.child.done;
    const grandchild = Number(/grandchild (\d+)/.exec(r.text('stdout'))?.[1]);
    try {
      expect(result).toEqual({ exitCode: 0, pipesAbandoned: 'closed' });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      if (grandchild > 0) process.kill(grandchild, 'SIGKILL');
    }
  });
});

describe('FIFOs made ahead of the child (openFifoPipesAsync)', () => {
  it("are used by startChild: the bytes come through and the exit code is the child's", async () => {
    const pairs = await openFifoPipesAsync();
    expect(pairs).toBeDefined();
    const r = run('fifo', ['-e', 'process.stdout.write("made ahead\\n"); process.exit(4)'], { fifos: { pairs } });
    const result = await r.child.done;
    expect(result.exitCode).toBe(4);
    expect(r.text('stdout')).toBe('made ahead\n');
    expect(r.out.bytes().toString()).toBe('made ahead\n');
    // These very pipes were used: startChild closed our copy of the write end once the child had it.
    for (const pair of pairs ?? []) expect(() => fstatSync(pair.writeFd)).toThrow();
  });

  it('closeFifoPipes closes both ends of pipes that were not used', async () => {
    const pairs = await openFifoPipesAsync();
    expect(pairs).toBeDefined();
    closeFifoPipes(pairs);
    for (const pair of pairs ?? []) {
      expect(() => fstatSync(pair.readFd)).toThrow();
      expect(() => fstatSync(pair.writeFd)).toThrow();
    }
  });
});

describe('startChild failures', () => {
  const failing = (command: string) =>
    startChild({
      command,
      args: [],
      env: { PATH: process.env.PATH },
      runId: 'r',
      stdout: createSink().stream,
      stderr: createSink().stream,
      onChunk: () => {},
      signals: new EventEmitter(),
    });

  it('127 for a command that is not found, naming it', async () => {
    const result = await failing('definitely-not-a-command-xyz').done;
    expect(result.exitCode).toBe(EXIT_NOT_FOUND);
    expect(result.error?.message).toBe('command not found: definitely-not-a-command-xyz');
    expect(result.error?.exitCode).toBe(EXIT_NOT_FOUND);
  });

  it('126 for a file without the execute bit', async () => {
    const script = join(tmp, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const result = await failing(script).done;
    expect(result.exitCode).toBe(EXIT_NOT_EXECUTABLE);
    expect(result.error?.message).toBe(`command not executable: ${script} (permission denied)`);
  });

  it('126 for a script whose #! interpreter does not exist, saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddls-shebang-'));
    const script = join(dir, 'bad.sh');
    writeFileSync(script, '#!/nonexistent/interpreter\necho hi\n');
    chmodSync(script, 0o755);
    const result = await startChild({
      command: script,
      args: [],
      env: { PATH: process.env.PATH },
      runId: 'r',
      stdout: createSink().stream,
      stderr: createSink().stream,
      onChunk: () => undefined,
      signals: new EventEmitter(),
    }).done;
    rmSync(dir, { recursive: true, force: true });
    expect(result.exitCode).toBe(EXIT_NOT_EXECUTABLE);
    expect(result.error?.message).toMatch(/bad interpreter/);
  });

  it('126 for a directory', async () => {
    const result = await failing(tmp).done;
    expect(result.exitCode).toBe(EXIT_NOT_EXECUTABLE);
    expect(result.error?.message).toBe(`command not executable: ${tmp} (is a directory)`);
  });
});
