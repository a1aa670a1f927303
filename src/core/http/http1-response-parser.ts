/**
 * An HTTP/1.1 answer read from a socket's chunks as they arrive, for the lean transport (./lean-http-transport.ts):
 * the status line, the headers (names lower-cased), then the body framed by `content-length`, `transfer-encoding:
 * chunked` or the connection's close. Informational answers (100 Continue, 103 Early Hints) are skipped. A head or a
 * chunk line split across reads is put together first. Only what the intake's answer needs: no trailers kept, no
 * upgrade, no pipelining (bytes after the answer make the socket unfit to reuse).
 */

/** Node's own limit on an answer's head (`--max-http-header-size`, 16 KB). */
export const MAX_HEAD_BYTES = 16 * 1024;

/**
 * Headers whose duplicates Node's IncomingMessage drops (the first one wins); any other duplicate is joined with
 * ", " as `flattenHeaders` joins Node's arrays.
 */
const FIRST_WINS = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

export interface ParsedAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body's first `keepBytes` bytes (all of it when that is Infinity). */
  body: Buffer;
  /** Whether the socket may carry another request: framed by its length, no `connection: close`, nothing extra. */
  reusable: boolean;
}

const enum State {
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

const CRLF = Buffer.from('\r\n');
/** A chunk-size or trailer line longer than this is a malformed answer (whether it came in one read or several). */
const MAX_LINE_BYTES = 4096;
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

/** Thrown for an answer that is not HTTP/1.x as we read it; the transport makes it a network error. */
export class MalformedAnswerError extends Error {
  override readonly name = 'MalformedAnswerError';
  readonly code = 'HPE_INVALID';
}

export class Http1ResponseParser {
  private state = State.Head;
  /** A head or chunk line not yet whole. */
  private pending: Buffer = EMPTY;
  private status = 0;
  private headers: Record<string, string> = {};
  private remaining = 0;
  private readonly kept: Buffer[] = [];
  private keptLength = 0;
  private keepAlive = true;
  private extra = false;
  /** Any byte of the answer seen: a request on a reused socket is sent again only when none was. */
  started = false;

  private keepBytes = 0;

  /** `keep`: how many of the body's bytes to keep, told once the answer's headers are read. */
  constructor(private readonly keep: (headers: Record<string, string>) => number) {}

  /** Reads one chunk; returns the answer once it is whole (bytes after it mark the socket unfit to reuse). */
  feed(chunk: Buffer): ParsedAnswer | undefined {
    if (chunk.length > 0) this.started = true;
    let at = 0;
    while (at < chunk.length || this.state === State.Done) {
      switch (this.state) {
        case State.Head:
          at = this.readHead(chunk, at);
          break;
        case State.Fixed: {
          const n = Math.min(this.remaining, chunk.length - at);
          this.keepPart(chunk, at, at + n);
          at += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.Done;
          break;
        }
        case State.ChunkSize:
        case State.Trailers:
        case State.ChunkDataEnd:
          at = this.readLine(chunk, at);
          break;
        case State.ChunkData: {
          const n = Math.min(this.remaining, chunk.length - at);
          this.keepPart(chunk, at, at + n);
          at += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.ChunkDataEnd;
          break;
        }
        case State.UntilClose:
          this.keepPart(chunk, at, chunk.length);
          at = chunk.length;
          break;
        case State.Done:
          if (at < chunk.length) this.extra = true;
          return this.answer();
      }
    }
    return undefined;
  }

  /** The connection ended: the answer if it was read up to its close, else undefined (cut off). */
  end(): ParsedAnswer | undefined {
    if (this.state !== State.UntilClose) return undefined;
    this.keepAlive = false;
    this.state = State.Done;
    return this.answer();
  }

  private answer(): ParsedAnswer {
    const body = this.kept.length === 1 ? (this.kept[0] as Buffer) : Buffer.concat(this.kept, this.keptLength);
    return { status: this.status, headers: this.headers, body, reusable: this.keepAlive && !this.extra };
  }

  private keepPart(chunk: Buffer, from: number, to: number): void {
    const room = this.keepBytes - this.keptLength;
    if (room <= 0 || to <= from) return;
    const part = chunk.subarray(from, Math.min(to, from + room));
    // A view: each socket read is a fresh buffer of its own, never used again by Node.
    this.kept.push(part);
    this.keptLength += part.length;
  }

  /** Collects a head up to its blank line, then reads it; returns where the body starts in `chunk`. */
  private readHead(chunk: Buffer, at: number): number {
    // A head cut across reads is searched again whole (heads are small), so a blank line cut in two is found.
    const found = this.upTo(chunk, at, HEAD_END, MAX_HEAD_BYTES, "the answer's head is too large");
    if (found === undefined) return chunk.length;
    this.parseHead(found.buf.toString('latin1', found.base, found.end));
    return found.next;
  }

  /**
   * `pending` and `chunk` from `at`, up to `delimiter`: where what comes before it lies ([base, end) of `buf`) and
   * where in `chunk` what follows it starts. Undefined while the delimiter has not come (what came is kept pending);
   * more than `maxBytes` before it is a malformed answer.
   */
  private upTo(
    chunk: Buffer,
    at: number,
    delimiter: Buffer,
    maxBytes: number,
    tooLarge: string,
  ): { buf: Buffer; base: number; end: number; next: number } | undefined {
    const held = this.pending.length;
    const buf = held === 0 ? chunk : Buffer.concat([this.pending, chunk.subarray(at)]);
    const base = held === 0 ? at : 0;
    const end = buf.indexOf(delimiter, base);
    if (end === -1) {
      if (buf.length - base > maxBytes) throw new MalformedAnswerError(tooLarge);
      this.pending = Buffer.from(buf.subarray(base));
      return undefined;
    }
    if (end - base > maxBytes) throw new MalformedAnswerError(tooLarge);
    this.pending = EMPTY;
    const consumed = end + delimiter.length;
    return { buf, base, end, next: held === 0 ? consumed : at + (consumed - held) };
  }

  private parseHead(text: string): void {
    const lines = text.split('\r\n');
    const statusLine = lines[0] ?? '';
    const m = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(statusLine);
    if (m === null) throw new MalformedAnswerError('the answer is not HTTP/1.x');
    const status = Number(m[2]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0 || line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9)
        throw new MalformedAnswerError('the answer has a malformed header line');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      const had = headers[name];
      if (had === undefined) headers[name] = value;
      else if (!FIRST_WINS.has(name)) headers[name] = `${had}, ${value}`;
    }
    // 1xx (100 Continue, 103 Early Hints): not the answer; the real one follows. 101 would switch protocols.
    if (status >= 100 && status < 200) {
      if (status === 101) throw new MalformedAnswerError('the server switched protocols');
      return;
    }
    this.status = status;
    this.headers = headers;
    this.keepBytes = this.keep(headers);
    const connection = headers.connection?.toLowerCase();
    if (connection !== undefined && /(^|,)\s*close\s*(,|$)/.test(connection)) this.keepAlive = false;
    if (m[1] === '0' && !(connection !== undefined && /(^|,)\s*keep-alive\s*(,|$)/.test(connection)))
      this.keepAlive = false;
    const te = headers['transfer-encoding']?.toLowerCase();
    if (status === 204 || status === 304) {
      this.state = State.Done;
    } else if (te !== undefined && /(^|,)\s*chunked\s*$/.test(te)) {
      this.state = State.ChunkSize;
    } else if (te !== undefined) {
      // A coding not ending in chunked: the body runs to the close.
      this.state = State.UntilClose;
    } else if (headers['content-length'] !== undefined) {
      const cl = headers['content-length'];
      if (!/^\d{1,15}$/.test(cl)) throw new MalformedAnswerError('the answer has an invalid content-length');
      this.remaining = Number(cl);
      this.state = this.remaining === 0 ? State.Done : State.Fixed;
    } else {
      this.state = State.UntilClose;
    }
    if (this.state === State.UntilClose) this.keepAlive = false;
  }

  /** A chunk-size line, the CRLF after a chunk's data, or a trailer line; returns where the next part starts. */
  private readLine(chunk: Buffer, at: number): number {
    const found = this.upTo(chunk, at, CRLF, MAX_LINE_BYTES, 'the answer has a malformed chunk line');
    if (found === undefined) return chunk.length;
    const { next } = found;
    const line = found.buf.toString('latin1', found.base, found.end);
    if (this.state === State.ChunkDataEnd) {
      if (line !== '') throw new MalformedAnswerError('the answer has a malformed chunk');
      this.state = State.ChunkSize;
    } else if (this.state === State.ChunkSize) {
      const m = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(line);
      if (m === null) throw new MalformedAnswerError('the answer has a malformed chunk size');
      this.remaining = parseInt(m[1] as string, 16);
      this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
    } else if (line === '') {
      // The blank line after the last chunk (and any trailers, not kept).
      this.state = State.Done;
    }
    return next;
  }
}
