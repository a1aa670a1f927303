/** A real HTTP server on 127.0.0.1:0 that records what it receives, for transport and exporter tests. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeBodySync } from './content-encoding.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as sent. */
  raw: Buffer;
  /** The body, decoded from its Content-Encoding (gzip, zstd). */
  body: Buffer;
}

export type Responder = (req: ReceivedRequest, res: ServerResponse, index: number) => void;

export interface TestHttpServer {
  url: string;
  requests: ReceivedRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export const accept202: Responder = (_req, res) => {
  res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
};

export async function startTestHttpServer(respond: Responder = accept202): Promise<TestHttpServer> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = decodeBodySync(raw, req.headers['content-encoding']);
      const received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body };
      requests.push(received);
      respond(received, res, requests.length - 1);
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
