/**
 * `logs tail` on the local store is close to live: a line printed by the child shows up in the tail within about a
 * second. The latency is measured here (print time, carried in the line, to the time the tail printed it) and
 * reported; it is asserted only loosely, well above what it is on an idle machine and well below the 4-9 s it was
 * when the local store was written every 5 s and tail held records for 8 s.
 */
import { expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { BIN, cliEnv, tempHome } from './harness.js';

const LINES = 12;
// The child stays alive 5 s after its last line: a tail that only shows records once the run has ended (or after a
// long hold) fails the assertion, instead of passing because the end released everything at once.
const CHILD = `let i = 0; const t = setInterval(() => { console.log('tick ' + i + ' ' + Date.now()); if (++i === ${LINES}) { clearInterval(t); setTimeout(() => {}, 5000); } }, 250);`;

it('logs tail shows a line of a running local run within about a second of its print', async () => {
  const { home, cleanup } = tempHome();
  try {
    const env = cliEnv(home);
    const tail = spawn(process.execPath, [BIN, 'logs', 'tail', '--run-id', 'lat-1', '--output', 'jsonl'], { env });
    const latencies: number[] = [];
    let carry = '';
    let tailErr = '';
    tail.stderr.on('data', (c: Buffer) => (tailErr += c.toString()));
    tail.stdout.on('data', (c: Buffer) => {
      const now = Date.now();
      const lines = (carry + c.toString()).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        const m = /tick \d+ (\d+)/.exec((JSON.parse(line) as { message: string }).message);
        if (m) latencies.push(now - Number(m[1]));
      }
    });
    const tailDone = new Promise<number | null>((resolve) => tail.on('close', resolve));
    // Let the tail start polling first, as a user would open it next to the run.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const run = spawn(process.execPath, [BIN, 'run', '--run-id', 'lat-1', '--', process.execPath, '-e', CHILD], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const runDone = new Promise<number | null>((resolve) => run.on('close', resolve));
    const timer = setTimeout(() => tail.kill('SIGKILL'), 30_000);
    expect(await runDone).toBe(0);
    // The tail exits by itself once the run has ended and every delivered record was shown.
    expect(await tailDone).toBe(0);
    clearTimeout(timer);
    expect(tailErr).not.toMatch(/error/);
    expect(latencies).toHaveLength(LINES);
    const sorted = [...latencies].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const max = sorted[sorted.length - 1]!;
    console.log(`logs tail latency on the local store: median ${median} ms, max ${max} ms (${LINES} lines)`);
    expect(median).toBeLessThan(3000);
  } finally {
    cleanup();
  }
}, 60_000);
