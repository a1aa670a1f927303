/** The datadog flavor's settings, resolved: what its exporter, verify checks and reader take. */
import type { Compression } from '../../pipeline/compression.js';
import type { DatadogRoutes } from './sites.js';
import type { CommonSettings } from '../destination.js';

export interface DatadogSettings extends CommonSettings {
  flavor: 'datadog';
  apiKey: string;
  applicationKey: string;
  site: string;
  routes: DatadogRoutes;
  protocol: 'intake' | 'otlp';
  compression: Compression;
}
