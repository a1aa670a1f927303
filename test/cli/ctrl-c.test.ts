/**
 * A Ctrl-C typed at a terminal goes to its whole foreground process group: the command has it already, whatever
 * stdin is, and `run` must not pass on a second one (a Python script's cleanup on KeyboardInterrupt would be cut
 * short). The CLI runs under a real pseudo-terminal (Python's `pty`), which types the Ctrl-C itself.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { BIN, cliEnv, tempHome } from './harness.js';

/** Runs argv on a new pseudo-terminal (stdin a pipe with `pipe`), types ^C once "ready" shows, prints all + EXIT n. */
const PTY_DRIVER = `
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    if sys.argv[1] == 'pipe':
        r, w = os.pipe()
        os.dup2(r, 0)
    os.execvp(sys.argv[2], sys.argv[2:])
out, sent, deadline = b'', False, time.time() + 60
while time.time() < deadline:
    if select.select([fd], [], [], 0.2)[0]:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if not sent and b'ready' in out:
        os.write(fd, b'\\x03')
        sent = True
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf-8', 'replace').replace('\\r', '') + '\\nEXIT %d\\n' % os.waitstatus_to_exitcode(status))
`;

/** Cleans up for a second after its first SIGINT and exits 3; a second SIGINT makes it give up (exit 9). */
const CLEANER = `let n = 0;
process.on('SIGINT', () => {
  if (++n === 1) { console.log('cleaning up'); setTimeout(() => process.exit(3), 1000); }
  else { console.log('second interrupt'); process.exit(9); }
});
console.log('ready');
setInterval(() => {}, 1000);`;

function underTerminal(stdin: 'pipe' | 'tty', home: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const driver = spawn(
      'python3',
      ['-c', PTY_DRIVER, stdin, process.execPath, BIN, 'run', '-q', '--', process.execPath, '-e', CLEANER],
      { env: cliEnv(home), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    driver.stdout.on('data', (c: Buffer) => (out += c.toString()));
    driver.on('error', reject);
    driver.on('close', () => resolve(out));
  });
}

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

describe.each(['pipe', 'tty'] as const)('Ctrl-C at a terminal, stdin a %s', (stdin) => {
  it('reaches the command once: it cleans up and its exit code comes back', async () => {
    const { home, cleanup } = tempHome();
    cleanups.push(cleanup);
    const out = await underTerminal(stdin, home);
    expect(out).toContain('cleaning up');
    expect(out).not.toContain('second interrupt');
    expect(out).toMatch(/EXIT 3\n$/);
  }, 90_000);
});
