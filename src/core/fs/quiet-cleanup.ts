/** Cleanup that must not throw: on an error path, or of what may never have been made or may be gone already. */
import { closeSync, unlinkSync } from 'node:fs';

export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never made, or gone already
  }
}

export function closeSafely(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing to do
  }
}
