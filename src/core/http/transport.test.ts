import { describe, it, expect, afterEach } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { toExportOutcome, parseRetryAfterMs } from './http-outcome.js';
import { createManualTimers } from '../../../test/helpers/manual-timers.js';
import { startTestHttpServer, type TestHttpServer } from '../../../test/helpers/test-http-server.js';
import { createHttpTransport, type HttpTransportOptions, type Transport, type TransportResult } from './transport.js';
import { createNodeHttpTransport } from './node-http-transport.js';
import { createLeanHttpTransport } from './lean-http-transport.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(respond: Parameters<typeof startTestHttpServer>[0]): Promise<TestHttpServer> {
  const s = await startTestHttpServer(respond);
  servers.push(s);
  return s;
}

function response(status: number, headers: Record<string, string> = {}, body = ''): TransportResult {
  return { kind: 'response', status, headers, body };
}

// The same contract over undici (`verify`, the probe), over Node's own client (the Datadog API reads of `logs`,
// `flush`) and over the lean HTTP/1.1 client (`run`'s shipping).
describe.each([
  ['undici', createHttpTransport],
  ['node:http', createNodeHttpTransport],
  ['lean', createLeanHttpTransport],
] as [string, (o?: HttpTransportOptions) => Transport][])('http transport (%s)', (_name, createHttpTransport) => {
  it('posts the body with the headers and returns the answer as a value, over one kept-alive connection', async () => {
    const s = await server((_req, res) => res.writeHead(202, { 'x-thing': 'a' }).end('{}'));
    const transport = createHttpTransport({ connections: 1 });
    for (let i = 0; i < 3; i++) {
      const result = await transport.send({ url: `${s.url}/api/v2/logs`, headers: { 'dd-api-key': 'k' }, body: 'abc' });
      expect(result).toEqual({
        kind: 'response',
        status: 202,
        headers: expect.objectContaining({ 'x-thing': 'a' }),
        body: '{}',
      });
    }
    await transport.close();
    expect(s.requests.map((r) => [r.method, r.path, r.headers['dd-api-key'], r.body.toString()])).toEqual(
      Array(3).fill(['POST', '/api/v2/logs', 'k', 'abc']),
    );
    expect(s.connections()).toBe(1);
  });

  it('sends a GET without a body, and keeps a whole answer when asked (maxBodyChars), else only its start', async () => {
    const big = 'x'.repeat(10_000);
    const s = await server((_req, res) => res.writeHead(200).end(big));
    const transport = createHttpTransport();
    const whole = await transport.send({
      url: `${s.url}/api/v1/validate`,
      method: 'GET',
      headers: {},
      maxBodyChars: Infinity,
    });
    const clipped = await transport.send({ url: s.url, headers: {}, body: '{}' });
    await transport.close();
    expect(s.requests.map((r) => [r.method, r.raw.length])).toEqual([
      ['GET', 0],
      ['POST', 2],
    ]);
    expect(whole).toMatchObject({ kind: 'response', status: 200, body: big });
    expect(clipped.kind === 'response' && clipped.body.length).toBe(4096);
  });

  it('hands a body written in several chunks whole to decodeBody, with the status, in place of the text', async () => {
    const parts = ['{"data":[', 'é'.repeat(70_000), '"x"]}'];
    const s = await server((_req, res) => {
      res.writeHead(203);
      for (const p of parts) res.write(p);
      res.end();
    });
    const transport = createHttpTransport();
    const seen: [number, string][] = [];
    const results: TransportResult[] = [];
    // Two answers in turn: what the first decoder was lent is read before the second answer arrives.
    for (let i = 0; i < 2; i++)
      results.push(
        await transport.send({
          url: s.url,
          headers: {},
          body: '{}',
          decodeBody: (bytes, status) => {
            seen.push([status, bytes.toString('utf8')]);
            return { length: bytes.length };
          },
        }),
      );
    await transport.close();
    const text = parts.join('');
    expect(seen).toEqual([
      [203, text],
      [203, text],
    ]);
    for (const r of results)
      expect(r).toMatchObject({
        kind: 'response',
        status: 203,
        body: '',
        decoded: { length: Buffer.byteLength(text) },
      });
  });

  it('a request cancelled by its signal settles at once as a network error that did not time out', async () => {
    const s = await server(() => undefined); // never answers
    const transport = createHttpTransport({ timeoutMs: 60_000 });
    const cancel = new AbortController();
    const pending = transport.send({ url: s.url, headers: {}, body: 'x', signal: cancel.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    cancel.abort();
    expect(await pending).toMatchObject({ kind: 'network-error', message: 'request cancelled', timedOut: false });
    // Already cancelled: not even sent.
    expect(await transport.send({ url: s.url, headers: {}, body: 'x', signal: cancel.signal })).toMatchObject({
      kind: 'network-error',
      timedOut: false,
    });
    await transport.close();
  });

  it('returns an answer cut off mid-body (the connection lost) as a network error, never a short body', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write('x'.repeat(1000), () => res.destroy());
    });
    const transport = createHttpTransport();
    const result = await transport.send({ url: s.url, headers: {}, body: 'x', maxBodyChars: Infinity });
    await transport.close();
    expect(result).toMatchObject({ kind: 'network-error', timedOut: false });
  });

  it('returns a refused connection as a network error', async () => {
    const s = await startTestHttpServer();
    await s.close();
    const transport = createHttpTransport();
    const result = await transport.send({ url: s.url, headers: {}, body: 'x' });
    await transport.close();
    expect(result).toMatchObject({ kind: 'network-error', code: 'ECONNREFUSED', timedOut: false });
    expect(toExportOutcome(result)).toMatchObject({ kind: 'retryable' });
  });

  it('settles every attempt when undici refuses a request before it has a socket (an invalid header name)', async () => {
    const s = await server((_req, res) => res.writeHead(202).end('{}'));
    const t = createHttpTransport({ timeoutMs: 500, connections: 3 });
    const results: TransportResult[] = [];
    // undici can leave the pool slot taken after such a refusal, so later requests queue deaf to their signal.
    for (let i = 0; i < 5; i++) results.push(await t.send({ url: s.url, headers: { 'bad header': 'x' }, body: '{}' }));
    for (const r of results) expect(r.kind).toBe('network-error');
    await t.close();
  });

  it('times out a request that gets no answer (injected timers)', async () => {
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: () => new Promise<void>((resolve) => (hanging.closeAllConnections(), hanging.close(() => resolve()))),
    });
    const timers = createManualTimers();
    const transport = createHttpTransport({ timeoutMs: 15_000, timers });
    const { port } = hanging.address() as AddressInfo;
    const pending = transport.send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: 'x' });
    await new Promise<void>((resolve) => hanging.once('request', () => resolve()));
    timers.advance(15_000);
    const result = await pending;
    await transport.close();
    expect(result).toMatchObject({ kind: 'network-error', timedOut: true });
    expect(toExportOutcome(result)).toEqual({ kind: 'retryable', message: expect.stringMatching(/^timeout: /) });
  });

  it('close() aborts requests in flight as network errors', async () => {
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: () => new Promise<void>((resolve) => (hanging.closeAllConnections(), hanging.close(() => resolve()))),
    });
    const transport = createHttpTransport({ timers: createManualTimers() });
    const { port } = hanging.address() as AddressInfo;
    const pending = transport.send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: 'x' });
    await new Promise<void>((resolve) => hanging.once('request', () => resolve()));
    await transport.close();
    expect(await pending).toMatchObject({ kind: 'network-error', timedOut: false });
    expect(await transport.send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: 'x' })).toMatchObject({
      kind: 'network-error',
      message: 'transport closed',
    });
  });
});

