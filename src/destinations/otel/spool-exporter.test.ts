import { afterEach, describe, expect, it } from '@jest/globals';
import { createHttpTransport } from '../../core/http/transport.js';
import { startTestHttpServer, type TestHttpServer } from '../../../test/helpers/test-http-server.js';
import { createOtlpSpoolExporter } from './spool-exporter.js';

const servers: TestHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface JsonKv {
  key: string;
  value: { stringValue?: string };
}

/** The attributes of the first log record of an OTLP/JSON body. */
function firstAttributes(body: Buffer): Record<string, string | undefined> {
  const parsed = JSON.parse(body.toString('utf8')) as {
    resourceLogs: { scopeLogs: { logRecords: { attributes: JsonKv[] }[] }[] }[];
  };
  const attrs = parsed.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.attributes;
  return Object.fromEntries(attrs.map((a) => [a.key, a.value.stringValue]));
}

describe('OTLP spool exporter', () => {
  const entry = {
    runId: 'r1',
    reason: 'HTTP 503',
    spooledAt: 1,
    item: {
      message: 'hi',
      status: 'info',
      timestamp: 1_700_000_000_000,
      service: 'zenml',
      ddtags: 'env:ci,team:ml',
      team: 'ml',
    },
  };

  it("Datadog's: the item's ddtags is an attribute, which its OTLP intake reads as the tags (resent records had none)", async () => {
    const s = await startTestHttpServer((_req, res) => res.writeHead(200).end('{}'));
    servers.push(s);
    const exporter = createOtlpSpoolExporter(`${s.url}/v1/logs`, {}, 'http/json', 'none', createHttpTransport(), true);
    expect((await exporter.export([entry])).kind).toBe('success');
    await exporter.shutdown();
    expect(firstAttributes(s.requests[0]!.body)).toMatchObject({ ddtags: 'env:ci,team:ml', team: 'ml' });
  });

  it('any other endpoint: no ddtags attribute (the tags are attributes of their own already)', async () => {
    const s = await startTestHttpServer((_req, res) => res.writeHead(200).end('{}'));
    servers.push(s);
    const exporter = createOtlpSpoolExporter(`${s.url}/v1/logs`, {}, 'http/json', 'none', createHttpTransport());
    expect((await exporter.export([entry])).kind).toBe('success');
    await exporter.shutdown();
    const attrs = firstAttributes(s.requests[0]!.body);
    expect(attrs.ddtags).toBeUndefined();
    expect(attrs.team).toBe('ml');
  });
});
