/**
 * The stock OpenTelemetry pipeline, as a straight port of ZenML's Datadog log store would build it (the benchmark's
 * baseline, not product code):
 *   child with piped stdout/stderr -> passed through to ours -> `readline` per line -> `logger.emit()` ->
 *   stock `BatchLogRecordProcessor` (max_export_batch_size 500, max_queue_size 100000, schedule_delay_millis 5000,
 *   export_timeout_millis 15000) -> an exporter that builds the same intake items and POSTs them as JSON with undici.
 *
 *   node bench/otel-baseline.mjs -- COMMAND [ARGS...]
 *   env: BENCH_INTAKE_URL (…/api/v2/logs), BENCH_API_KEY, BENCH_STATS_FILE (JSON {read, exported, failedBatches})
 *
 * Like the stock processor, it drops records silently once its queue is full; the benchmark finds them missing.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { Agent, request } from 'undici';

const sep = process.argv.indexOf('--');
const [command, ...args] = process.argv.slice(sep + 1);
const url = process.env.BENCH_INTAKE_URL;
const apiKey = process.env.BENCH_API_KEY ?? '';

const runId = randomUUID();
const attributes = {
  'zenml.log.id': randomUUID(),
  'zenml.log.source': 'run',
  'zenml.log_store.id': randomUUID(),
  'zenml.log_store.name': 'otel-baseline',
  'zenml.run.id': runId,
};
const host = hostname();
const agent = new Agent({ connections: 4, keepAliveTimeout: 30_000 });
let exported = 0;
let failedBatches = 0;

/** ZenML's exporter: one intake item per record, the batch as a JSON array, one POST per batch. */
class DatadogIntakeExporter {
  export(logs, resultCallback) {
    const items = logs.map((r) => ({
      message: String(r.body),
      status: r.severityText,
      timestamp: r.hrTime[0] * 1000 + Math.floor(r.hrTime[1] / 1e6),
      service: 'zenml',
      hostname: host,
      ddsource: 'dd-logstore',
      ddtags: '',
      version: '0.1.0',
      ...r.attributes,
    }));
    request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', 'dd-api-key': apiKey },
      body: JSON.stringify(items),
    })
      .then(async (res) => {
        await res.body.text();
        if (res.statusCode === 202) exported += items.length;
        else failedBatches++;
        resultCallback({ code: res.statusCode === 202 ? 0 : 1 });
      })
      .catch((error) => {
        failedBatches++;
        resultCallback({ code: 1, error });
      });
  }
  shutdown() {
    return agent.close();
  }
  forceFlush() {
    return Promise.resolve();
  }
}

// sdk-logs 0.223 takes one options object (the exporter inside it).
const processor = new BatchLogRecordProcessor({
  exporter: new DatadogIntakeExporter(),
  maxExportBatchSize: 500,
  maxQueueSize: 100_000,
  scheduledDelayMillis: 5000,
  exportTimeoutMillis: 15_000,
});
const provider = new LoggerProvider({ processors: [processor] });
const logger = provider.getLogger('zenml');

const child = spawn(command, args, {
  stdio: ['inherit', 'pipe', 'pipe'],
  env: { PYTHONUNBUFFERED: '1', ...process.env, ZENML_RUN_ID: runId },
});
let read = 0;
const ends = [];
for (const [stream, out, severityText, severityNumber] of [
  [child.stdout, process.stdout, 'info', SeverityNumber.INFO],
  [child.stderr, process.stderr, 'error', SeverityNumber.ERROR],
]) {
  stream.on('data', (chunk) => out.write(chunk));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    read++;
    logger.emit({ body: line, severityText, severityNumber, attributes });
  });
  ends.push(new Promise((resolve) => lines.once('close', resolve)));
}
const code = await new Promise((resolve) => child.once('exit', (c, s) => resolve(s ? 128 : (c ?? 0))));
await Promise.all(ends);
await provider.forceFlush();
await provider.shutdown();
if (process.env.BENCH_STATS_FILE)
  writeFileSync(process.env.BENCH_STATS_FILE, JSON.stringify({ read, exported, failedBatches }));
process.exitCode = code;
