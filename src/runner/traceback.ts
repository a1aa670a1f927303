/**
 * Groups a Python traceback into one record: from `Traceback (most recent call last):` through the exception line,
 * with chained tracebacks ("During handling of the above exception..." / "The above exception was the direct
 * cause...") and exception groups (`  + Exception Group Traceback ...`) kept in the same record. A group is bounded
 * (MAX_TRACEBACK_LINES / MAX_TRACEBACK_BYTES): past that the text so far is emitted and a new record continues it.
 *
 * After the exception line the grouper cannot know yet whether a chained traceback follows, so it holds the record
 * until the next line (or until `flushIfComplete` / `tick` / `flush`).
 */
import { isLowSurrogate } from './message-parts.js';

export const TRACEBACK_HEADER = 'Traceback (most recent call last):';
const GROUP_HEADER = 'Exception Group Traceback (most recent call last):';
const CHAIN_LINES = new Set([
  'During handling of the above exception, another exception occurred:',
  'The above exception was the direct cause of the following exception:',
]);
export const MAX_TRACEBACK_LINES = 1000;
export const MAX_TRACEBACK_BYTES = 256 * 1024;
/** A group with no new line for this long is emitted as it is (Python prints a traceback in one go). */
export const TRACEBACK_IDLE_FLUSH_MS = 2000;

type State =
  | 'idle'
  /** Inside frames: indented lines until the exception line. */
  | 'frames'
  /** After the exception line: a chained traceback or an exception continuation may follow. */
  | 'afterException'
  /** After a chain sentence: blank lines until the next `Traceback` header. */
  | 'chainGap';

export interface TracebackGrouper {
  /** True when `line` belongs to a traceback (it was taken); false when the caller should treat it as a log line. */
  offer(line: string, now: number): boolean;
  /** Emits the group if it is complete and only waits to see whether a chained traceback follows. */
  flushIfComplete(): void;
  /** Emits a group that has been idle for TRACEBACK_IDLE_FLUSH_MS. */
  tick(now: number): void;
  /** Emits whatever is held. */
  flush(): void;
}

export function createTracebackGrouper(emit: (message: string, timestamp: number) => void): TracebackGrouper {
  let state: State = 'idle';
  let lines: string[] = [];
  let bytes = 0;
  /** Blank lines after an exception line, kept only if a chain sentence follows. */
  let heldBlanks = 0;
  /** Exception groups are indented as a whole: their first unindented line is no longer part of them. */
  let indentedGroup = false;
  let lastAt = 0;

  const append = (line: string, now: number): void => {
    // Past the bounds, the text so far becomes a record and the group goes on in a new one.
    if (lines.length >= MAX_TRACEBACK_LINES || bytes + line.length > MAX_TRACEBACK_BYTES) emitHeld();
    lines.push(line);
    // UTF-16 length as the size: exact for ASCII, and a traceback over the bound is split either way.
    bytes += line.length + 1;
    lastAt = now;
  };

  const emitHeld = (): void => {
    if (lines.length === 0) return;
    const message = lines.join('\n');
    lines = [];
    bytes = 0;
    emit(message, lastAt);
  };

  const flush = (): void => {
    state = 'idle';
    heldBlanks = 0;
    emitHeld();
  };

  const start = (line: string, now: number, indented: boolean): void => {
    state = 'frames';
    indentedGroup = indented;
    append(line, now);
  };

  const offer = (line: string, now: number): boolean => {
    switch (state) {
      case 'idle':
        if (isHeader(line)) {
          start(line, now, false);
          return true;
        }
        if (isGroupHeader(line)) {
          start(line, now, true);
          return true;
        }
        return false;
      case 'frames':
        if (line.length === 0 || isIndented(line)) {
          append(line, now);
          return true;
        }
        if (indentedGroup) break;
        append(line, now);
        state = 'afterException';
        return true;
      case 'afterException':
        if (line.length === 0) {
          heldBlanks++;
          return true;
        }
        if (CHAIN_LINES.has(line)) {
          for (; heldBlanks > 0; heldBlanks--) append('', now);
          append(line, now);
          state = 'chainGap';
          return true;
        }
        // An exception message that goes on over indented lines.
        if (heldBlanks === 0 && isIndented(line)) {
          append(line, now);
          return true;
        }
        break;
      case 'chainGap':
        if (line.length === 0) {
          append(line, now);
          return true;
        }
        if (isHeader(line) || isGroupHeader(line)) {
          state = 'frames';
          indentedGroup = !isHeader(line);
          append(line, now);
          return true;
        }
        break;
    }
    // The line ends the group: emit it, then let the caller see whether the line starts a new one.
    flush();
    return offer(line, now);
  };

  return {
    offer,
    flushIfComplete() {
      if (state === 'afterException') flush();
    },
    tick(now) {
      if (state !== 'idle' && now - lastAt >= TRACEBACK_IDLE_FLUSH_MS) flush();
    },
    flush,
  };
}

