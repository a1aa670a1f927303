/**
 * A record as `--output json/jsonl` prints it: `entryJson`'s object, the same keys in the same order for every store,
 * and `jsonlLine`, that object's `JSON.stringify` spelled by string concatenation. On a 100k-record read from Datadog
 * building the object (its attributes flattened into a second one) and stringifying it was a quarter of `logs`' CPU;
 * the line is the same bytes without either object (entry-json.test.ts checks it against the stringify).
 */
import { flatAttributes } from './log-entry.js';
import type { LogEntry } from './log-entry.js';
import { jsonString } from '../core/json-string.js';

/** The last timestamp spelled: records of one burst share their millisecond. */
let isoMs = NaN;
let isoText: string | null = null;

function isoTime(ms: number): string | null {
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  return isoText;
}

/** The stable object of `--output json/jsonl`: the same keys, in the same order, for every store. */
export function entryJson(e: LogEntry): Record<string, unknown> {
  return {
    id: e.id,
    timestamp: isoTime(e.timestamp),
    status: e.status,
    message: e.message,
    service: e.service ?? null,
    host: e.host ?? null,
    tags: e.tags ?? [],
    attributes: flatAttributes(e),
  };
}

/**
 * An attribute's place in the flattened object, made once per (parent, name) and kept: its `"dotted.key":` as
 * `JSON.stringify` writes it, and its last value with the member written for it (most attributes repeat from one
 * record to the next: the run, the stream, the host). `unsafe` names a key whose flattened spelling may not be
 * unique, in its place or an own property of `flattenAttributes`' object (a dot in a name; `""`, `__proto__` or a
 * name starting with a digit at the top): such a record is stringified as before.
 */
interface KeyNode {
  name: string;
  dotted: string;
  field: string;
  unsafe: boolean;
  children: Map<string, KeyNode>;
  /** The children as the last object held them, by position: records of a run share their attributes' order. */
  order: KeyNode[];
  lastValue: unknown;
  lastMember: string;
}

/** Names kept per parent: attribute names come from the logs read, so ever-new ones cannot grow this without end. */
const MAX_CHILDREN = 1000;

function keyNode(name: string, dotted: string, unsafe: boolean): KeyNode {
  const field = `${JSON.stringify(dotted)}:`;
  return { name, dotted, field, unsafe, children: new Map(), order: [], lastValue: undefined, lastMember: '' };
}

const ROOT = keyNode('', '', false);

function startsWithDigit(k: string): boolean {
  const c = k.charCodeAt(0);
  return c >= 0x30 && c <= 0x39;
}

function childOf(parent: KeyNode, k: string): KeyNode {
  let node = parent.children.get(k);
  if (node === undefined) {
    const top = parent === ROOT;
    // At the top, a key that may be an array index (`"2"`) is enumerated first by the flattened object whatever
    // came before it, so one whose value flattens into dotted keys would be out of place: left to stringify.
    const unsafe = k.includes('.') || (top && (k === '' || k === '__proto__' || startsWithDigit(k)));
    node = keyNode(k, top ? k : `${parent.dotted}.${k}`, unsafe);
    if (parent.children.size < MAX_CHILDREN) parent.children.set(k, node);
  }
  return node;
}

/**
 * A value `JSON.stringify` writes inside an object, or undefined for one it would leave out (or we do not spell: an
 * array or object, which the caller writes). Also the local store's own members (store-reader.ts `ownMembers`).
 */
export function jsonValue(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      // null here: arrays and objects are written by flatMembers.
      return v === null ? 'null' : undefined;
    default:
      return undefined;
  }
}

/**
 * The members of `flattenAttributes(obj)`, as `JSON.stringify` writes them without the braces ('' for none), in the
 * same order: flattening appends keys in `for...in` order, and a dotted key is never an array index, so that order
 * is the flattened object's own. Undefined when a key is unsafe or a value is not JSON.
 */
