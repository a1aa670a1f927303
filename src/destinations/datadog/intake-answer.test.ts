import { describe, it, expect } from '@jest/globals';
import { toExportOutcome } from '../../core/http/http-outcome.js';
import type { TransportResult } from '../../core/http/transport.js';
import { checkIntakeAnswers, notTheIntakesAnswer } from './intake-answer.js';

const answer = (status: number, body: string, type = 'application/json'): TransportResult => ({
  kind: 'response',
  status,
  headers: { 'content-type': type },
  body,
});

describe("only the Datadog intake's own answer is success", () => {
  it('takes 202 {} (and any JSON object) from the logs intake', () => {
    expect(notTheIntakesAnswer(answer(202, '{}'), 'intake')).toBeUndefined();
    expect(notTheIntakesAnswer(answer(200, '{"status":"ok"}'), 'intake')).toBeUndefined();
    // Not a 2xx: the usual outcome rules apply.
    expect(notTheIntakesAnswer(answer(503, '<html>down</html>', 'text/html'), 'intake')).toBeUndefined();
  });

  it("refuses a captive portal's HTML page, an empty 2xx and a JSON array, saying what came", () => {
    const html = notTheIntakesAnswer(answer(200, '<!doctype html><title>Sign in</title>', 'text/html'), 'intake');
    expect(html).toMatch(/^HTTP 200 that is not the Datadog intake's answer \(text\/html: "<!doctype html>/);
    expect(html).toMatch(/not delivered/);
    expect(notTheIntakesAnswer(answer(204, ''), 'intake')).toMatch(/empty body/);
    expect(notTheIntakesAnswer(answer(202, '[]'), 'intake')).toMatch(/not the Datadog intake's answer/);
  });

  it('takes protobuf or JSON from the OTLP route, not HTML', () => {
    expect(notTheIntakesAnswer(answer(200, '', 'application/x-protobuf'), 'otlp')).toBeUndefined();
    expect(notTheIntakesAnswer(answer(200, '<html></html>', 'text/html'), 'otlp')).toMatch(/not the Datadog/);
  });

  it('turns such an answer into a retryable outcome that names it', async () => {
    const t = checkIntakeAnswers(
      { send: () => Promise.resolve(answer(200, '<html>portal</html>', 'text/html')), close: () => Promise.resolve() },
      'intake',
    );
    const outcome = toExportOutcome(await t.send({ url: 'http://x', headers: {} }));
    expect(outcome.kind).toBe('retryable');
    expect(outcome.kind !== 'success' && outcome.message).toMatch(/^HTTP 200 that is not the Datadog intake's answer/);
  });
});
