import { describe, it, expect } from '@jest/globals';
import { createManualTimers, type ManualTimers } from '../../../test/helpers/manual-timers.js';
import { createRetryingTransport } from './retrying-transport.js';
import type { Transport, TransportRequest, TransportResult } from './transport.js';

/** A real Transport whose answers are scripted; it keeps the timeout each request was given. */
function scripted(answers: TransportResult[]): Transport & { sent: TransportRequest[] } {
  const sent: TransportRequest[] = [];
  return {
    sent,
    send(req) {
      sent.push(req);
      return Promise.resolve(answers[sent.length - 1] ?? answers[answers.length - 1]!);
    },
    close: () => Promise.resolve(),
  };
}

const status = (s: number, headers: Record<string, string> = {}): TransportResult => ({
  kind: 'response',
  status: s,
  headers,
  body: '',
});
const reset: TransportResult = {
  kind: 'network-error',
  message: 'socket hang up',
  code: 'ECONNRESET',
  timedOut: false,
};

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Runs `send` to the end, moving time in 50 ms steps whenever it waits; answers the result and the waits. */
async function drive(timers: ManualTimers, t: Transport): Promise<{ result: TransportResult; waits: number[] }> {
  const waits: number[] = [];
  let result: TransportResult | undefined;
  void t.send({ url: 'http://x', headers: {}, body: '' }).then((r) => (result = r));
  let waitStart: number | undefined;
  for (let i = 0; i < 10_000 && result === undefined; i++) {
    await flush();
    if (result !== undefined) break;
    if (timers.pending() === 0) {
      if (waitStart !== undefined) waits.push(timers.now() - waitStart);
      waitStart = undefined;
      continue;
    }
    waitStart ??= timers.now();
    timers.advance(50);
  }
  await flush();
  return { result: result!, waits };
}

function setup(answers: TransportResult[], budgetMs = 15_000, random = 0.5) {
  const timers = createManualTimers();
  const inner = scripted(answers);
  const t = createRetryingTransport(inner, { budgetMs, timers, now: timers.now, random: () => random });
  return { timers, inner, t };
}

describe('retrying transport', () => {
  it('retries 500s, 408, 429 and resets with exponential backoff, then returns the success', async () => {
    const { inner, t, timers } = setup([status(500), status(503), reset, status(408), status(202)]);
    const { result } = await drive(timers, t);
    expect(result).toMatchObject({ kind: 'response', status: 202, attempts: 5 });
    expect(inner.sent).toHaveLength(5);
    expect(timers.now()).toBe(200 + 400 + 800 + 1600);
  });

  it('waits 200, 400, 800 ms (jitter centred) between attempts', async () => {
    const timers = createManualTimers();
    const inner = scripted([status(503), status(503), status(503), status(202)]);
    const t = createRetryingTransport(inner, { budgetMs: 15_000, timers, now: timers.now, random: () => 0.5 });
    let done: TransportResult | undefined;
    void t.send({ url: 'u', headers: {}, body: '' }).then((r) => (done = r));
    const sentAt: number[] = [];
    for (const wait of [200, 400, 800]) {
      await flush();
      sentAt.push(timers.now());
      timers.advance(wait - 1);
      await flush();
      expect(inner.sent).toHaveLength(sentAt.length);
      timers.advance(1);
    }
    await flush();
    expect(done).toMatchObject({ status: 202 });
    expect(inner.sent).toHaveLength(4);
  });

  it('applies jitter from the injected random source', async () => {
    const timers = createManualTimers();
    const inner = scripted([status(503), status(202)]);
    const t = createRetryingTransport(inner, { budgetMs: 15_000, timers, now: timers.now, random: () => 0 });
    void t.send({ url: 'u', headers: {}, body: '' });
    await flush();
    timers.advance(149);
    await flush();
    expect(inner.sent).toHaveLength(1);
    timers.advance(1);
    await flush();
    expect(inner.sent).toHaveLength(2);
  });

  it.each([
    ['Retry-After', { 'retry-after': '2' }, 2000],
    ['X-RateLimit-Reset', { 'x-ratelimit-reset': '3' }, 3000],
  ])('honours %s', async (_name, headers, wait) => {
    const timers = createManualTimers();
    const inner = scripted([status(429, headers), status(202)]);
    const t = createRetryingTransport(inner, { budgetMs: 15_000, timers, now: timers.now, random: () => 0.5 });
    void t.send({ url: 'u', headers: {}, body: '' });
    await flush();
    timers.advance(wait - 1);
    await flush();
    expect(inner.sent).toHaveLength(1);
    timers.advance(1);
    await flush();
    expect(inner.sent).toHaveLength(2);
  });

  it('gives up within the budget and says so; each attempt gets at most half the budget', async () => {
    const { inner, t, timers } = setup([status(503)], 1000);
    const { result } = await drive(timers, t);
    expect(result).toMatchObject({ kind: 'response', status: 503 });
    expect(result.gaveUp).toMatch(/gave up after \d+ attempts in \d+ ms: export_timeout_millis=1000 spent/);
    expect(inner.sent.length).toBeGreaterThanOrEqual(2);
    expect(inner.sent[0]?.timeoutMs).toBe(500);
  });

  it('gives up at once when Retry-After points past the budget (no retry storm, no wasted wait)', async () => {
    const { inner, t, timers } = setup([status(429, { 'retry-after': '30' })], 5000);
    const { result, waits } = await drive(timers, t);
    expect(inner.sent).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(result.gaveUp).toMatch(/asked to wait 30000 ms, past export_timeout_millis=5000/);
  });

  it('never retries 2xx or other 4xx', async () => {
    for (const s of [202, 400, 401, 403, 413]) {
      const { inner, t, timers } = setup([status(s)]);
      const { result } = await drive(timers, t);
      expect(inner.sent).toHaveLength(1);
      expect(result).toMatchObject({ status: s });
      expect(result.attempts).toBeUndefined();
    }
  });

  it('close() ends a wait at once and returns the last answer', async () => {
    const timers = createManualTimers();
    const inner = scripted([status(503)]);
    const t = createRetryingTransport(inner, { budgetMs: 15_000, timers, now: timers.now, random: () => 0.5 });
    const p = t.send({ url: 'u', headers: {}, body: '' });
    await flush();
    await t.close();
    const r = await p;
    expect(r).toMatchObject({ status: 503, attempts: 1 });
    expect(r.gaveUp).toMatch(/shutting down/);
    expect(inner.sent).toHaveLength(1);
  });
});

