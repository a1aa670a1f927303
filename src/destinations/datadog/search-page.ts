/**
 * A Logs Search answer's bytes to its JSON value, ~100 KiB of events at a time. `JSON.parse` of a whole page (600+
 * KB) needs the page as one string first, and V8 puts a string that large in its large-object space: fresh memory
 * from the kernel for every page, page faults and all (decoding 64 MB so cost 0.2-0.36 CPU-s in a script, against
 * 0.01-0.06 s as strings under 128 KiB). Event by event was worse (100k `JSON.parse` calls; GC 0.29 -> 1.05 s).
 * The value is the same as `JSON.parse` of the whole text (see splitSearchAnswer); an answer of another shape is
 * parsed whole.
 */

type Obj = Record<string, unknown>;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const HEAD = Buffer.from('{"data":[');
/** Between two events: `}` `,` and the next object's first key. */
const SEPARATOR = Buffer.from('},{"');
/**
 * Characters of events parsed at a time: a string under 128 KiB stays in V8's regular heap. (16, 48 and 100 KiB
 * measured the same.)
 */
const GROUP_CHARS = 100 * 1024;
/** What is left is read at once when this short (under 128 KiB as a string). */
const LAST_CHARS = GROUP_CHARS + 24 * 1024;
/** Runs that did not parse (cut inside an event) before the page is left to JSON.parse whole. */
const MAX_MISSES = 16;

/** The answer as `JSON.parse` of its UTF-8 text (a leading BOM skipped) would give it; throws as that would. */
export function parseSearchAnswer(bytes: Buffer): unknown {
  const start = bytes.length >= 3 && bytes.compare(BOM, 0, 3, 0, 3) === 0 ? 3 : 0;
  return splitSearchAnswer(bytes, start) ?? JSON.parse(bytes.toString('utf8', start));
}

/** The text parsed, or undefined when it is not JSON. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * `{"data":[EVENT,EVENT,...],...}` a run of events at a time, or undefined when the answer does not start so. A run
 * ends at the first `},{"` past GROUP_CHARS whose text, in brackets, parses: a JSON value ends where its text first
 * parses, so a cut inside an event (a `},{"` of a nested array of objects; in a string it would be `},{\"`) never
 * parses and the cut moves on to the next one. The last run is the rest of the answer read as `{"data":[` + rest,
 * which brings the keys after `data` (meta, links) with it. Cuts fall on ASCII bytes, never inside a UTF-8
 * character. (Unlike JSON.parse of the whole, a second top-level `data` key, which Datadog's schema does not have,
 * would not replace the events before it.)
 */
export function splitSearchAnswer(bytes: Buffer, start = 0): Obj | undefined {
  const n = bytes.length;
  if (n - start < HEAD.length + 2 || bytes.compare(HEAD, 0, HEAD.length, start, start + HEAD.length) !== 0)
    return undefined;
  let at = start + HEAD.length;
  if (bytes[at] !== 0x7b /* { */) return undefined;
  const data: unknown[] = [];
  let misses = 0;
  let cut = at;
  while (n - at > LAST_CHARS) {
    const sep = bytes.indexOf(SEPARATOR, Math.max(cut, at + GROUP_CHARS));
    if (sep === -1) break;
    const events = parsed(`[${bytes.toString('utf8', at, sep + 1)}]`);
    if (!Array.isArray(events)) {
      if (++misses > MAX_MISSES) return undefined;
      cut = sep + 1;
      continue;
    }
    for (const e of events) data.push(e);
    at = sep + 2;
    cut = at;
  }
  const last = parsed(`{"data":[${bytes.toString('utf8', at)}`);
  if (last === null || typeof last !== 'object' || !Array.isArray((last as Obj).data)) return undefined;
  if (data.length === 0) return last as Obj;
  for (const e of (last as Obj).data as unknown[]) data.push(e);
  (last as Obj).data = data;
  return last as Obj;
}
