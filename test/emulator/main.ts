/**
 * `npm run emulator -- [--port N] [--api-key K] [--app-key K] [--indexing-delay-ms MS] [--count-only]`
 * Starts the Datadog emulator and prints how to point a log store at it. Ctrl-C stops it.
 */
import { parseArgs } from 'node:util';
import { createEmulator, DEFAULT_API_KEY, DEFAULT_APP_KEY } from './emulator.js';

const USAGE =
  'usage: npm run emulator -- [--port N] [--api-key K] [--app-key K] [--indexing-delay-ms MS] [--count-only]\n';

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '0' },
        'api-key': { type: 'string', multiple: true },
        'app-key': { type: 'string', multiple: true },
        'indexing-delay-ms': { type: 'string', default: '0' },
        'count-only': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = Number(values.port);
  const delay = Number(values['indexing-delay-ms']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be 0..65535\n${USAGE}`);
    return 2;
  }
  if (!Number.isFinite(delay) || delay < 0) {
    process.stderr.write(`--indexing-delay-ms must be >= 0\n${USAGE}`);
    return 2;
  }
  const apiKeys = values['api-key'] ?? [DEFAULT_API_KEY];
  const appKeys = values['app-key'] ?? [DEFAULT_APP_KEY];
  const emulator = await createEmulator({
    port,
    apiKeys,
    appKeys,
    indexingDelayMs: delay,
    countOnly: values['count-only'],
  });
  const out = process.stdout;
  out.write(`Datadog emulator listening on ${emulator.url}\n`);
  out.write(`  API key:         ${apiKeys.join(', ')}\n`);
  out.write(`  application key: ${appKeys.join(', ')}\n`);
  if (values['count-only'])
    out.write('  count-only mode: intake items are counted, not stored (search returns nothing)\n');
  out.write('\nPoint a log store at it:\n');
  out.write(
    `  dd-logstore log-store register emulator --flavor=datadog --api_key=${apiKeys[0]} ` +
      `--application_key=${appKeys[0]} --intake_url=${emulator.url} --api_url=${emulator.url}\n`,
  );
  out.write(`\nInspect: curl ${emulator.url}/_emulator/stats   (also /_emulator/records, /_emulator/requests)\n`);
  out.write('Ctrl-C to stop.\n');

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await emulator.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`emulator: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
