/**
 * ZenML interop, both ways, with the built CLI: what dd-logstore ships answers ZenML's own attribute names, and logs
 * that ZenML itself shipped (its exact intake item) are read back by `--run-id`, `--step`, `--log-id` and `--level`.
 * Also what real Datadog insists on: string time bounds, and every Datadog site.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMULATOR_KEYS, runCli, tempHome, useEmulatorLogStore } from './harness.js';
import type { CliResult } from './harness.js';

interface Line {
  status: string;
  message: string;
  attributes: Record<string, unknown>;
}

const lines = (r: CliResult): Line[] =>
  r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);

const ZENML_RUN = '6a0e4b1c-2d3f-4a5b-8c7d-9e0f1a2b3c4d';
const TRAIN_LOG = '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9';
const EVAL_LOG = '2c3d4e5f-6071-4829-93a4-b5c6d7e8f90a';

/**
 * One record as ZenML's Datadog exporter sends it (zenml-io/zenml, log_stores/datadog/datadog_log_exporter.py,
 * `_encode_log`): the OTel record's attributes (ZenML's log metadata from utils/logging_utils.py, the origin's
 * zenml.log.* ones, OTel's code.* ones) and resource attributes flat at the top, then service, version, timestamp in
 * ms, message, status (the severity text lower-cased: Python's WARNING is "warning") and source.
 */
function zenmlItem(step: 'trainer' | 'evaluator', logId: string, message: string, status: string, at: number) {
  return {
    'zenml.pipeline.run.id': ZENML_RUN,
    'zenml.pipeline.run.name': 'training_pipeline-2026_12_04-02_00_00_000000',
    'zenml.project.id': '0f0e0d0c-0b0a-4908-8706-050403020100',
    'zenml.project.name': 'default',
    'zenml.pipeline.id': '11111111-2222-4333-8444-555555555555',
    'zenml.pipeline.name': 'training_pipeline',
    'zenml.stack.id': '22222222-3333-4444-8555-666666666666',
    'zenml.stack.name': 'default',
    'zenml.user.id': '33333333-4444-4555-8666-777777777777',
    'zenml.user.name': 'default',
    'zenml.step.run.id': step === 'trainer' ? 'a1a1a1a1-0000-4000-8000-000000000001' : 'a1a1a1a1-0000-4000-8000-2',
    'zenml.step.run.name': step,
    'zenml.source': 'step',
    'zenml.log.id': logId,
    'zenml.log.source': 'step',
    'zenml.log_store.id': '44444444-5555-4666-8777-888888888888',
    'zenml.log_store.name': 'datadog',
    'code.file.path': '/app/steps/train.py',
    'code.function.name': step,
    'code.line.number': 42,
    'service.name': 'zenml',
    'service.version': '0.93.0',
    'telemetry.sdk.language': 'python',
    service: 'zenml',
    version: '0.93.0',
    timestamp: at,
    message,
    status,
    source: 'zenml',
  };
}

