/** The local flavor's config keys. */
import type { FlavorSpec } from '../../store/flavors.js';

export const LOCAL_SPEC: FlavorSpec = {
  type: 'log-store',
  flavor: 'local',
  description: 'JSONL files on this machine (the default)',
  keys: [{ key: 'path', kind: 'path', defaultText: '<home>/logs', description: 'directory for the JSONL files' }],
};
