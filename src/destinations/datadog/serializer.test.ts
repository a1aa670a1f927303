import { describe, it, expect } from '@jest/globals';
import { testContext, testRecord } from '../../../test/helpers/test-records.js';
import { createIntakeSerializer } from './serializer.js';

type IntakeLike = Record<string, unknown> & { timestamp: unknown };

describe('intake serializer', () => {
  it('renders every field and attribute of the spec as flat dotted keys', () => {
    const ctx = testContext({ logUri: 'file:///tmp/logs/run/log.jsonl' });
    const s = createIntakeSerializer(ctx);
    const item: unknown = JSON.parse(
      s.serialize(testRecord(42, { level: 'warn', stream: 'stderr', message: 'disk "almost" full\n\u00e9' })),
    );
    expect(item).toEqual({
      message: 'disk "almost" full\n\u00e9',
      status: 'warn',
      timestamp: 1_700_000_000_042,
      service: 'zenml',
      hostname: 'build-7',
      ddsource: 'dd-logstore',
      ddtags: 'env:ci,team:ml',
      version: '0.1.0',
      'zenml.log.id': ctx.logId,
      'zenml.log.source': 'step',
      'zenml.log.uri': 'file:///tmp/logs/run/log.jsonl',
      'zenml.log_store.id': ctx.logStoreId,
      'zenml.log_store.name': 'dd',
      'zenml.run.id': ctx.runId,
      'zenml.step.name': 'train',
      'dd_logstore.seq': 42,
      'dd_logstore.stream': 'stderr',
      'dd_logstore.pipeline': 'nightly',
      'zenml.pipeline.run.id': ctx.runId,
      'zenml.step.run.name': 'train',
      'zenml.pipeline.name': 'nightly',
      env: 'ci',
      team: 'ml',
    });
  });

  it.each([
    ['plain ascii'],
    ['quote " backslash \\ tab \t nul \u0000 esc \u001b[31m'],
    ['caf\u00e9 \u65e5\u672c \ud83d\ude00 emoji'],
    ['lone \ud800 surrogate'],
    [''],
  ])('round-trips the message %j through JSON', (message) => {
    const text = createIntakeSerializer(testContext()).serialize(testRecord(1, { message }));
    expect((JSON.parse(text) as { message: string }).message).toBe(message);
  });

  it('always produces valid JSON, even from a record with a broken timestamp or seq', () => {
    const s = createIntakeSerializer(testContext());
    const item = JSON.parse(s.serialize(testRecord(1, { timestamp: Number.NaN, seq: Number.NaN }))) as IntakeLike;
    expect(typeof item.timestamp).toBe('number');
    expect(item['dd_logstore.seq']).toBe(0);
    expect(JSON.parse(s.serialize(testRecord(123_456_789, { timestamp: 1.5 })))).toMatchObject({
      timestamp: 1,
      'dd_logstore.seq': 123_456_789,
    });
  });

  it('omits what the context does not have', () => {
    const ctx = testContext({ stepName: undefined, pipeline: undefined, logSource: 'run', tags: [] });
    const item = JSON.parse(createIntakeSerializer(ctx).serialize(testRecord(1))) as Record<string, unknown>;
    expect(item['zenml.step.name']).toBeUndefined();
    expect(item['dd_logstore.pipeline']).toBeUndefined();
    expect(item['zenml.log.uri']).toBeUndefined();
    expect(item['ddtags']).toBe('');
    expect(item['zenml.log.source']).toBe('run');
  });

  it('adds record attributes of any JSON type and renames those that would override a field', () => {
    const s = createIntakeSerializer(testContext({ tags: ['service:other'] }));
    const text = s.serialize(
      testRecord(3, {
        attributes: {
          'dd_logstore.part': '2/3',
          user: { id: 7, roles: ['a'] },
          ok: true,
          ratio: 0.5,
          nan: Number.NaN,
          big: 12n,
          gone: undefined,
          status: 'from the json line',
          'zenml.run.id': 'spoofed',
        },
      }),
    );
    const item = JSON.parse(text) as Record<string, unknown>;
    expect(item).toMatchObject({
      service: 'zenml',
      status: 'info',
      ddtags: 'service:other',
      'dd_logstore.part': '2/3',
      user: { id: 7, roles: ['a'] },
      ok: true,
      ratio: 0.5,
      nan: 'NaN',
      big: '12',
      'attr.status': 'from the json line',
      'attr.zenml.run.id': 'spoofed',
      'zenml.run.id': testContext().runId,
    });
    expect('gone' in item).toBe(false);
    // No key appears twice in the text (JSON.parse would hide it).
    expect(text.match(/"service":/g)).toHaveLength(1);
    expect(text.match(/"status":/g)).toHaveLength(1);
  });

  it('writes a string attribute as JSON.stringify does, and renames a reserved name on every record', () => {
    const s = createIntakeSerializer(testContext());
    const values = ['plain', 'quote " backslash \\', 'nl \n esc \u001b', 'lone \ud800', 'caf\u00e9 \ud83d\ude00', ''];
    for (let round = 0; round < 2; round++)
      for (const value of values) {
        const text = s.serialize(testRecord(1, { attributes: { 'logger.name': value, status: value } }));
        expect(text).toContain(`,"logger.name":${JSON.stringify(value)},"attr.status":${JSON.stringify(value)}}`);
        expect(JSON.parse(text)).toMatchObject({ 'logger.name': value, 'attr.status': value, status: 'info' });
      }
  });

  it('puts id first for the local JSONL line', () => {
    const line = createIntakeSerializer(testContext()).serialize(testRecord(0), 'abc-1');
    expect(line.startsWith('{"id":"abc-1","message":"line 0"')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ id: 'abc-1', message: 'line 0', 'dd_logstore.seq': 0 });
  });
});