describe('ZenML interop and Datadog fidelity (built CLI, Datadog emulator)', () => {
  const { home, cleanup } = tempHome();
  const cli = (args: string[]) => runCli(args, { home, env: EMULATOR_KEYS, timeoutMs: 60_000 });

  const emulator = useEmulatorLogStore(home);
  afterAll(cleanup);

  it("a record shipped with --step train --pipeline p carries the seed's attributes and ZenML's code-level ones", async () => {
    emulator().reset();
    const runId = 'zenml-shape-1';
    const r = await cli([
      'run',
      '--log-store',
      'dd',
      '--run-id',
      runId,
      '--step',
      'train',
      '--pipeline',
      'p',
      '--',
      'node',
      '-e',
      'console.log("epoch 1 done")',
    ]);
    expect(r.code).toBe(0);
    const [rec] = emulator().records();
    expect(rec?.message).toBe('epoch 1 done');
    const logStoreId = (
      JSON.parse(readFileSync(join(home, 'runs', `${runId}.json`), 'utf8')) as {
        logStore: { id: string };
        steps: { logId: string }[];
      }
    ).logStore.id;
    expect(rec?.attributes).toMatchObject({
      // The seed's table.
      'zenml.log.id': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'zenml.log.source': 'step',
      'zenml.log_store.id': logStoreId,
      'zenml.log_store.name': 'dd',
      'zenml.run.id': runId,
      'zenml.step.name': 'train',
      // ZenML's own code-level names.
      'zenml.pipeline.run.id': runId,
      'zenml.step.run.name': 'train',
      'zenml.pipeline.name': 'p',
    });
    // So ZenML's own dashboard query finds it.
    const logId = String(rec?.attributes['zenml.log.id']);
    const zenmlQuery = await fetch(`${emulator().url}/api/v2/logs/events/search`, {
      method: 'POST',
      headers: {
        'dd-api-key': 'emulator-api-key',
        'dd-application-key': 'emulator-app-key',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        filter: { query: `service:"zenml" AND @zenml.log.id:${logId}`, from: 'now-1h', to: 'now+1h' },
        sort: 'timestamp',
        page: { limit: 1000 },
      }),
    });
    expect(((await zenmlQuery.json()) as { data: unknown[] }).data).toHaveLength(1);

    // Reading it back sends string time bounds, as the Logs Search API types them.
    const before = emulator().requests().length;
    const back = await cli(['logs', '--run-id', runId, '--output', 'jsonl']);
    expect(back.code).toBe(0);
    expect(lines(back).map((l) => l.message)).toEqual(['epoch 1 done']);
    const searches = emulator()
      .requests()
      .slice(before)
      .filter((q) => q.route === 'search');
    expect(searches.length).toBeGreaterThan(0);
    for (const s of searches) {
      expect(typeof s.search?.from).toBe('string');
      expect(typeof s.search?.to).toBe('string');
      expect(String(s.search?.from)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Date.parse(String(s.search?.from))).toBeLessThan(Date.parse(String(s.search?.to)));
    }
  });

  describe('a batch ZenML itself shipped', () => {
    beforeAll(async () => {
      emulator().reset();
      const t = Date.now() - 60_000;
      const batch = [
        zenmlItem('trainer', TRAIN_LOG, 'loading data', 'info', t),
        zenmlItem('trainer', TRAIN_LOG, 'GPU memory is low', 'warning', t + 1),
        zenmlItem('trainer', TRAIN_LOG, 'epoch 1 failed', 'error', t + 2),
        zenmlItem('evaluator', EVAL_LOG, 'evaluating', 'info', t + 3),
        zenmlItem('evaluator', EVAL_LOG, 'accuracy below target', 'warning', t + 4),
      ];
      // ZenML posts the JSON array to the logs intake v2 with DD-API-KEY (its OTLPLogExporter base class).
      const res = await fetch(`${emulator().url}/api/v2/logs`, {
        method: 'POST',
        headers: { 'DD-API-KEY': 'emulator-api-key', 'Content-Type': 'application/json' },
        body: JSON.stringify(batch),
      });
      expect(res.status).toBe(202);
    });

    const read = async (...args: string[]): Promise<string[]> => {
      const r = await cli(['logs', '--log-store', 'dd', ...args, '--output', 'jsonl']);
      expect(r.stderr).not.toMatch(/error:/);
      expect(r.code).toBe(0);
      return lines(r).map((l) => l.message);
    };

    it('--run-id finds it by zenml.pipeline.run.id (it has no zenml.run.id), with no run record here', async () => {
      const r = await cli(['logs', '--log-store', 'dd', '--run-id', ZENML_RUN, '--output', 'jsonl']);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`no run record for '${ZENML_RUN}' here`);
      const got = lines(r);
      expect(got.map((l) => l.message)).toEqual([
        'loading data',
        'GPU memory is low',
        'epoch 1 failed',
        'evaluating',
        'accuracy below target',
      ]);
      expect(got[1]).toMatchObject({ status: 'warn', attributes: { 'zenml.step.run.name': 'trainer' } });
    });

    it('--step matches zenml.step.run.name', async () => {
      expect(await read('--run-id', ZENML_RUN, '--step', 'evaluator')).toEqual(['evaluating', 'accuracy below target']);
    });

    it('--log-id reads one stream by zenml.log.id, as ZenML does', async () => {
      expect(await read('--log-id', TRAIN_LOG)).toEqual(['loading data', 'GPU memory is low', 'epoch 1 failed']);
      const last = emulator()
        .requests()
        .filter((q) => q.route === 'search')
        .pop();
      expect(String(last?.search?.query)).toBe(`service:"zenml" @zenml.log.id:"${TRAIN_LOG}"`);
    });

    it("--level warn finds ZenML's warning status (and what is above it)", async () => {
      expect(await read('--run-id', ZENML_RUN, '--level', 'warn')).toEqual([
        'GPU memory is low',
        'epoch 1 failed',
        'accuracy below target',
      ]);
      expect(await read('--log-id', EVAL_LOG, '--level', 'warning')).toEqual(['accuracy below target']);
      expect(await read('--run-id', ZENML_RUN, '--step', 'trainer', '--level', 'error')).toEqual(['epoch 1 failed']);
    });

    it('the text output names the step ZenML gave', async () => {
      const r = await cli(['logs', '--log-store', 'dd', '--log-id', EVAL_LOG]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/WARN\s+evaluator accuracy below target/);
    });
  });

  it('--log-id with --run-id or --last is a usage error', async () => {
    for (const extra of [['--run-id', 'x'], ['--last']]) {
      const r = await cli(['logs', '--log-id', TRAIN_LOG, ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: --log-id and --(run-id|last) cannot be used together/);
    }
  });
});

