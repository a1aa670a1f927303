/**
 * Datadog logs intake v2 limits (https://docs.datadoghq.com/api/latest/logs/#send-logs). Datadog writes "5MB" and
 * "1MB"; the decimal values are the safe reading (the Agent's own batch bound is 5,000,000 bytes).
 */
export const MAX_ENTRIES_PER_REQUEST = 1000;
/** Uncompressed size of one request body. */
export const MAX_PAYLOAD_BYTES = 5_000_000;
/** One log, past which Datadog truncates: the runner splits longer records into parts. */
export const MAX_LOG_BYTES = 1_000_000;
