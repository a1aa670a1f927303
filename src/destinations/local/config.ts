/** The local flavor's config keys. */
import type { FlavorSpec } from '../../store/flavors.js';

export const LOCAL_SPEC: FlavorSpec = {
  type: 'log-store',
  flavor: 'local',
  description: 'segment files on this machine (the default; logs --output jsonl reads them as JSONL)',
  keys: [{ key: 'path', kind: 'path', defaultText: '<home>/logs', description: 'directory for the segment files' }],
};
