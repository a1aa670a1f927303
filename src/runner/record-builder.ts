/**
 * From the child's bytes to log records: pure, synchronous and cheap per line.
 *
 * Per stream: UTF-8 decoding that survives a character split across chunks (invalid bytes become U+FFFD), lines
 * split on `\n` (a trailing `\r` of `\r\n` dropped), `\r` redraws collapsed to their final state, ANSI sequences
 * stripped, Python tracebacks grouped, JSON lines taken apart, the level detected. Records come out through
 * `onRecord` in the order their lines completed, numbered by `seq` across both streams.
 *
 * A line that keeps redrawing without `\n` (a progress bar) is recorded at most once every PROGRESS_INTERVAL_MS
 * (on `push` or `tick`), and its final state when it ends.
 */
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import { JsonSafeRecord, type Level, type LogRecordData, type StreamName } from '../core/log-record.js';
import { stripAnsi } from './ansi.js';
import { createEscapeScan } from './escape-scan.js';
import { createNextOccurrence } from './next-occurrence.js';
import { parseJsonLine, looksLikeJsonObject } from './json-line.js';
import { detectLevel } from './level-detect.js';
import { fitsOnePart, jsonBytes, MAX_ATTRIBUTES_BYTES, MAX_MESSAGE_BYTES, splitMessage } from './message-parts.js';
import { PLAIN_LINE_VERSION, plainLineRecord } from './plain-line.js';
import { isPythonWarningLine, isWarningSourceLine, WARNING_MARK } from './python-warning.js';
import { createTracebackGrouper, tracebackErrorAttributes, type TracebackGrouper } from './traceback.js';

export const PROGRESS_INTERVAL_MS = 10_000;
/** A line with no `\n` longer than this is recorded as it is and the rest starts a new line: memory stays bounded. */
export const MAX_PENDING_LINE_CHARS = 8 * 1024 * 1024;

/**
 * A JSON line whose own fields, beside its message, make a record past a part's size (Datadog cuts a log over 1 MB:
 * a 1.5 MB `body` field left the message empty), and too big to go on every part of it: the line goes as its text,
 * in parts. Measured only for a line that could be that big: written again, a parsed field takes at most 3 bytes per
 * UTF-16 unit of its text in the line (an escape such as `\u0000` comes back as long as it was).
 */
function fieldsTooBig(line: string, message: string, attributes: Record<string, unknown>): boolean {
  if (line.length * 3 <= MAX_MESSAGE_BYTES) return false;
  const fields = jsonBytes(attributes);
  return fields > MAX_ATTRIBUTES_BYTES && fields + jsonBytes(message) > MAX_MESSAGE_BYTES;
}

/**
 * A message this short goes as one record whatever attributes it has: a traceback's error attributes are at most
 * about its size again, and a JSON line's own fields past MAX_ATTRIBUTES_BYTES were measured (fieldsTooBig).
 */
const SMALL_WITH_ATTRIBUTES = 16 * 1024;

/** The smallest part a record's attributes leave room for: a part's budget less what they take over theirs. */
const MIN_PART_BYTES = 64 * 1024;

/** A part's size beside `attributes`: what they take past MAX_ATTRIBUTES_BYTES comes off it. */
function partBytes(attributes: Record<string, unknown> | undefined): number {
  if (attributes === undefined) return MAX_MESSAGE_BYTES;
  const over = jsonBytes(attributes) - MAX_ATTRIBUTES_BYTES;
  return over <= 0 ? MAX_MESSAGE_BYTES : Math.max(MIN_PART_BYTES, MAX_MESSAGE_BYTES - over);
}
export const PART_ATTRIBUTE = 'dd_logstore.part';
/** How long a Python warning's first line waits for its source line (they come in one write). */
export const WARNING_HOLD_MS = 1000;

const CR = 0x0d;

