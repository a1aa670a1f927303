/**
 * What the lean HTTP/1.1 client must get right beyond the shared contract (transport.test.ts): answers written by a
 * raw TCP server byte by byte, chunked, after a 1xx, without a length, larger than kept; a keep-alive socket closed
 * by the far end; TLS as Node's https checks it (SNI, verification, NODE_EXTRA_CA_CERTS).
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createManualTimers } from '../../../test/helpers/manual-timers.js';
import { createLeanHttpTransport } from './lean-http-transport.js';
import { createNodeHttpTransport } from './node-http-transport.js';
import type { TransportResult } from './transport.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CERT = join(ROOT, 'test', 'fixtures', 'tls', 'localhost.crt');
const KEY = join(ROOT, 'test', 'fixtures', 'tls', 'localhost.key');

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

interface Received {
  /** The request's head and body as they came, per request. */
  requests: { head: string; body: Buffer }[];
  connections: number;
}

/**
 * A raw HTTP/1.1 server: reads each request (head, then `content-length` bytes) and lets `answer` write what it likes
 * on the socket, in as many pieces as it likes.
 */
async function rawServer(
  answer: (socket: Socket, index: number, onSocket: number) => void,
): Promise<{ url: string; received: Received }> {
  const received: Received = { requests: [], connections: 0 };
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    received.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let onSocket = 0;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        received.requests.push({ head, body: Buffer.from(buf.subarray(end + 4, end + 4 + length)) });
        buf = buf.subarray(end + 4 + length);
        answer(socket, received.requests.length - 1, onSocket++);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/logs`, received };
}

/** Writes `text` in pieces of `size` bytes, each in its own TCP segment (a pause between them). */
async function inPieces(socket: Socket, text: string | Buffer, size: number): Promise<void> {
  socket.setNoDelay(true);
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) {
    if (socket.destroyed) return;
    socket.write(bytes.subarray(i, i + size));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const ACCEPTED = 'HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}';

describe('lean http transport', () => {
  it('sends one head with the body length and our headers, and reads answers cut at every byte, chunked or not', async () => {
    const answers = [
      // The head and its blank line cut at every byte; a header repeated; a reason phrase.
      'HTTP/1.1 202 Accepted\r\nX-Thing: a\r\nx-thing: b\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}',
      // Chunked, with an extension and a trailer.
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\n{"ab\r\n5\r\n":22}\r\n0\r\nx-trailer: t\r\n\r\n',
      // 100 Continue and 103 Early Hints (with a header of its own) before the answer.
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}',
    ];
    const s = await rawServer((socket, i) => void inPieces(socket, answers[i % answers.length] as string, 1));
    const transport = createLeanHttpTransport({ connections: 1 });
    const results: TransportResult[] = [];
    for (let i = 0; i < answers.length; i++)
      results.push(
        await transport.send({ url: s.url, headers: { 'DD-API-KEY': 'secret', 'Content-Type': 'x' }, body: 'héllo' }),
      );
    await transport.close();
    expect(results).toEqual([
      {
        kind: 'response',
        status: 202,
        headers: { 'x-thing': 'a, b', 'content-type': 'application/json', 'content-length': '7' },
        body: '{"a":1}',
      },
      { kind: 'response', status: 200, headers: { 'transfer-encoding': 'chunked' }, body: '{"ab":22}' },
      { kind: 'response', status: 202, headers: { 'content-length': '2' }, body: '{}' },
    ]);
    expect(s.received.connections).toBe(1);
    const host = new URL(s.url).host;
    expect(s.received.requests.map((r) => [r.head, r.body.toString()])).toEqual(
      Array(3).fill([
        `POST /api/v2/logs HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\nDD-API-KEY: secret\r\n` +
          `Content-Type: x\r\nContent-Length: 6`,
        'héllo',
      ]),
    );
  });

  it('reads an answer with no length up to the close, and does not use a socket again after connection: close', async () => {
    const answers = [
      'HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\n\r\nno length, to the close',
      'HTTP/1.1 202 Accepted\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}',
      ACCEPTED,
    ];
    const s = await rawServer((socket, i) => {
      socket.write(answers[i] as string);
      if (i < 2) socket.end();
    });
    const transport = createLeanHttpTransport({ connections: 1 });
    const results: TransportResult[] = [];
    for (let i = 0; i < 3; i++) results.push(await transport.send({ url: s.url, headers: {}, body: 'x' }));
    await transport.close();
    expect(results.map((r) => r.kind === 'response' && [r.status, r.body])).toEqual([
      [500, 'no length, to the close'],
      [202, '{}'],
      [202, '{}'],
    ]);
    expect(s.received.connections).toBe(3);
  });

  it('keeps only the start of an answer larger than asked for, reads it all, and uses the socket again', async () => {
    const big = 'é'.repeat(300_000);
    const s = await rawServer((socket, i) => {
      const body = Buffer.from(big);
      if (i % 2 === 0) socket.write(`HTTP/1.1 400 Bad Request\r\ncontent-length: ${body.length}\r\n\r\n`);
      else
        socket.write(`HTTP/1.1 400 Bad Request\r\ntransfer-encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`);
      socket.write(body);
      if (i % 2 === 1) socket.write('\r\n0\r\n\r\n');
    });
    const transport = createLeanHttpTransport({ connections: 1 });
    for (let i = 0; i < 4; i++) {
      const r = await transport.send({ url: s.url, headers: {}, body: 'x' });
      expect(r).toMatchObject({ kind: 'response', status: 400, body: 'é'.repeat(4096) });
    }
    const whole = await transport.send({ url: s.url, headers: {}, body: 'x', maxBodyChars: Infinity });
    await transport.close();
    expect(whole).toMatchObject({ kind: 'response', body: big });
    expect(s.received.connections).toBe(1);
  });

  it('sends a request again, once, on a fresh socket when the far end closed a kept-alive one without answering', async () => {
    // The keep-alive race: the server closes an idle socket as the next request goes out.
    const s = await rawServer((socket, _i, onSocket) => {
      if (onSocket === 0) socket.write(ACCEPTED);
      else socket.destroy();
    });
    const transport = createLeanHttpTransport({ connections: 1 });
    const first = await transport.send({ url: s.url, headers: {}, body: 'one' });
    const second = await transport.send({ url: s.url, headers: {}, body: 'two' });
    await transport.close();
    expect([first, second].map((r) => r.kind === 'response' && r.status)).toEqual([202, 202]);
    // "two" reached the server twice: sent again, never lost.
    expect(s.received.requests.map((r) => r.body.toString())).toEqual(['one', 'two', 'two']);
    expect(s.received.connections).toBe(2);
  });

  it('does not send again when the socket was new, when part of an answer came, or a second time', async () => {
    const fresh = await rawServer((socket) => socket.destroy());
    const partial = await rawServer((socket, _i, onSocket) => {
      if (onSocket === 0) socket.write(ACCEPTED);
      else socket.end('HTTP/1.1 202 Acc');
    });
    const twice = await rawServer((socket, i) => {
      if (i === 0) socket.write(ACCEPTED);
      else socket.destroy();
    });
    const transport = createLeanHttpTransport({ connections: 1 });
    const onFresh = await transport.send({ url: fresh.url, headers: {}, body: 'a' });
    expect(onFresh).toMatchObject({ kind: 'network-error', timedOut: false });
    expect(fresh.received.requests).toHaveLength(1);

    await transport.send({ url: partial.url, headers: {}, body: 'a' });
    const cut = await transport.send({ url: partial.url, headers: {}, body: 'b' });
    expect(cut).toMatchObject({ kind: 'network-error', timedOut: false });
    expect(partial.received.requests.map((r) => r.body.toString())).toEqual(['a', 'b']);

    // The resend's fresh socket is closed too: a network error, for the retrying transport to decide.
    await transport.send({ url: twice.url, headers: {}, body: 'a' });
    const again = await transport.send({ url: twice.url, headers: {}, body: 'b' });
    expect(again).toMatchObject({ kind: 'network-error', timedOut: false });
    expect(twice.received.requests.map((r) => r.body.toString())).toEqual(['a', 'b', 'b']);
    await transport.close();
  });

  it('connects afresh when the far end closed an idle socket, or it idled past the keep-alive timeout it announced', async () => {
    const s = await rawServer((socket, i) => {
      if (i === 0)
        socket.end(ACCEPTED); // closes after answering, without saying so
      else socket.write(`HTTP/1.1 202 Accepted\r\nkeep-alive: timeout=1\r\ncontent-length: 2\r\n\r\n{}`);
    });
    const transport = createLeanHttpTransport({ connections: 1 });
    await transport.send({ url: s.url, headers: {}, body: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // timeout=1 less Node's one-second margin: never used again.
    for (const body of ['b', 'c'])
      expect(await transport.send({ url: s.url, headers: {}, body })).toMatchObject({ status: 202 });
    await transport.close();
    expect(s.received.requests.map((r) => r.body.toString())).toEqual(['a', 'b', 'c']);
    expect(s.received.connections).toBe(3);
  });

  it("sends a URL's credentials as basic authentication, as Node's client does", async () => {
    const s = await rawServer((socket) => socket.write(ACCEPTED));
    const url = s.url.replace('http://', 'http://us%40er:p%3Ass@');
    for (const create of [createLeanHttpTransport, createNodeHttpTransport]) {
      const transport = create();
      expect(await transport.send({ url, headers: {}, body: 'x' })).toMatchObject({ status: 202 });
      await transport.close();
    }
    const auth = s.received.requests.map((r) => /\r\nauthorization: (.*)/i.exec(r.head)?.[1]);
    expect(auth).toEqual(Array(2).fill(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`));
  });

  it('returns a malformed answer as a network error', async () => {
    const s = await rawServer((socket) => socket.write('SMTP ready\r\n\r\n'));
    const transport = createLeanHttpTransport();
    expect(await transport.send({ url: s.url, headers: {}, body: 'x' })).toMatchObject({
      kind: 'network-error',
      code: 'HPE_INVALID',
    });
    await transport.close();
  });

  it("times out at the request's own limit when shorter, and queues requests beyond its sockets", async () => {
    const s = await rawServer((socket, i) => {
      if (i > 0) socket.write(ACCEPTED); // the first never gets an answer
    });
    const timers = createManualTimers();
    const transport = createLeanHttpTransport({ connections: 1, timeoutMs: 15_000, timers });
    const hung = transport.send({ url: s.url, headers: {}, body: 'a', timeoutMs: 1000 });
    const queued = transport.send({ url: s.url, headers: {}, body: 'b' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.received.requests).toHaveLength(1);
    timers.advance(1000);
    expect(await hung).toMatchObject({
      kind: 'network-error',
      timedOut: true,
      message: 'request timed out after 1000 ms',
    });
    expect(await queued).toMatchObject({ kind: 'response', status: 202 });
    await transport.close();
  });
});

