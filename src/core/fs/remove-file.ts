import { unlinkSync } from 'node:fs';

/** Removes a file that may never have been made or may be gone already: cleanup that must not throw. */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never made, or gone already
  }
}
