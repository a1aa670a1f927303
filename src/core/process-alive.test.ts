import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processIsAlive } from './process-alive.js';

describe('processIsAlive', () => {
  it('is true for a live process and false for a zombie (exited, not reaped), which kill(pid, 0) still answers', async () => {
    expect(processIsAlive(process.pid)).toBe(true);
    // A background child exits a moment after its shell has become `sleep`, which never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 10'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = await new Promise<number>((resolve) =>
        parent.stdout.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))),
      );
      const state = (): string => {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.charAt(stat.lastIndexOf(')') + 2);
      };
      for (let i = 0; i < 800 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
      expect(state()).toBe('Z');
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(processIsAlive(pid)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