/** StringDecoder's bytes still awaited for a character begun in the last chunk (0: it holds nothing). Undocumented. */
interface DecoderHeld {
  readonly lastNeed?: number;
}
type Latin1Slice = { latin1Slice(start: number, end: number): string };
const HAS_LATIN1_SLICE = typeof (Buffer.prototype as Partial<Latin1Slice>).latin1Slice === 'function';
/** An ASCII chunk as a string: Buffer's per-encoding reader skips `toString`'s argument checks. */
function latin1Text(chunk: Buffer): string {
  return HAS_LATIN1_SLICE ? (chunk as Buffer & Latin1Slice).latin1Slice(0, chunk.length) : chunk.toString('latin1');
}

export interface RecordBuilderOptions {
  /** Level of a stderr line that does not say its own. */
  stderrLevel: Level;
  /** Epoch milliseconds; read once per chunk (the time the line was read). */
  now: () => number;
  onRecord: (record: LogRecordData) => void;
  /** First sequence number: a step run again under the same run id continues its stream's numbering. */
  firstSeq?: number;
  /**
   * Masks secrets in a record before anything else sees it: the whole message before it is split into parts (a
   * secret across a part boundary would otherwise go out in two halves), and every attribute of a JSON line.
   */
  mask?: RecordMask | undefined;
  /** Track `rawLines` on every push (the journal writes those lines' bytes as they came: docs/design.md). */
  rawLines?: boolean;
}

/**
 * Records of the last `push` that are exactly lines of its chunk as they came: each record's message is the end of
 * its line (all of it, or what follows a Python logging prefix), in order, one record per line, with the chunk's
 * read time, and no secret anywhere in the chunk. `bytes` are those lines, each with its `\n` (a view of the chunk).
 */
export interface RawLines {
  firstSeq: number;
  count: number;
  bytes: Buffer;
  /** The level of a line of their stream that does not say its own: with it, plain-line.ts gives each record back. */
  defaultLevel: Level;
  /** plain-line.ts's PLAIN_LINE_VERSION: the rules that made these records. */
  parser: number;
  /** The time they were all given (the push's read time): the journal checks the first and last, not each one. */
  timestamp: number;
}

export interface RecordMask {
  text(s: string): string;
  deep<T>(value: T): T;
  /**
   * Where a line too long to hold may be cut so that no secret straddles two pieces (masking is per piece): the
   * rest is carried into the next one. Without it the piece is all that is held.
   */
  cut?(s: string): number;
}

export interface RecordBuilder {
  push(stream: StreamName, chunk: Buffer): void;
  /** Call from a timer (every second or so): progress lines and idle tracebacks are recorded on time. */
  tick(): void;
  /** The streams ended: records whatever is still held (partial lines, tracebacks). Idempotent. */
  end(): void;
  /** Records emitted so far (parts count one each). */
  readonly count: number;
  /** With `rawLines`: the longest run of the last push's records that are its lines as they came (else undefined). */
  readonly rawLines: RawLines | undefined;
}

interface StreamState {
  readonly name: StreamName;
  readonly defaultLevel: Level;
  readonly decoder: StringDecoder;
  readonly traceback: TracebackGrouper;
  /** The current line so far, without its `\n`; for a redrawing line only its last states. */
  partial: string;
  /** The current line has seen a `\r`. */
  redrawing: boolean;
  /** When the redrawing line started or was last recorded. */
  progressMark: number | undefined;
  lastProgressState: string | undefined;
  /** A Python warning's first line, held to see whether its source line follows. */
  heldWarning: { message: string; time: number } | undefined;
  other: StreamState | undefined;
  /** A line too long to hold (over MAX_PENDING_LINE_CHARS without `\n`) goes out in pieces as it comes: its parts. */
  longLine: { parts: number; level: Level; time: number } | undefined;
}

