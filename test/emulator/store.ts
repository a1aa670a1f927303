/**
 * The emulator's record store, kept compact: attribute keys are stored once per distinct key set (a shared "shape")
 * with the values in a plain array, and short repeated strings (service, host, tags, run ids...) are interned, so a
 * million records of one run share almost everything but their message, timestamp and sequence number.
 */
import type { QueryTarget } from './query.js';

/** A record as tests and the control API see it: attributes as flat dotted keys, the way the intake item sent them. */
export interface EmulatedRecord {
  id: string;
  /** Epoch ms. */
  timestamp: number;
  message: string;
  status: string;
  service: string;
  host: string;
  source: string;
  tags: string[];
  attributes: Record<string, unknown>;
  /** Epoch ms when the emulator received it (indexing delay counts from here). */
  receivedAt: number;
  route: 'intake' | 'otlp';
  /** True when the item was over 1 MB and its message was cut. */
  truncated: boolean;
}

/** What an intake route hands the store: attributes already flat; the store adds id, arrival time and route. */
export type NewRecord = Omit<EmulatedRecord, 'id' | 'receivedAt' | 'route' | 'tags'> & { tags: readonly string[] };

const MAX_INTERNED = 200_000;
const MAX_INTERNED_LENGTH = 256;

export class StoredLog implements QueryTarget {
  constructor(
    readonly seq: number,
    readonly timestamp: number,
    readonly receivedAt: number,
    readonly message: string,
    readonly status: string,
    readonly service: string,
    readonly host: string,
    readonly source: string,
    readonly tags: readonly string[],
    readonly keys: readonly string[],
    readonly values: readonly unknown[],
    readonly route: 'intake' | 'otlp',
    readonly truncated: boolean,
  ) {}

  get id(): string {
    return logId(this.seq);
  }

  attribute(path: string): unknown {
    const i = this.keys.indexOf(path);
    return i < 0 ? undefined : this.values[i];
  }

  flatAttributes(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < this.keys.length; i++) out[this.keys[i] as string] = this.values[i];
    return out;
  }

  toRecord(): EmulatedRecord {
    return {
      id: this.id,
      timestamp: this.timestamp,
      message: this.message,
      status: this.status,
      service: this.service,
      host: this.host,
      source: this.source,
      tags: [...this.tags],
      attributes: this.flatAttributes(),
      receivedAt: this.receivedAt,
      route: this.route,
      truncated: this.truncated,
    };
  }
}

/** Ids look like Datadog's (opaque, `AQAAA...`) and are stable: derived from the intake sequence number. */
export function logId(seq: number): string {
  return 'AQAAAE' + seq.toString(36).padStart(10, '0');
}

export class RecordStore {
  private logs: StoredLog[] = [];
  private readonly shapes = new Map<string, readonly string[]>();
  private readonly tagSets = new Map<string, readonly string[]>();
  private readonly strings = new Map<string, string>();
  /** Bumped on reset, so caches keyed on (generation, size) never see a stale store. */
  generation = 0;

  get size(): number {
    return this.logs.length;
  }

  at(i: number): StoredLog {
    return this.logs[i] as StoredLog;
  }

  all(): readonly StoredLog[] {
    return this.logs;
  }

  clear(): void {
    this.logs = [];
    this.shapes.clear();
    this.tagSets.clear();
    this.strings.clear();
    this.generation++;
  }

  add(rec: NewRecord, receivedAt: number, route: 'intake' | 'otlp'): StoredLog {
    const keys = Object.keys(rec.attributes);
    const shapeKey = keys.join('\u0000');
    let shape = this.shapes.get(shapeKey);
    if (shape === undefined) {
      shape = Object.freeze(keys);
      this.shapes.set(shapeKey, shape);
    }
    const values = new Array<unknown>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const v = rec.attributes[keys[i] as string];
      values[i] = typeof v === 'string' ? this.intern(v) : v;
    }
    const tagKey = rec.tags.join(',');
    let tags = this.tagSets.get(tagKey);
    if (tags === undefined) {
      tags = Object.freeze(rec.tags.map((t) => this.intern(t)));
      this.tagSets.set(tagKey, tags);
    }
    const log = new StoredLog(
      this.logs.length,
      rec.timestamp,
      receivedAt,
      rec.message,
      this.intern(rec.status),
      this.intern(rec.service),
      this.intern(rec.host),
      this.intern(rec.source),
      tags,
      shape,
      values,
      route,
      rec.truncated,
    );
    this.logs.push(log);
    return log;
  }

  private intern(s: string): string {
    if (s.length > MAX_INTERNED_LENGTH) return s;
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    if (this.strings.size < MAX_INTERNED) this.strings.set(s, s);
    return s;
  }
}