describe('retrying transport: stopRetrying', () => {
  it('lets the attempt in flight end as it ends, and does not retry it; the inner transport stays open', async () => {
    const timers = createManualTimers();
    let answer: ((r: TransportResult) => void) | undefined;
    let closed = false;
    const inner: Transport = {
      send: () => new Promise<TransportResult>((resolve) => (answer = resolve)),
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };
    const t = createRetryingTransport(inner, { budgetMs: 15_000, timers, now: timers.now, random: () => 0.5 });
    let result: TransportResult | undefined;
    void t.send({ url: 'u', headers: {}, body: '' }).then((r) => (result = r));
    await flush();
    t.stopRetrying();
    await flush();
    // Still in flight: a delivery under way is not cut.
    expect([result, closed]).toEqual([undefined, false]);
    answer?.(status(503));
    await flush();
    expect(result).toMatchObject({ status: 503, attempts: 1, shutdown: true });
    expect(result?.gaveUp).toMatch(/shutting down/);
    // A success in flight comes back as it is.
    const ok = createRetryingTransport(inner, { budgetMs: 15_000, timers, now: timers.now });
    let okResult: TransportResult | undefined;
    void ok.send({ url: 'u', headers: {}, body: '' }).then((r) => (okResult = r));
    await flush();
    ok.stopRetrying();
    answer?.(status(202));
    await flush();
    expect(okResult).toMatchObject({ kind: 'response', status: 202 });
    expect(closed).toBe(false);
  });
});

/** An intake that answers 202 after `latencyMs`, or times out at the request's timeout when that is shorter. */
function slowIntake(
  timers: ManualTimers,
  latencyMs: number,
): Transport & { sent: TransportRequest[]; received: number } {
  const sent: TransportRequest[] = [];
  const state = { sent, received: 0 };
  return Object.assign(state, {
    send(req: TransportRequest): Promise<TransportResult> {
      sent.push(req);
      // The intake takes the request whether or not the client waits for its answer.
      state.received++;
      const limit = req.timeoutMs ?? Infinity;
      return new Promise<TransportResult>((resolve) => {
        if (latencyMs <= limit) timers.setTimeout(() => resolve(status(202)), latencyMs);
        else timers.setTimeout(() => resolve({ kind: 'network-error', message: 'timed out', timedOut: true }), limit);
      });
    },
    close: () => Promise.resolve(),
  });
}

describe('retrying transport: a slow intake', () => {
  it('does not send a timed-out batch again into a doomed shorter attempt, and later batches get the grown timeout', async () => {
    const timers = createManualTimers();
    // export_timeout_millis 15 s, the intake answers after 10 s: the first attempt (7.5 s) times out.
    const inner = slowIntake(timers, 10_000);
    const t = createRetryingTransport(inner, { budgetMs: 15_000, timers, now: timers.now, random: () => 0.5 });
    const first = await drive(timers, t);
    expect(first.result).toMatchObject({ kind: 'network-error', timedOut: true, attempts: 1 });
    expect(first.result.gaveUp).toMatch(/the intake is slow/);
    // One copy reached the intake, not two.
    expect(inner.received).toBe(1);
    const second = await drive(timers, t);
    expect(second.result).toMatchObject({ kind: 'response', status: 202 });
    expect(inner.sent[1]?.timeoutMs).toBe(15_000);
    expect(inner.received).toBe(2);
  });

  it('still retries a hung request within the budget when the rest of it holds a whole grown attempt', async () => {
    const timers = createManualTimers();
    const answers: TransportResult[] = [{ kind: 'network-error', message: 'timed out', timedOut: true }, status(202)];
    const inner = scripted(answers);
    const t = createRetryingTransport(inner, {
      budgetMs: 10_000,
      timers,
      now: timers.now,
      random: () => 0.5,
      policy: { attemptShare: 0.25 },
    });
    const { result } = await drive(timers, t);
    expect(result).toMatchObject({ status: 202, attempts: 2 });
    expect(inner.sent.map((r) => r.timeoutMs)).toEqual([2500, 5000]);
  });

  it('raises the attempt timeout to twice a slow success', async () => {
    const timers = createManualTimers();
    const inner = slowIntake(timers, 4000);
    const t = createRetryingTransport(inner, { budgetMs: 20_000, timers, now: timers.now, random: () => 0.5 });
    await drive(timers, t);
    await drive(timers, t);
    expect(inner.sent.map((r) => r.timeoutMs)).toEqual([10_000, 10_000]);
    const slower = slowIntake(timers, 7000);
    const t2 = createRetryingTransport(slower, { budgetMs: 20_000, timers, now: timers.now, random: () => 0.5 });
    await drive(timers, t2);
    await drive(timers, t2);
    expect(slower.sent.map((r) => r.timeoutMs)).toEqual([10_000, 14_000]);
  });
});
