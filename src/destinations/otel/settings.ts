/** The otel flavor's settings, resolved: what its exporter, verify checks and reader take. */
import type { Compression } from '../../pipeline/compression.js';
import type { OtlpProtocol } from './exporter.js';
import type { CommonSettings } from '../destination.js';

export interface OtelSettings extends CommonSettings {
  flavor: 'otel';
  endpoint: string;
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  compression: Compression;
}