function isHeader(line: string): boolean {
  return line.charCodeAt(0) === 0x54 /* T */ && line.startsWith(TRACEBACK_HEADER);
}

function isGroupHeader(line: string): boolean {
  return isIndented(line) && line.includes(GROUP_HEADER);
}

function isIndented(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === 0x20 || c === 0x09;
}

/** Datadog's standard error attributes: what the Logs and Error Tracking views read. */
export const ERROR_KIND = 'error.kind';
export const ERROR_MESSAGE = 'error.message';
export const ERROR_STACK = 'error.stack';

/** `ValueError: bad value`, `mod.CustomError: x`, `KeyboardInterrupt`. */
const EXCEPTION_LINE = /^([A-Za-z_][\w.]*)(?::(?: (.*))?)?$/s;
/** An exception group's own exception, printed inside its box: `  | ExceptionGroup: eg (2 sub-exceptions)`. */
const GROUP_EXCEPTION_LINE = /^\s*\| ([A-Za-z_][\w.]*)(?::(?: (.*))?)?$/s;

/**
 * `error.kind`, `error.message` and `error.stack` of a grouped traceback. The kind and message are the last
 * exception's (in a chain, the one that was raised last); an exception group's own line when it is boxed. A part of
 * a traceback cut at the bounds without its exception line gets `error.stack` only.
 */
export function tracebackErrorAttributes(traceback: string): Record<string, string> {
  const attrs: Record<string, string> = { [ERROR_STACK]: capStack(traceback) };
  const lines = traceback.split('\n');
  let found: RegExpExecArray | null = null;
  // From the last line back; the first too, for a part cut at the bounds that starts with its exception line.
  for (let i = lines.length - 1; i >= 0 && found === null; i--) {
    const line = lines[i]!;
    if (line.length > 0 && !isIndented(line)) found = EXCEPTION_LINE.exec(line);
  }
  for (let i = 1; i < lines.length && found === null; i++) found = GROUP_EXCEPTION_LINE.exec(lines[i]!);
  if (found !== null) {
    attrs[ERROR_KIND] = found[1]!;
    if (found[2]) attrs[ERROR_MESSAGE] = capMessage(found[2]);
  }
  return attrs;
}

/**
 * `error.stack` and `error.message` repeat the record's message, on every part of it: a traceback with an exception
 * line of 340,000 characters made a 1 MB record, which Datadog cuts. Past these sizes they keep their ends (where a
 * stack's first frames and its exception are) and say how much is left out; the whole text is the message.
 */
export const MAX_ERROR_STACK_CHARS = 32 * 1024;
export const MAX_ERROR_MESSAGE_CHARS = 4 * 1024;

function capStack(stack: string): string {
  if (stack.length <= MAX_ERROR_STACK_CHARS) return stack;
  const head = pairSafe(stack, MAX_ERROR_STACK_CHARS / 2);
  let tail = stack.length - MAX_ERROR_STACK_CHARS / 2;
  if (isLowSurrogate(stack.charCodeAt(tail))) tail++;
  const left = tail - head;
  return `${stack.slice(0, head)}\n... (${left} characters left out: the whole traceback is the log's message)\n${stack.slice(tail)}`;
}

function capMessage(message: string): string {
  if (message.length <= MAX_ERROR_MESSAGE_CHARS) return message;
  const head = pairSafe(message, MAX_ERROR_MESSAGE_CHARS);
  return `${message.slice(0, head)}... (${message.length - head} characters left out)`;
}

/** `end`, or one less where it would cut a surrogate pair in two. */
function pairSafe(text: string, end: number): number {
  return isLowSurrogate(text.charCodeAt(end)) ? end - 1 : end;
}
