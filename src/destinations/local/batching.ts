/**
 * How soon the local flavor writes what it read. Its file is read back while the run goes on (`logs tail`), and an
 * append costs next to nothing, so a batch waits at most this long: a printed line is on disk within ~0.1 s, where
 * an HTTP flavor waits schedule_delay_millis (5 s by default) to fill a request.
 */
export const LOCAL_SCHEDULE_DELAY_MS = 100;
