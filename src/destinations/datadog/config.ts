/** The datadog flavor's config keys. */
import { UsageError } from '../../core/errors.js';
import { didYouMean } from '../../store/did-you-mean.js';
import type { FlavorSpec } from '../../store/flavors.js';
import { batchingKeys, SERVICE_KEYS } from '../shared-keys.js';
import { DATADOG_SITES, checkDatadogSite } from './sites.js';

/** One of the sites; an unknown region of the same shape with a warning; anything else refused with a did-you-mean. */
function parseSite(raw: string, flag: string, warnings: string[]): string {
  const check = checkDatadogSite(raw, (s) => didYouMean(s, DATADOG_SITES));
  const meant = (guess: string | undefined) => (guess ? `did you mean ${flag}=${guess}? ` : '');
  if (check.kind === 'invalid')
    throw new UsageError(`${flag} '${raw}' is not a Datadog site`, {
      hint: `${meant(check.guess)}a site is a domain; sites: ${DATADOG_SITES.join(', ')}`,
    });
  if (check.kind === 'unknown')
    warnings.push(
      `${flag}=${check.site} is not a Datadog site dd-logstore knows (${DATADOG_SITES.join(', ')}); ` +
        `${meant(check.guess)}using it as given (a region newer than this release)`,
    );
  return check.site;
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
    ...batchingKeys((max) => `Datadog's limit of ${max} logs per request`),
    { key: 'protocol', kind: 'enum', default: 'intake', choices: ['intake', 'otlp'], description: 'wire protocol' },
    {
      key: 'compression',
      kind: 'enum',
      default: 'zstd',
      choices: ['zstd', 'gzip', 'none'],
      description: 'request body compression (zstd needs Node >= 22.15, else gzip is sent)',
    },
    { key: 'tags', kind: 'tags', default: '', description: 'comma-separated k:v tags (ddtags)' },
    { key: 'source', kind: 'string', default: 'dd-logstore', description: 'ddsource of every record' },
    { key: 'intake_url', kind: 'url', description: "override the site's intake host (proxies, the emulator)" },
    { key: 'api_url', kind: 'url', description: "override the site's API host (proxies, the emulator)" },
  ],
};
