/** Records and stream contexts for tests of the export pipeline. */
import type { LogRecordData, StreamContext } from '../../src/core/log-record.js';

export function testContext(overrides: Partial<StreamContext> = {}): StreamContext {
  return {
    runId: '7c1f5a52-8a3e-4d5b-9a43-0b3f8d2e6c11',
    logId: 'f0e1d2c3-b4a5-4697-8877-665544332211',
    logSource: 'step',
    logStoreId: '11111111-2222-4333-8444-555555555555',
    logStoreName: 'dd',
    stepName: 'train',
    pipeline: 'nightly',
    tags: ['env:ci', 'team:ml'],
    service: 'zenml',
    serviceVersion: '0.1.0',
    hostname: 'build-7',
    source: 'dd-logstore',
    ...overrides,
  };
}

export function testRecord(seq: number, overrides: Partial<LogRecordData> = {}): LogRecordData {
  return {
    timestamp: 1_700_000_000_000 + seq,
    seq,
    stream: seq % 2 === 0 ? 'stdout' : 'stderr',
    level: 'info',
    message: `line ${seq}`,
    ...overrides,
  };
}
