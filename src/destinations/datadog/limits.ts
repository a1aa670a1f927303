/**
 * Datadog logs intake v2 limits (https://docs.datadoghq.com/api/latest/logs/#send-logs). Datadog writes "5MB" and
 * "1MB"; the decimal values are the safe reading (the Agent's own batch bound is 5,000,000 bytes).
 */
export const MAX_ENTRIES_PER_REQUEST = 1000;
/** Uncompressed size of one request body. */
export const MAX_PAYLOAD_BYTES = 5_000_000;
/** One log, past which Datadog truncates: the runner splits longer records into parts. */
export const MAX_LOG_BYTES = 1_000_000;
/** Datadog drops logs older than 18 h; a margin keeps a record from crossing the line while in flight. */
export const MAX_RECORD_AGE_MS = 18 * 3_600_000 - 10 * 60_000;
/** ...and logs more than 2 h in the future, with the same margin. */
export const MAX_RECORD_LEAD_MS = 2 * 3_600_000 - 10 * 60_000;
