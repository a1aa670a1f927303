import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { createIOStreams } from '../io/iostreams.js';
import { startFlushWaitNotice } from './flush-wait-notice.js';

function io(stderrIsTTY: boolean) {
  const stderr = Object.assign(new PassThrough(), { isTTY: stderrIsTTY });
  let text = '';
  stderr.on('data', (c: Buffer) => (text += c.toString()));
  const streams = createIOStreams({ env: {}, stdin: new PassThrough(), stdout: new PassThrough(), stderr });
  return { streams, text: () => text };
}

/** Real timers: waits until `cond` holds (the notice checks every 250 ms), at most a few seconds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('startFlushWaitNotice', () => {
  it('says it once when delivery has a problem: how many wait, for how long, Ctrl-C', async () => {
    const out = io(false);
    const notice = startFlushWaitNotice({
      io: out.streams,
      timeoutMs: 30_000,
      quiet: false,
      delayMs: 0,
      waiting: () => 12,
      delivered: () => 0,
      problem: () => 'HTTP 503',
    });
    await until(() => out.text().length > 0);
    await new Promise((r) => setTimeout(r, 600));
    notice.stop();
    expect(out.text()).toMatch(
      /^dd-logstore: waiting up to (30|29) s \(--flush-timeout\) to deliver 12 records \(HTTP 503\); Ctrl-C stops waiting and spools them, nothing is lost \(dd-logstore flush resends them\)\n$/,
    );
  });

  it('says nothing once the wait is over: a --flush-timeout no longer than the delay before the notice', async () => {
    const out = io(false);
    const notice = startFlushWaitNotice({
      io: out.streams,
      timeoutMs: 100,
      quiet: false,
      delayMs: 0,
      waiting: () => 1,
      delivered: () => 0,
      problem: () => 'ECONNREFUSED',
    });
    // Past two checks of the notice (every 250 ms), the wait of 100 ms long over.
    await new Promise((r) => setTimeout(r, 700));
    notice.stop();
    expect(out.text()).toBe('');
  });

  it('on a terminal, a live count, erased when the wait ends', async () => {
    const out = io(true);
    let waiting = 5;
    const notice = startFlushWaitNotice({
      io: out.streams,
      timeoutMs: 30_000,
      quiet: false,
      delayMs: 0,
      waiting: () => waiting,
      delivered: () => 0,
      problem: () => 'HTTP 503',
    });
    await until(() => out.text().includes('5 records waiting'));
    waiting = 4;
    await until(() => out.text().includes('4 records waiting'));
    notice.stop();
    expect(out.text().startsWith('\r\x1b[Kdd-logstore: 5 records waiting for delivery, ')).toBe(true);
    expect(out.text()).toMatch(/5 records waiting for delivery, \d+ s left; Ctrl-C stops waiting/);
    expect(out.text()).toContain('\r\x1b[Kdd-logstore: 4 records waiting for delivery');
    expect(out.text().endsWith('\r\x1b[K')).toBe(true);
  });

  it('says nothing with --quiet, or while a working intake makes progress', async () => {
    const quiet = io(false);
    startFlushWaitNotice({
      io: quiet.streams,
      timeoutMs: 30_000,
      quiet: true,
      delayMs: 0,
      waiting: () => 3,
      delivered: () => 0,
      problem: () => 'HTTP 503',
    }).stop();
    const busy = io(false);
    let delivered = 0;
    let checks = 0;
    // Each check is a second later: without progress, the stall would be said at the first one.
    let t = 0;
    const notice = startFlushWaitNotice({
      io: busy.streams,
      now: () => (t += 1000),
      timeoutMs: 30_000,
      quiet: false,
      delayMs: 0,
      waiting: () => 1000,
      delivered: () => {
        checks++;
        return (delivered += 10);
      },
      problem: () => undefined,
    });
    await until(() => checks >= 6);
    notice.stop();
    expect([quiet.text(), busy.text()]).toEqual(['', '']);
  });
});
