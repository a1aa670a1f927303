/**
 * What `run` says while it waits for delivery after the child exited (the intake is down or slow): without it the
 * wait is up to --flush-timeout of silence. Once, on stderr: how many records wait, for how long at most, and that
 * Ctrl-C stops waiting without losing them (they are spooled). On a terminal the same line is a live count, erased
 * when the wait ends (the summary line then says what happened). Said only when the wait is one: see FLUSH_STALL_MS.
 */
import type { IOStreams } from '../io/iostreams.js';

/** A flush that ends sooner than this says nothing: the usual case, a working intake. */
export const FLUSH_NOTICE_DELAY_MS = 1000;
/**
 * A working intake that is busy with a big backlog is not talked over: the notice comes once delivery has had a
 * problem, or has delivered nothing for this long. (A failing request is retried inside the exporter and only known
 * as a problem when it gives up, so the stall is what tells of an intake that is down.)
 */
export const FLUSH_STALL_MS = 1000;
const CHECK_INTERVAL_MS = 250;

export interface FlushWaitNoticeOptions {
  io: IOStreams;
  /** --flush-timeout. */
  timeoutMs: number;
  /** Records read and not yet delivered, spooled, dropped or lost. */
  waiting: () => number;
  /** Records delivered so far: progress. */
  delivered: () => number;
  /** The first delivery problem so far, if any: why they wait. */
  problem: () => string | undefined;
  quiet: boolean;
  now?: () => number;
  delayMs?: number;
}

export interface FlushWaitNotice {
  /** The wait is over: stop counting, erase the live line. Idempotent. */
  stop(): void;
}

export function startFlushWaitNotice(opts: FlushWaitNoticeOptions): FlushWaitNotice {
  if (opts.quiet) return { stop: () => {} };
  const now = opts.now ?? Date.now;
  const started = now();
  const live = opts.io.stderrIsTTY;
  let interval: NodeJS.Timeout | undefined;
  let drawn = false;
  let said = false;
  let lastDelivered = opts.delivered();
  let lastProgress = started;

  const secondsLeft = (): number => Math.max(0, Math.ceil((opts.timeoutMs - (now() - started)) / 1000));
  const draw = (): void => {
    const n = opts.waiting();
    if (n <= 0) return;
    // `\r` + erase line: the count redraws in place, so it must not wrap.
    const line = `dd-logstore: ${records(n)} waiting for delivery, ${secondsLeft()} s left; ${CTRL_C}`;
    const width = opts.io.terminalColumns;
    opts.io.err(`\r\x1b[K${width !== undefined && line.length >= width ? line.slice(0, width - 1) : line}`);
    drawn = true;
  };

  const check = (): void => {
    const t = now();
    const delivered = opts.delivered();
    if (delivered !== lastDelivered) {
      lastDelivered = delivered;
      lastProgress = t;
    }
    if (live && said) {
      draw();
      return;
    }
    if (said || t - started < (opts.delayMs ?? FLUSH_NOTICE_DELAY_MS)) return;
    const n = opts.waiting();
    const problem = opts.problem();
    if (n <= 0 || (problem === undefined && t - lastProgress < FLUSH_STALL_MS)) return;
    // The wait already over (a --flush-timeout as short as the delay): "up to 0 s" says nothing the summary does not.
    if (secondsLeft() === 0) return;
    said = true;
    if (live) {
      draw();
      return;
    }
    opts.io.err(
      `dd-logstore: waiting up to ${secondsLeft()} s (--flush-timeout) to deliver ${records(n)}` +
        `${problem ? ` (${problem})` : ''}; ${CTRL_C}\n`,
    );
    if (interval !== undefined) clearInterval(interval);
    interval = undefined;
  };
  interval = setInterval(check, CHECK_INTERVAL_MS);
  interval.unref();

  return {
    stop() {
      if (interval !== undefined) clearInterval(interval);
      interval = undefined;
      if (drawn) opts.io.err('\r\x1b[K');
      drawn = false;
    },
  };
}

const CTRL_C = 'Ctrl-C stops waiting and spools them, nothing is lost (dd-logstore flush resends them)';

function records(n: number): string {
  return `${n} record${n === 1 ? '' : 's'}`;
}