describe('lean http transport over TLS', () => {
  async function httpsServer(): Promise<{ url: string; servernames: (string | false | null)[] }> {
    const servernames: (string | false | null)[] = [];
    const server = createHttpsServer({ cert: readFileSync(CERT), key: readFileSync(KEY) }, (req, res) => {
      servernames.push((req.socket as TLSSocket).servername);
      req.resume();
      req.on('end', () => res.writeHead(202, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    return { url: `https://localhost:${(server.address() as AddressInfo).port}/api/v2/logs`, servernames };
  }

  it('refuses a certificate it cannot verify, as Node https does', async () => {
    const s = await httpsServer();
    for (const create of [createLeanHttpTransport, createNodeHttpTransport]) {
      const transport = create();
      const r = await transport.send({ url: s.url, headers: {}, body: 'x' });
      await transport.close();
      expect(r).toMatchObject({ kind: 'network-error', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    }
  });

  it('trusts NODE_EXTRA_CA_CERTS and names the host (SNI), as Node https does', async () => {
    const s = await httpsServer();
    // NODE_EXTRA_CA_CERTS is read when Node starts: a child process with it set, running the built transports.
    const script = `
      const { createLeanHttpTransport } = await import(${JSON.stringify(join(ROOT, 'dist/core/http/lean-http-transport.js'))});
      const { createNodeHttpTransport } = await import(${JSON.stringify(join(ROOT, 'dist/core/http/node-http-transport.js'))});
      const out = [];
      for (const create of [createLeanHttpTransport, createNodeHttpTransport]) {
        const t = create();
        for (let i = 0; i < 2; i++) {
          const r = await t.send({ url: ${JSON.stringify(s.url)}, headers: {}, body: 'x' });
          out.push(r.kind === 'response' ? r.status : r.code);
        }
        await t.close();
      }
      console.log(JSON.stringify(out));`;
    const child = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { env: { ...process.env, NODE_EXTRA_CA_CERTS: CERT } },
        (_err, stdout, stderr) => resolve({ stdout, stderr }),
      ),
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([202, 202, 202, 202]);
    expect(s.servernames).toEqual(Array(4).fill('localhost'));
  });
});
