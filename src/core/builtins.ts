/**
 * Node's built-in modules that only some commands need, loaded on first use: node:zlib, node:net, node:tls,
 * node:http(s), node:tty, node:v8 and node:crypto each cost start-up (TLS and crypto most: ~60 ms of a `run -- true` on
 * Node 24; zlib ~13M instructions on Node 20, docs/performance.md) that a run sending nothing must not pay.
 */
import { createRequire } from 'node:module';
import type * as Crypto from 'node:crypto';
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type * as Net from 'node:net';
import type * as Tls from 'node:tls';
import type * as Tty from 'node:tty';
import type * as V8 from 'node:v8';
import type * as Zlib from 'node:zlib';

interface Builtins {
  'node:crypto': typeof Crypto;
  'node:http': typeof Http;
  'node:https': typeof Https;
  'node:net': typeof Net;
  'node:tls': typeof Tls;
  'node:tty': typeof Tty;
  'node:v8': typeof V8;
  'node:zlib': typeof Zlib;
}

let required: NodeJS.Require | undefined;
const loaded: Partial<Builtins> = {};

/** The built-in module `id`, loaded on the first call. */
export function builtin<K extends keyof Builtins>(id: K): Builtins[K] {
  return (loaded[id] ??= (required ??= createRequire(import.meta.url))(id) as Builtins[K]);
}