// Datadog's API answers gzip when asked (`accept-encoding`): the reads of `logs` ask for it (api-client.ts).
describe.each([
  ['node:http', createNodeHttpTransport],
  ['lean', createLeanHttpTransport],
] as [string, (o?: HttpTransportOptions) => Transport][])(
  '%s transport, compressed answers',
  (_name, createNodeHttpTransport) => {
    it('inflates a gzip or deflate answer for decodeBody and for the text; a broken one is a network error', async () => {
      const text = `{"data":[${'"é",'.repeat(50_000)}"x"]}`;
      const s = await server((req, res) => {
        const kind = req.path.slice(1);
        if (kind === 'broken') return res.writeHead(200, { 'content-encoding': 'gzip' }).end('not gzip at all');
        const body = kind === 'gzip' ? gzipSync(text) : kind === 'deflate' ? deflateSync(text) : Buffer.from(text);
        res.writeHead(200, kind === 'plain' ? {} : { 'content-encoding': kind ?? '' });
        // In pieces, as a large answer arrives.
        for (let i = 0; i < body.length; i += 4096) res.write(body.subarray(i, i + 4096));
        res.end();
      });
      const transport = createNodeHttpTransport();
      const decode = (bytes: Buffer) => bytes.toString('utf8');
      for (const kind of ['gzip', 'deflate', 'plain']) {
        const decoded = await transport.send({ url: `${s.url}/${kind}`, headers: {}, decodeBody: decode });
        expect(decoded).toMatchObject({ kind: 'response', status: 200, decoded: text });
        const asText = await transport.send({ url: `${s.url}/${kind}`, headers: {}, maxBodyChars: Infinity });
        expect(asText).toMatchObject({ kind: 'response', status: 200, body: text });
      }
      const broken = await transport.send({ url: `${s.url}/broken`, headers: {}, decodeBody: decode });
      expect(broken).toMatchObject({ kind: 'network-error', timedOut: false });
      await transport.close();
    });
  },
);

describe('toExportOutcome', () => {
  it('maps 2xx to success', () => {
    expect(toExportOutcome(response(202))).toEqual({ kind: 'success' });
    expect(toExportOutcome(response(200))).toEqual({ kind: 'success' });
  });

  it.each([408, 429, 500, 502, 503, 504])('maps %i to retryable', (status) => {
    expect(toExportOutcome(response(status))).toEqual({ kind: 'retryable', status, message: `HTTP ${status}` });
  });

  it.each([400, 401, 403, 413, 404])('maps %i to failure with the status and the body', (status) => {
    expect(toExportOutcome(response(status, {}, '{"errors":["Forbidden"]}'))).toEqual({
      kind: 'failure',
      status,
      message: `HTTP ${status}: {"errors":["Forbidden"]}`,
    });
  });

  it('honours Retry-After (seconds or date) and X-RateLimit-Reset', () => {
    expect(toExportOutcome(response(429, { 'retry-after': '3' }))).toMatchObject({ retryAfterMs: 3000 });
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfterMs({ 'retry-after': 'Mon, 01 Jan 2024 00:00:10 GMT' }, now)).toBe(10_000);
    expect(parseRetryAfterMs({ 'x-ratelimit-reset': '7' }, now)).toBe(7000);
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(toExportOutcome(response(503))).not.toHaveProperty('retryAfterMs');
  });
});
