/** The datadog flavor's config keys. */
import { UsageError } from '../../core/errors.js';
import { didYouMean } from '../../store/did-you-mean.js';
import type { FlavorSpec } from '../../store/flavors.js';
import { BATCHING_KEYS, SERVICE_KEYS } from '../shared-keys.js';
import { DATADOG_SITES, isDatadogSite } from './sites.js';

function parseSite(raw: string, flag: string): string {
  const site = raw.trim().toLowerCase();
  if (!isDatadogSite(site)) {
    const guess = didYouMean(site, DATADOG_SITES);
    throw new UsageError(`${flag} '${raw}' is not a Datadog site`, {
      hint: `${guess ? `did you mean ${flag}=${guess}? ` : ''}sites: ${DATADOG_SITES.join(', ')}`,
    });
  }
  return site;
}

export const DATADOG_SPEC: FlavorSpec = {
  type: 'log-store',
  flavor: 'datadog',
  description: "Datadog's log management (HTTP intake v2 or OTLP; read back with Logs Search)",
  keys: [
    { key: 'api_key', kind: 'string', required: true, secret: true, description: 'API key, for sending logs' },
    {
      key: 'application_key',
      kind: 'string',
      required: true,
      secret: true,
      description: 'application key with logs_read_data, for reading logs back',
    },
    {
      key: 'site',
      kind: 'custom',
      parse: parseSite,
      default: 'datadoghq.com',
      choices: DATADOG_SITES,
      description: 'Datadog site',
    },
    ...SERVICE_KEYS,
    ...BATCHING_KEYS,
    { key: 'protocol', kind: 'enum', default: 'intake', choices: ['intake', 'otlp'], description: 'wire protocol' },
    {
      key: 'compression',
      kind: 'enum',
      default: 'gzip',
      choices: ['gzip', 'none'],
      description: 'request body compression',
    },
    { key: 'tags', kind: 'tags', default: '', description: 'comma-separated k:v tags (ddtags)' },
    { key: 'source', kind: 'string', default: 'dd-logstore', description: 'ddsource of every record' },
    { key: 'intake_url', kind: 'url', description: "override the site's intake host (proxies, the emulator)" },
    { key: 'api_url', kind: 'url', description: "override the site's API host (proxies, the emulator)" },
  ],
};