function flatMembers(obj: Record<string, unknown>, parent: KeyNode): string | undefined {
  let s = '';
  let i = 0;
  for (const k in obj) {
    const v = obj[k];
    let node = parent.order[i];
    if (node === undefined || node.name !== k) {
      node = childOf(parent, k);
      if (i < MAX_CHILDREN) parent.order[i] = node;
    }
    i++;
    if (node.unsafe) return undefined;
    let member: string | undefined;
    if (v === null || typeof v !== 'object') {
      if (v === node.lastValue && v !== undefined) member = node.lastMember;
      else {
        const value = jsonValue(v);
        if (value === undefined) return undefined;
        member = node.field + value;
        node.lastValue = v;
        node.lastMember = member;
      }
    } else if (Array.isArray(v)) member = node.field + JSON.stringify(v);
    else {
      member = flatMembers(v as Record<string, unknown>, node);
      if (member === undefined) return undefined;
      if (member === '') continue;
    }
    s = s === '' ? member : `${s},${member}`;
  }
  return s;
}

/** `"service":…,"host":…,"tags":[…],"attributes":` of the last record: a run's records mostly share them. */
let lastService: string | undefined;
let lastHost: string | undefined;
let lastTags: readonly string[] = [];
// Undefined until a first record made it: its service, host and tags may all be absent too.
let lastMiddle: string | undefined;

function sameTags(tags: readonly string[]): boolean {
  if (tags.length !== lastTags.length) return false;
  for (let i = 0; i < tags.length; i++) if (tags[i] !== lastTags[i]) return false;
  return true;
}

function middle(service: string | undefined, host: string | undefined, tags: readonly string[]): string | undefined {
  if (lastMiddle !== undefined && service === lastService && host === lastHost && sameTags(tags)) return lastMiddle;
  let t = '';
  for (const tag of tags) {
    if (typeof tag !== 'string') return undefined;
    t = t === '' ? jsonString(tag) : `${t},${jsonString(tag)}`;
  }
  const s = service === undefined ? 'null' : jsonString(service);
  const h = host === undefined ? 'null' : jsonString(host);
  lastService = service;
  lastHost = host;
  lastTags = tags.slice();
  lastMiddle = `,"service":${s},"host":${h},"tags":[${t}],"attributes":`;
  return lastMiddle;
}

/** `JSON.stringify(entryJson(e))`, built from its parts; a record of unusual types is stringified as it was. */
export function jsonlLine(e: LogEntry): string {
  // A scanned record carries its line (with its newline) instead of its attributes.
  if (e.lineBytes !== undefined) return e.lineBytes.toString('utf8', e.lineStart, (e.lineEnd ?? 1) - 1);
  const { id, status, message } = e;
  const service: unknown = e.service ?? undefined;
  const host: unknown = e.host ?? undefined;
  const tags: unknown = e.tags ?? [];
  if (
    typeof id !== 'string' ||
    typeof status !== 'string' ||
    typeof message !== 'string' ||
    (service !== undefined && typeof service !== 'string') ||
    (host !== undefined && typeof host !== 'string') ||
    !Array.isArray(tags)
  )
    return JSON.stringify(entryJson(e));
  const rest = middle(service, host, tags as readonly string[]);
  // Local records keep their attributes flat: that object is the one entryJson stringifies.
  const members = e.nested ? flatMembers(e.attributes, ROOT) : undefined;
  if (rest === undefined || (e.nested && members === undefined)) return JSON.stringify(entryJson(e));
  const time = isoTime(e.timestamp);
  // An ISO time (digits, `-`, `+`, `:`, `.`, `T`, `Z`) needs no escaping.
  return (
    `{"id":${jsonString(id)},"timestamp":${time === null ? 'null' : `"${time}"`},"status":${jsonString(status)}` +
    `,"message":${jsonString(message)}${rest}${e.nested ? `{${members}}` : (e.attributesJson?.() ?? JSON.stringify(e.attributes))}}`
  );
}
