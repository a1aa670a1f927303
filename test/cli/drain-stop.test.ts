/**
 * `run` resends earlier runs' spool in the background while it runs (docs/reliability.md): an intake that is down must
 * not hold `run` past its own --flush-timeout through that resend's retries (built CLI, a port nothing listens on).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { runCli, tempHome } from './harness.js';

describe("run's background resend of earlier runs' spool", () => {
  const { home, cleanup } = tempHome();
  const cli = (...args: string[]) => runCli(args, { home, timeoutMs: 60_000 });
  afterAll(cleanup);

  /** Two runs through log store `name`, each within --flush-timeout 1s and a margin: one record each, spooled. */
  async function twoRuns(name: string, url: string): Promise<void> {
    // A send and its retries may take export_timeout_millis (30 s here): the run must not wait for the resend's.
    const reg = await cli(
      'log-store',
      'register',
      name,
      '--flavor=datadog',
      '--api_key=abc12345',
      '--application_key=def12345',
      `--intake_url=${url}`,
      `--api_url=${url}`,
      '--export_timeout_millis=30000',
    );
    expect(reg.code).toBe(0);
    for (const n of [1, 2, 3]) {
      const started = Date.now();
      const r = await cli('run', '--log-store', name, '--flush-timeout', '1s', '--', 'echo', `line ${n}`);
      const tookMs = Date.now() - started;
      expect([r.code, r.stdout]).toEqual([0, `line ${n}\n`]);
      expect(r.stderr).toMatch(/: 1 record read, 0 delivered, 1 spooled, 0 dropped/);
      // Wide for a loaded machine: the second run took the resend's whole 30 s before the resend was stopped.
      expect(tookMs).toBeLessThan(15_000);
      // The first run's record is still spooled, for `flush` to send later.
      if (n === 2) expect(r.stderr).toContain('resent 0 spooled records from earlier runs, 1 still spooled');
      // Two runs' records spooled, the resend stopped on the first: its count is not all there is, and it says so.
      if (n === 3)
        expect(r.stderr).toMatch(
          /resent 0 spooled records from earlier runs(, 1 of those it tried still spooled,|;) and what it did not try \(dd-logstore flush says how many\)/,
        );
    }
  }

  it("stops with the run's own flush: a refused intake keeps no run past --flush-timeout, and nothing is lost", async () => {
    await twoRuns('down', 'http://127.0.0.1:1');
  }, 90_000);

  it('cuts an attempt that hangs once its moment of grace is over (an intake that never answers)', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await twoRuns('hung', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      // Cut by our own stop: not a reason the intake gave, so not the one `flush` will quote for the first run.
      const reasons = readdirSync(join(home, 'spool'), { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('reason'))
        .map((name) => readFileSync(join(home, 'spool', name), 'utf8'));
      expect(reasons.filter((r) => /shutting down|transport closed/.test(r))).toEqual([]);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 90_000);
});