describe('--log-id on the local store (built CLI)', () => {
  const { home, cleanup } = tempHome();
  afterAll(cleanup);

  it('reads one step of a run by its log id, from the run record', async () => {
    for (const step of ['prep', 'train']) {
      const r = await runCli(
        ['run', '--run-id', 'local-1', '--step', step, '--', 'node', '-e', `console.log("${step} says hi")`],
        { home },
      );
      expect(r.code).toBe(0);
    }
    const run = JSON.parse(readFileSync(join(home, 'runs', 'local-1.json'), 'utf8')) as {
      steps: { name: string; logId: string }[];
    };
    const train = run.steps.find((s) => s.name === 'train');
    const r = await runCli(['logs', '--log-id', train?.logId ?? '', '--output', 'jsonl'], { home });
    expect(r.code).toBe(0);
    expect(lines(r).map((l) => [l.message, l.attributes['zenml.step.run.name']])).toEqual([['train says hi', 'train']]);
    const unknown = await runCli(['logs', '--log-id', '9f9f9f9f-0000-4000-8000-000000000000'], { home });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: no run here has a step with log id '9f9f9f9f-/);
  });
});

describe('--site takes all eight Datadog sites (built CLI)', () => {
  const { home, cleanup } = tempHome();
  afterAll(cleanup);
  const register = (name: string, site: string) =>
    runCli(
      [
        'log-store',
        'register',
        name,
        '--flavor=datadog',
        '--api_key={{dd.api_key}}',
        '--application_key={{dd.app_key}}',
        `--site=${site}`,
      ],
      { home },
    );

  it.each([
    ['US1', 'datadoghq.com'],
    ['US3', 'us3.datadoghq.com'],
    ['US5', 'us5.datadoghq.com'],
    ['EU1', 'datadoghq.eu'],
    ['AP1', 'ap1.datadoghq.com'],
    ['AP2', 'ap2.datadoghq.com'],
    ['UK1', 'uk1.datadoghq.com'],
    ['US1-FED', 'ddog-gov.com'],
  ])('%s: %s', async (region, site) => {
    const r = await register(`dd-${region.toLowerCase()}`, site);
    expect(r.stderr).not.toMatch(/error|not a Datadog site/);
    expect(r.code).toBe(0);
    const d = await runCli(['log-store', 'describe', `dd-${region.toLowerCase()}`, '--output', 'json'], { home });
    expect(JSON.parse(d.stdout)).toMatchObject({ config: { site } });
  });

  it('takes an unknown region of the same shape with a warning and a did-you-mean', async () => {
    const r = await register('dd-new', 'eu2.datadoghq.eu');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /--site=eu2\.datadoghq\.eu is not a Datadog site dd-logstore knows.*did you mean --site=datadoghq\.eu\?/,
    );
    // Said at register, not again at every use (a command that prints nothing sends nothing).
    const run = await runCli(['run', '--log-store', 'dd-new', '--', 'true'], { home, env: EMULATOR_KEYS });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/not a Datadog site/);
  });

  it('refuses a URL with a did-you-mean for its site', async () => {
    const r = await register('dd-url', 'https://datadoghq.eu');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --site 'https:\/\/datadoghq\.eu' is not a Datadog site \(did you mean --site=datadoghq\.eu\?/,
    );
  });
});
