/** The local flavor's settings, resolved: what its exporter, verify checks and reader take. */
import type { CommonSettings } from '../destination.js';

export interface LocalSettings extends CommonSettings {
  flavor: 'local';
  dir: string;
}