export function createRecordBuilder(opts: RecordBuilderOptions): RecordBuilder {
  const { now, onRecord, mask } = opts;
  let seq = opts.firstSeq ?? 0;
  let ended = false;
  // rawLines: the chunk being pushed while its text is its bytes (ASCII, nothing held from before, no secret in it);
  // the seq of the last record that was its line's own end unchanged (`emit`'s `plain`); the run being extended
  // (char offsets in the chunk's text, first seq, count) and the longest so far.
  const trackRaw = opts.rawLines === true;
  let rawChunk: Buffer | undefined;
  let rawDefaultLevel: Level = 'info';
  let rawTime = 0;
  let plainSeq = -1;
  let runStart = 0;
  let runEnd = -1;
  let runSeq = 0;
  let runCount = 0;
  let best: RawLines | undefined;
  // The line being completed lies wholly in the pushed chunk and that chunk holds no secret (`rawChunk`): its
  // substrings, unchanged (`emit`'s `plain`), cannot hold one either, so they are not searched again line by line.
  let lineInCleanChunk = false;
  // The line being completed lies wholly in the pushed chunk, that chunk is ASCII text, and the line holds no byte
  // JSON escapes (so no `\r` and no ANSI escape either): `lineClean`, with its offsets [lineStart, lineEnd) in the
  // chunk. A plain record of it is a JsonSafeRecord: the serializer copies its message without its own check.
  const escapes = createEscapeScan();
  let lineClean = false;
  let lineStart = 0;
  let lineEnd = 0;
  // Python's warning lines hold `Warning: `: found once per chunk for its clean lines, not searched line by line.
  const warningMarks = createNextOccurrence(WARNING_MARK);
  const closeRun = (): void => {
    if (rawChunk !== undefined && runCount > 0 && (best === undefined || runCount > best.count))
      best = {
        firstSeq: runSeq,
        count: runCount,
        bytes: rawChunk.subarray(runStart, runEnd),
        defaultLevel: rawDefaultLevel,
        parser: PLAIN_LINE_VERSION,
        timestamp: rawTime,
      };
    runCount = 0;
    runEnd = -1;
  };
  /** After a complete line at [start, end) of the chunk's text (end past its `\n`) and the records it made. */
  const rawLineDone = (start: number, end: number, seqBefore: number): void => {
    if (seq !== seqBefore + 1 || plainSeq !== seqBefore) {
      closeRun();
      return;
    }
    if (runEnd !== start) {
      closeRun();
      runStart = start;
      runSeq = seqBefore;
    }
    runEnd = end;
    runCount++;
  };

  const emit = (
    st: StreamState,
    message: string,
    level: Level,
    timestamp: number,
    attributes: Record<string, unknown> | undefined,
    plain = false,
  ): void => {
    // A traceback (or a warning) on the other stream that already ended came first.
    st.other?.traceback.flushIfComplete();
    if (st.other?.heldWarning !== undefined) flushWarning(st.other);
    // `plain`: the message is the end of the line being completed, as it came.
    let jsonSafe = plain && lineClean;
    if (mask && !(plain && lineInCleanChunk)) {
      const masked = mask.text(message);
      if (masked !== message) {
        message = masked;
        jsonSafe = false;
      }
      if (attributes !== undefined) attributes = mask.deep(attributes);
    }
    // Nearly every message is far below the part size: no array of one part for it. One with attributes is measured
    // with them past a small size (a traceback's error.stack repeats it).
    if (fitsOnePart(message) && (attributes === undefined || message.length <= SMALL_WITH_ATTRIBUTES)) {
      // (No secret in its chunk, for rawLines.)
      if (plain) plainSeq = seq;
      onRecord(
        jsonSafe
          ? new JsonSafeRecord(timestamp, seq++, st.name, level, message, attributes)
          : { timestamp, seq: seq++, stream: st.name, level, message, attributes },
      );
      return;
    }
    // A long message: its parts are sized with the attributes that go on each (a traceback's error.stack).
    const parts = splitMessage(message, partBytes(attributes));
    if (parts.length === 1) {
      onRecord({ timestamp, seq: seq++, stream: st.name, level, message, attributes });
      return;
    }
    for (let i = 0; i < parts.length; i++) {
      const attrs = { ...attributes, [PART_ATTRIBUTE]: `${i + 1}/${parts.length}` };
      onRecord({ timestamp, seq: seq++, stream: st.name, level, message: parts[i] ?? '', attributes: attrs });
    }
  };

  const createStream = (name: StreamName, defaultLevel: Level): StreamState => {
    const st: StreamState = {
      name,
      defaultLevel,
      decoder: new StringDecoder('utf8'),
      traceback: createTracebackGrouper((message, timestamp) =>
        emit(st, message, 'error', timestamp, tracebackErrorAttributes(message)),
      ),
      partial: '',
      redrawing: false,
      progressMark: undefined,
      lastProgressState: undefined,
      heldWarning: undefined,
      other: undefined,
      longLine: undefined,
    };
    return st;
  };

  const stdout = createStream('stdout', 'info');
  const stderr = createStream('stderr', opts.stderrLevel);
  stdout.other = stderr;
  stderr.other = stdout;
  // stdout and stderr as one pipe (`run ... > out 2>&1`): which stream a line came from is not known, so a line that
  // does not say its level is info.
  const combined = createStream('combined', 'info');
  const streams = [stdout, stderr, combined];

  /** Records a held warning without a source line under it. */
  function flushWarning(st: StreamState): void {
    const held = st.heldWarning;
    if (held === undefined) return;
    st.heldWarning = undefined;
    emit(st, held.message, 'warn', held.time, undefined);
  }

  /**
   * A log line (not part of a traceback): JSON or text, level detected, blank lines skipped. A line that is not JSON
   * is plain-line.ts's `plainLineRecord`, the function the journal's reader uses too.
   */
  const emitLogLine = (
    st: StreamState,
    line: string,
    time: number,
    defaultLevel = st.defaultLevel,
    asItCame = false,
  ): void => {
    if (isBlank(line)) return;
    let jsonAsText = false;
    if (looksLikeJsonObject(line)) {
      const json = parseJsonLine(line);
      if (json && !(json.attributes !== undefined && fieldsTooBig(line, json.message, json.attributes))) {
        emit(st, json.message, json.level ?? defaultLevel, json.timestamp ?? time, json.attributes);
        return;
      }
      // Fields too big to go beside a message part: the line goes as its text, in parts, at its level.
      if (json) {
        defaultLevel = json.level ?? defaultLevel;
        jsonAsText = true;
      }
    }
    // Python logging's formats or a detected level: one function with the journal's reader, so both give the same.
    const plain = plainLineRecord(line, defaultLevel);
    // A JSON line sent as text is no plain line to the journal: its reader would give it the stream's level.
    emit(st, plain.message, plain.level, time, plain.attributes, asItCame && !jsonAsText);
  };

  /**
   * A piece of a line too long to hold. Its parts are numbered across the whole line, not per piece: `i/?` while the
   * line goes on, `n/n` on its last part, so that `dd_logstore.part` in seq order puts a 200 MB line back together.
   */
  const emitLongLinePiece = (st: StreamState, raw: string, time: number, last: boolean): void => {
    if (st.longLine === undefined) {
      st.traceback.flush();
      st.other?.traceback.flushIfComplete();
      st.longLine = { parts: 0, level: detectLevel(raw) ?? st.defaultLevel, time };
    }
    const line = st.longLine;
    const text = stripAnsi(raw);
    const pieces = splitMessage(mask ? mask.text(text) : text);
    for (let i = 0; i < pieces.length; i++) {
      line.parts++;
      const part = last && i === pieces.length - 1 ? `${line.parts}/${line.parts}` : `${line.parts}/?`;
      const message = pieces[i] ?? '';
      onRecord({
        timestamp: line.time,
        seq: seq++,
        stream: st.name,
        level: line.level,
        message,
        attributes: { [PART_ATTRIBUTE]: part },
      });
    }
    if (last) st.longLine = undefined;
  };

  const completeLine = (st: StreamState, raw: string, time: number): void => {
    if (st.longLine !== undefined) {
      const redrawn = st.redrawing;
      st.redrawing = false;
      st.progressMark = undefined;
      st.lastProgressState = undefined;
      // The end of the line, maybe empty (the line stopped right at a piece boundary): it closes the numbering.
      emitLongLinePiece(st, redrawn ? finalState(raw) : raw, time, true);
      return;
    }
    // A clean line has no `\r` and no escape sequence to strip.
    const clean = lineClean;
    const redrawn = st.redrawing || (!clean && raw.indexOf('\r') !== -1);
    let line = redrawn ? finalState(raw) : raw;
    if (!clean) line = stripAnsi(line);
    const asItCame = !redrawn && line === raw;
    if (st.redrawing) {
      st.redrawing = false;
      st.progressMark = undefined;
      st.lastProgressState = undefined;
    }
    if (st.heldWarning !== undefined) {
      if (isWarningSourceLine(line)) {
        const held = st.heldWarning;
        st.heldWarning = undefined;
        emit(st, `${held.message}\n${line}`, 'warn', held.time, undefined);
        return;
      }
      flushWarning(st);
    }
    if (st.traceback.offer(line, time)) return;
    if ((!clean || warningMarks.within(lineStart, lineEnd)) && isPythonWarningLine(line)) {
      st.heldWarning = { message: line, time };
      return;
    }
    // A progress bar (tqdm writes it to stderr) is not an error: redrawn lines are info unless they say otherwise.
    emitLogLine(st, line, time, redrawn ? 'info' : st.defaultLevel, asItCame);
  };

  const checkProgress = (st: StreamState, time: number): void => {
    if (!st.redrawing) return;
    if (st.progressMark === undefined) {
      st.progressMark = time;
      return;
    }
    if (time - st.progressMark < PROGRESS_INTERVAL_MS) return;
    st.progressMark = time;
    const state = stripAnsi(currentRedrawState(st.partial));
    if (state === st.lastProgressState) return;
    st.lastProgressState = state;
    st.traceback.flushIfComplete();
    emitLogLine(st, state, time, 'info');
  };

  const appendPartial = (st: StreamState, piece: string, time: number): void => {
    if (piece.indexOf('\r') === -1) {
      st.partial = st.partial.length === 0 ? piece : st.partial + piece;
      if (st.partial.length > MAX_PENDING_LINE_CHARS) {
        // A secret across the cut would go out in two halves, each unmasked: the cut is before it, the rest carried.
        const at = mask?.cut?.(st.partial) ?? st.partial.length;
        const line = at > 0 && at < st.partial.length ? st.partial.slice(0, at) : st.partial;
        st.partial = line === st.partial ? '' : st.partial.slice(at);
        emitLongLinePiece(st, line, time, false);
      }
      return;
    }
    st.redrawing = true;
    st.partial = compactRedraws(st.partial + piece);
  };

  const pushText = (st: StreamState, text: string, time: number): void => {
    if (text.length === 0) return;
    let nl = text.indexOf('\n');
    if (nl === -1) {
      appendPartial(st, text, time);
      checkProgress(st, time);
      return;
    }
    let line = text.slice(0, nl);
    // The first line's start came in an earlier chunk: not a line of this chunk's bytes.
    const whole = st.partial.length === 0;
    if (!whole) {
      line = st.partial + line;
      st.partial = '';
    }
    let seqBefore = seq;
    lineInCleanChunk = whole && rawChunk !== undefined;
    const scanned = escapes.scanning();
    if (scanned) warningMarks.begin(text);
    lineStart = 0;
    lineEnd = nl;
    lineClean = whole && scanned && escapes.clean(0, nl);
    completeLine(st, line, time);
    if (rawChunk !== undefined) {
      if (whole) rawLineDone(0, nl + 1, seqBefore);
      else closeRun();
    }
    lineInCleanChunk = rawChunk !== undefined;
    let start = nl + 1;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      seqBefore = seq;
      lineStart = start;
      lineEnd = nl;
      lineClean = scanned && escapes.clean(start, nl);
      completeLine(st, text.slice(start, nl), time);
      if (rawChunk !== undefined) rawLineDone(start, nl + 1, seqBefore);
      start = nl + 1;
    }
    lineInCleanChunk = false;
    lineClean = false;
    if (start < text.length) {
      appendPartial(st, text.slice(start), time);
      checkProgress(st, time);
    }
  };

  return {
    push(stream, chunk) {
      if (ended) return;
      const st = stream === 'stdout' ? stdout : stream === 'stderr' ? stderr : combined;
      // Its text is its bytes: nothing held from the previous chunk, all ASCII. Then the text is the bytes copied as
      // Latin-1, without UTF-8 decoding (the decoder holds nothing before or after).
      let text: string;
      let asciiText: boolean;
      if ((st.decoder as DecoderHeld).lastNeed === 0 && isAscii(chunk)) {
        text = latin1Text(chunk);
        asciiText = true;
      } else {
        text = st.decoder.write(chunk);
        asciiText = text.length === chunk.length && isAscii(chunk);
      }
      escapes.begin(asciiText ? chunk : undefined);
      if (!trackRaw) {
        pushText(st, text, now());
        escapes.begin(undefined);
        return;
      }
      best = undefined;
      // A secret anywhere in the chunk: none of it goes to the journal as it came (a line's prefix is not masked).
      rawChunk = asciiText && (mask === undefined || mask.text(text) === text) ? chunk : undefined;
      plainSeq = -1;
      rawDefaultLevel = st.defaultLevel;
      rawTime = now();
      pushText(st, text, rawTime);
      closeRun();
      rawChunk = undefined;
      escapes.begin(undefined);
    },
    tick() {
      best = undefined;
      if (ended) return;
      const time = now();
      for (const st of streams) {
        checkProgress(st, time);
        st.traceback.tick(time);
        // Python prints a warning and its source line in one write: a second later, nothing more is coming.
        if (st.heldWarning !== undefined && time - st.heldWarning.time >= WARNING_HOLD_MS) flushWarning(st);
      }
    },
    end() {
      best = undefined;
      if (ended) return;
      const time = now();
      for (const st of streams) {
        pushText(st, st.decoder.end(), time);
        if (st.partial.length > 0 || st.longLine !== undefined) {
          const line = st.partial;
          st.partial = '';
          completeLine(st, line, time);
        }
      }
      for (const st of streams) {
        flushWarning(st);
        st.traceback.flush();
      }
      ended = true;
    },
    get count() {
      return seq;
    },
    get rawLines() {
      return best;
    },
  };
}

