/**
 * Where the local flavor keeps a stream's records: `<dir>/<run-dir>/<log-id>.<writer>-<part>.seg` (segments), and
 * in the older layout `<dir>/<legacy-run-dir>/<log-id>.jsonl`. Readers use the same helpers.
 */
/** Where the local flavor keeps a stream's records: `<dir>/<run-id>/<log-id>.jsonl`. Readers use the same helper. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { segmentFileName } from '../../pipeline/segment-writer.js';

/** The older layout's JSONL file of a stream (still read, and written by a resend of an old spool). */
export function localLogPath(dir: string, runId: string, logId: string): string {
  return join(dir, safeSegment(runId), `${safeSegment(logId)}.jsonl`);
}

/** The directory of a run's segments: one per run id, never shared (`x:y` and `x_y` are two directories). */
export function localRunDir(dir: string, runId: string): string {
  return join(dir, runDirName(runId));
}

/** The older layout's directory of a run, which `x:y` and `x_y` shared: read with a filter on the run id. */
export function legacyRunDir(dir: string, runId: string): string {
  return join(dir, safeSegment(runId));
}

/** The segment files' base name of one writer of a stream. */
export function localSegmentBase(logId: string, writer: string): string {
  return `${safeSegment(logId)}.${safeSegment(writer)}`;
}

/** `zenml.log.uri` for the local flavor: the stream's first segment file. */
export function localLogUri(dir: string, runId: string, logId: string, writer?: string): string {
  if (writer === undefined) return pathToFileURL(localLogPath(dir, runId, logId)).href;
  return pathToFileURL(join(localRunDir(dir, runId), segmentFileName(localSegmentBase(logId, writer), 0))).href;
}

/**
 * A run id as one directory name, one-to-one: letters, digits, `.`, `_` and `-` stay (so most ids are their own
 * directory), anything else is `%XX` of its UTF-8 bytes; `%` never occurs in a run id, so no two ids share a name.
 */
export function runDirName(runId: string): string {
  let out = '';
  for (const b of Buffer.from(runId, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9._-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out === '' || /^\.+$/.test(out)) out = `%2E${out.slice(1)}`;
  return out;
}

/** A `--run-id` is user text: it must name one directory, never a path that climbs out of `dir`. */
export function safeSegment(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return cleaned === '' || /^\.+$/.test(cleaned) ? `_${cleaned}` : cleaned;
}
