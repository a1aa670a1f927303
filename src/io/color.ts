/** Colour that follows the stream: off when piped or NO_COLOR, on with FORCE_COLOR. */
import { Chalk } from 'chalk';
import type { ChalkInstance } from 'chalk';

export function createColor(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}