/** The final state of a redrawn line: the text after the last `\r`, ignoring `\r`s at its very end. */
export function finalState(line: string): string {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === CR) end--;
  if (end === 0) return '';
  const i = line.lastIndexOf('\r', end - 1);
  return i === -1 && end === line.length ? line : line.slice(i + 1, end);
}

/** What a still-redrawing line shows now: its last complete state (the text after the last `\r` may be half written). */
function currentRedrawState(partial: string): string {
  if (partial.charCodeAt(partial.length - 1) === CR) return finalState(partial);
  const last = partial.lastIndexOf('\r');
  return finalState(partial.slice(0, last));
}

/** Drops redraws that can no longer matter: keeps from the `\r` before the last complete state. */
function compactRedraws(partial: string): string {
  let end = partial.length;
  while (end > 0 && partial.charCodeAt(end - 1) === CR) end--;
  if (end === 0) return partial;
  const last = partial.lastIndexOf('\r', end - 1);
  if (last <= 0) return partial;
  let prevEnd = last;
  while (prevEnd > 0 && partial.charCodeAt(prevEnd - 1) === CR) prevEnd--;
  const prev = prevEnd === 0 ? -1 : partial.lastIndexOf('\r', prevEnd - 1);
  return prev > 0 ? partial.slice(prev) : partial;
}

function isBlank(line: string): boolean {
  if (line.length === 0) return true;
  const first = line.charCodeAt(0);
  if (first > 0x20) return false;
  return line.trim().length === 0;
}
