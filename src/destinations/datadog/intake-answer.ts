/**
 * Only the Datadog intake's own answer is success. The logs intake answers `202 Accepted` with the JSON body `{}`
 * (its API reference: "always 202 empty JSON"); its OTLP route answers protobuf or JSON. A 2xx with anything else,
 * an HTML page above all, comes from something in between (a proxy, a captive portal, a login page) and the records
 * never reached Datadog: counting them as delivered would lose them. Such an answer becomes a retryable result that
 * says what was received, so the batch is retried, then spooled, never counted as delivered.
 */
import type { Transport, TransportRequest, TransportResult } from '../../core/http/transport.js';

/** The `code` of a 2xx that is not the intake's answer; http-outcome quotes its message as it is. */
export const NOT_THE_INTAKE = 'NOT_THE_INTAKE';
/** In the message of such an answer: how a caller that sees only the message (an export outcome) tells it apart. */
export const NOT_THE_INTAKES_ANSWER = "that is not the Datadog intake's answer";

export type IntakeRoute = 'intake' | 'otlp';

/** Why `result` is not the intake's own answer, or undefined when it is (or is not a 2xx at all). */
export function notTheIntakesAnswer(result: TransportResult, route: IntakeRoute): string | undefined {
  if (result.kind !== 'response' || result.status < 200 || result.status >= 300) return undefined;
  const type = (result.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const body = result.body.trim();
  if (route === 'otlp') {
    if (!/html|^text\//.test(type) && !body.startsWith('<')) return undefined;
  } else if (isJsonObject(body)) return undefined;
  const shown = body.replace(/\s+/g, ' ').slice(0, 120);
  return (
    `HTTP ${result.status} ${NOT_THE_INTAKES_ANSWER} (${type || 'no content type'}` +
    `${shown ? `: ${JSON.stringify(shown)}` : ', empty body'}): a proxy or captive portal answered instead; ` +
    'the records were not delivered (check intake_url, and HTTPS_PROXY or the network)'
  );
}

function isJsonObject(text: string): boolean {
  if (!text.startsWith('{')) return false;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Wraps the transport of a Datadog exporter: a look-alike 2xx comes back as a retryable network-level result. */
export function checkIntakeAnswers(inner: Transport, route: IntakeRoute): Transport {
  return {
    async send(req: TransportRequest): Promise<TransportResult> {
      const result = await inner.send(req);
      const why = notTheIntakesAnswer(result, route);
      if (why === undefined) return result;
      return { kind: 'network-error', message: why, code: NOT_THE_INTAKE, timedOut: false };
    },
    close: () => inner.close(),
  };
}
