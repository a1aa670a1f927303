/**
 * How soon the local flavor's exporter writes what it was given. `run` does not batch for the local flavor: it writes
 * each chunk's records before showing it, through the destination's record writer. The exporter (other callers)
 * waits at most this long: an append costs next to nothing, where an HTTP flavor waits schedule_delay_millis (5 s by
 * default) to fill a request.
 */
export const LOCAL_SCHEDULE_DELAY_MS = 100;
