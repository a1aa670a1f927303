/** The otel flavor's config keys. */
import { batchingKeys, SERVICE_KEYS } from '../shared-keys.js';
import type { FlavorSpec } from '../../store/flavors.js';

export const OTEL_SPEC: FlavorSpec = {
  type: 'log-store',
  flavor: 'otel',
  description: 'any OTLP/HTTP logs endpoint (ships only; cannot read back)',
  keys: [
    {
      key: 'endpoint',
      kind: 'url',
      required: true,
      description: 'OTLP/HTTP endpoint; /v1/logs appended when missing',
    },
    { key: 'headers', kind: 'headers', default: '', secret: true, description: 'k=v,... request headers' },
    {
      key: 'protocol',
      kind: 'enum',
      default: 'http/protobuf',
      choices: ['http/protobuf', 'http/json'],
      description: 'OTLP encoding',
    },
    {
      key: 'compression',
      kind: 'enum',
      default: 'gzip',
      choices: ['gzip', 'none'],
      description: 'request body compression',
    },
    ...SERVICE_KEYS,
    ...batchingKeys((max) => `dd-logstore's limit of ${max} records per OTLP request`),
  ],
};
