/** Small helpers for the emulator's tests: post and get JSON with fetch (Node's undici). */
import zlib, { gzipSync, deflateSync } from 'node:zlib';

/** `zstdCompressSync` where the runtime has it (Node >= 22.15), else undefined. */
export const zstdCompressSync = (zlib as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function postIntake(
  url: string,
  items: unknown,
  opts: { apiKey?: string; encoding?: 'gzip' | 'deflate' | 'zstd' | 'identity'; raw?: Buffer } = {},
): Promise<Reply> {
  const json = opts.raw ?? Buffer.from(JSON.stringify(items));
  const enc = opts.encoding ?? 'identity';
  const body =
    enc === 'gzip' ? gzipSync(json) : enc === 'deflate' ? deflateSync(json) : enc === 'zstd' ? zstd(json) : json;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (enc !== 'identity') headers['content-encoding'] = enc;
  if (opts.apiKey !== undefined) headers['dd-api-key'] = opts.apiKey;
  return reply(await fetch(`${url}/api/v2/logs`, { method: 'POST', headers, body }));
}

function zstd(json: Buffer): Buffer {
  if (zstdCompressSync === undefined) throw new Error(`this Node ${process.version} has no zstd`);
  return zstdCompressSync(json);
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return reply(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return reply(await fetch(url, { headers }));
}
