/**
 * What `logs --output jsonl` of Datadog pages would cost without a JS object per event, in-process
 * (node bench/readback-scan.mjs, after `npm run build && npm run build:test`; needs python3). A measurement, not
 * code `logs` runs (docs/performance.md, "Read-back from Datadog: the young generation and the events").
 *
 * It stores BENCH_READBACK records (100,000) of the bench's `print` mix in an emulator, as `npm run bench` does, keeps
 * the search answers (pages of 1000, plain JSON), then times, alternating, medians of BENCH_RUNS (CPU = user + sys of
 * this process, the pages already in memory):
 * - objects: today's path, `parseSearchAnswer` (runs of ~100 KiB through JSON.parse) + `entryFromEvent` + the
 *   `jsonl` printer into a held output (each line masked with the two keys registered) written to a file;
 * - scan: the page's bytes read by a scanner that builds no object per event: each line written as bytes straight
 *   from the page's (strings with no escape copied as they are, canonical integers copied, the attributes flattened
 *   to dotted keys on the way), the fields `logs` filters, sorts and de-duplicates on (id, time, status, message,
 *   seq, log id, writer) taken out as values, secrets looked for in the page's output bytes (`indexOf` of each
 *   secret's UTF-8). Any event it does not read as the common shape (an escape, an array or a non-integer number in
 *   the attributes, a dotted or repeated key, a field missing or of another type, bytes that are not UTF-8) makes
 *   it give the page up (-1): `logs` would take today's path for that page.
 * Both outputs are compared byte for byte; a difference is an error (exit 1).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const RECORDS = Number(process.env.BENCH_READBACK ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const { createEmulator } = await import(join(ROOT, 'dist-test/test/emulator/emulator.js'));
const { parseSearchAnswer } = await import(join(ROOT, 'dist/destinations/datadog/search-page.js'));
const { entryFromEvent } = await import(join(ROOT, 'dist/destinations/datadog/log-entry.js'));
const { createPrinter } = await import(join(ROOT, 'dist/query/render.js'));
const { createHeldOut } = await import(join(ROOT, 'dist/io/held-out.js'));
const { Redactor } = await import(join(ROOT, 'dist/io/redact.js'));

// ---- the pages
const work = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'readback-scan-'));
let emulator = await createEmulator({ searchRateLimit: { limit: 1e9, periodSec: 60 } });
const env = { ...process.env, DD_LOGSTORE_HOME: join(work, 'home'), NO_COLOR: '1' };
delete env.PYTHONUNBUFFERED;
const cli = (args) => spawnSync(process.execPath, [join(ROOT, 'bin/dd-logstore.js'), ...args], { env });
const keys = { api: 'emulator-api-key', app: 'emulator-app-key' };
cli([
  'log-store',
  'register',
  'ddq',
  '--flavor=datadog',
  `--api_key=${keys.api}`,
  `--application_key=${keys.app}`,
  `--intake_url=${emulator.url}`,
  `--api_url=${emulator.url}`,
]);
// Asynchronously: the emulator answers from this process.
await new Promise((resolve, reject) => {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/dd-logstore.js'),
      ...['run', '-q', '--log-store', 'ddq', '--run-id', 'scan', '--'],
      ...['python3', join(ROOT, 'bench/children/print.py'), String(RECORDS)],
    ],
    { env, stdio: 'ignore' },
  );
  child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`run exited ${code}`))));
});
const pages = [];
for (let cursor; ;) {
  const body = {
    filter: { query: '@zenml.run.id:scan', from: 'now-1d', to: 'now' },
    sort: 'timestamp',
    page: { limit: 1000, ...(cursor ? { cursor } : {}) },
  };
  const res = await fetch(`${emulator.url}/api/v2/logs/events/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'dd-api-key': keys.api, 'dd-application-key': keys.app },
    body: JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const v = JSON.parse(bytes.toString());
  if (v.data.length === 0) break;
  pages.push(bytes);
  cursor = v.meta?.page?.after;
  if (!cursor) break;
}
await emulator.close();
// Its records out of this heap: what is left in it is the pages.
emulator = undefined;

// ---- the scanner
const Q = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const DOT = 0x2e;
const latin1 = (s) => Buffer.from(s, 'latin1');
const HEAD = latin1('{"data":[');
const [L_ID, L_TIME, L_STATUS, L_MESSAGE, L_SERVICE, L_HOST, L_TAGS, L_ATTRS, L_END, NULL] = [
  '{"id":',
  ',"timestamp":"',
  '","status":',
  ',"message":',
  ',"service":',
  ',"host":',
  ',"tags":[',
  '],"attributes":{',
  '}}\n',
  'null',
].map(latin1);
const [K_ID, K_ATTRIBUTES, K_TIMESTAMP, K_MESSAGE, K_STATUS, K_SERVICE, K_HOST, K_TAGS] = [
  'id',
  'attributes',
  'timestamp',
  'message',
  'status',
  'service',
  'host',
  'tags',
].map(latin1);
/** The attributes `entryFromEvent` reads, as dotted keys (the scanner reads them nested only). */
const [P_SEQ, P_WRITER, P_LOG_ID, P_STEP, P_STEP_RUN] = [
  'dd_logstore.seq',
  'dd_logstore.writer',
  'zenml.log.id',
  'zenml.step.name',
  'zenml.step.run.name',
].map(latin1);

/** After the string whose quote is at p: the index past its closing quote, or -1 (an escape or a control byte). */
function stringEnd(b, p) {
  for (let i = p + 1; ; i++) {
    const c = b[i];
    if (c === Q) return i + 1;
    if (c === BACKSLASH || c < 0x20 || c === undefined) return -1;
  }
}

function skipSpace(b, p) {
  let c;
  while ((c = b[p]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
  return p;
}

/** The end of the scalar at p as JSON.stringify would write it back unchanged, or -1 (and for objects, arrays). */
function scalarEnd(b, p) {
  const c = b[p];
  if (c === Q) return stringEnd(b, p);
  if (c === 0x74) return b[p + 1] === 0x72 && b[p + 2] === 0x75 && b[p + 3] === 0x65 ? p + 4 : -1;
  if (c === 0x66) return b[p + 1] === 0x61 && b[p + 2] === 0x6c && b[p + 3] === 0x73 && b[p + 4] === 0x65 ? p + 5 : -1;
  if (c === 0x6e) return b[p + 1] === 0x75 && b[p + 2] === 0x6c && b[p + 3] === 0x6c ? p + 4 : -1;
  // Integers of up to 15 digits, no leading zero, not -0: String(Number(text)) is the text.
  let i = c === 0x2d ? p + 1 : p;
  const first = i;
  let d;
  while ((d = b[i]) >= 0x30 && d <= 0x39) i++;
  const digits = i - first;
  if (digits === 0 || digits > 15 || (b[first] === 0x30 && (digits > 1 || c === 0x2d))) return -1;
  if (d === DOT || d === 0x65 || d === 0x45) return -1;
  return i;
}

function sameBytes(b, s, e, k) {
  if (e - s !== k.length) return false;
  for (let i = 0; i < k.length; i++) if (b[s + i] !== k[i]) return false;
  return true;
}

function sameRange(b, s1, e1, s2, e2) {
  if (e1 - s1 !== e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i++) if (b[s1 + i] !== b[s2 + i]) return false;
  return true;
}

function copy(out, o, b, s, e) {
  for (let i = s; i < e; i++) out[o++] = b[i];
  return o;
}

/** One event's fields as `entryFromEvent` makes them, its line's span in the output. */
function entry() {
  return {
    id: '',
    timestamp: 0,
    status: '',
    message: '',
    step: undefined,
    logId: undefined,
    seq: 0,
    writer: undefined,
    hasSeq: false,
    start: 0,
    end: 0,
  };
}

const prefix = new Uint8Array(64 * 1024);
const prefixAt = new Int32Array(256);
const keysFrom = new Int32Array(256);
const keyStart = new Int32Array(64 * 1024);
const keyEnd = new Int32Array(64 * 1024);
let scanned = { p: 0, o: 0 };
/** The attributes' own values of the event being read (kind 0 absent, 1 string, 2 number, 3 other scalar). */
const known = { seqKind: 0, seqS: 0, seqE: 0, writer: -1, writerE: 0, logId: -1, logIdE: 0 };
const knownStep = { kind: 0, s: 0, e: 0, runKind: 0, runS: 0, runE: 0 };

function kindOf(b, p) {
  return b[p] === Q ? 1 : b[p] === 0x2d || (b[p] >= 0x30 && b[p] <= 0x39) ? 2 : b[p] === 0x6e ? 4 : 3;
}

/** A scalar at a dotted key (`out[ks..ke]`, between the quotes): kept when `entryFromEvent` reads that attribute. */
function noteKnown(out, ks, ke, b, vs, ve) {
  const n = ke - ks;
  if (n === 15 && sameBytes(out, ks, ke, P_SEQ)) {
    known.seqKind = kindOf(b, vs);
    known.seqS = vs;
    known.seqE = ve;
  } else if (n === 18 && sameBytes(out, ks, ke, P_WRITER)) {
    known.writer = b[vs] === Q ? vs + 1 : -1;
    known.writerE = ve - 1;
  } else if (n === 12 && sameBytes(out, ks, ke, P_LOG_ID)) {
    known.logId = b[vs] === Q ? vs + 1 : -1;
    known.logIdE = ve - 1;
  } else if (n === 15 && sameBytes(out, ks, ke, P_STEP)) {
    knownStep.kind = kindOf(b, vs);
    knownStep.s = vs;
    knownStep.e = ve;
  } else if (n === 19 && sameBytes(out, ks, ke, P_STEP_RUN)) {
    knownStep.runKind = kindOf(b, vs);
    knownStep.runS = vs;
    knownStep.runE = ve;
  }
}

/** A dotted key that names an object where `entryFromEvent` reads a value: left to the objects. */
function isKnownPath(b, n) {
  return (
    sameBytes(b, 0, n, P_SEQ) ||
    sameBytes(b, 0, n, P_WRITER) ||
    sameBytes(b, 0, n, P_LOG_ID) ||
    sameBytes(b, 0, n, P_STEP) ||
    sameBytes(b, 0, n, P_STEP_RUN)
  );
}

/**
 * The members of `flattenAttributes(JSON.parse(object at p))` as jsonlLine writes them, into out at o; false when
 * the object is not of the common shape. Sets scanned.p (past the object) and scanned.o.
 */
function flatten(b, p, out, o) {
  let depth = 0;
  let plen = 0;
  let keys = 0;
  let wrote = false;
  keysFrom[0] = 0;
  p = skipSpace(b, p + 1);
  if (b[p] === CLOSE) {
    scanned = { p: p + 1, o };
    return true;
  }
  for (;;) {
    if (b[p] !== Q) return false;
    const ks = p + 1;
    const kend = stringEnd(b, p);
    if (kend < 0) return false;
    const ke = kend - 1;
    for (let i = ks; i < ke; i++) if (b[i] === DOT) return false;
    // A name starting with a digit may be an array index, which for...in gives first; at the top, '' and __proto__
    // are left to JSON.stringify by flatMembers.
    if (b[ks] >= 0x30 && b[ks] <= 0x39) return false;
    if (depth === 0 && (ke === ks || (ke - ks === 9 && b.latin1Slice(ks, ke) === '__proto__'))) return false;
    // A repeated name: JSON.parse keeps the last value at the first one's place.
    for (let j = keysFrom[depth]; j < keys; j++) if (sameRange(b, keyStart[j], keyEnd[j], ks, ke)) return false;
    keyStart[keys] = ks;
    keyEnd[keys] = ke;
    keys++;
    p = skipSpace(b, kend);
    if (b[p] !== COLON) return false;
    p = skipSpace(b, p + 1);
    const c = b[p];
    if (c === OPEN) {
      prefixAt[depth] = plen;
      if (plen > 0) prefix[plen++] = DOT;
      for (let i = ks; i < ke; i++) prefix[plen++] = b[i];
      if (isKnownPath(prefix, plen)) return false;
      depth++;
      keysFrom[depth] = keys;
      p = skipSpace(b, p + 1);
      if (b[p] !== CLOSE) continue;
      // An empty object flattens to nothing.
      p++;
      depth--;
      keys = keysFrom[depth + 1];
      plen = prefixAt[depth];
    } else if (c === OPEN_ARRAY) return false;
    else {
      const ve = scalarEnd(b, p);
      if (ve < 0) return false;
      if (wrote) out[o++] = COMMA;
      wrote = true;
      out[o++] = Q;
      const dotted = o;
      for (let i = 0; i < plen; i++) out[o++] = prefix[i];
      if (plen > 0) out[o++] = DOT;
      o = copy(out, o, b, ks, ke);
      noteKnown(out, dotted, o, b, p, ve);
      out[o++] = Q;
      out[o++] = COLON;
      o = copy(out, o, b, p, ve);
      p = ve;
    }
    // After a member: a comma, or the end of as many objects as close here.
    for (;;) {
      p = skipSpace(b, p);
      if (b[p] === COMMA) {
        p = skipSpace(b, p + 1);
        break;
      }
      if (b[p] !== CLOSE) return false;
      p++;
      if (depth === 0) {
        scanned = { p, o };
        return true;
      }
      depth--;
      keys = keysFrom[depth + 1];
      plen = prefixAt[depth];
    }
  }
}

let lastTime = Buffer.alloc(64);
let lastTimeLength = -1;
let lastMs = NaN;
let lastIso = latin1('');

/** The page's events as jsonl lines into out (the bytes written), their fields into entries; -1 to give it up. */
function scanPage(b, out, entries) {
  if (!isUtf8(b) || !sameBytes(b, 0, HEAD.length, HEAD)) return -1;
  let p = HEAD.length;
  let o = 0;
  for (;;) {
    p = skipSpace(b, p);
    if (b[p] !== OPEN) return -1;
    p = skipSpace(b, p + 1);
    let idS = -1;
    let idE = 0;
    // The event: `id`, other scalars (`type`), then `attributes` last.
    for (;;) {
      if (b[p] !== Q) return -1;
      const ks = p + 1;
      const kend = stringEnd(b, p);
      if (kend < 0) return -1;
      p = skipSpace(b, kend);
      if (b[p] !== COLON) return -1;
      p = skipSpace(b, p + 1);
      if (sameBytes(b, ks, kend - 1, K_ID)) {
        if (idS >= 0 || b[p] !== Q) return -1;
        idS = p;
        idE = p = stringEnd(b, p);
        if (p < 0) return -1;
      } else if (sameBytes(b, ks, kend - 1, K_ATTRIBUTES)) {
        if (b[p] !== OPEN) return -1;
        break;
      } else if ((p = scalarEnd(b, p)) < 0) return -1;
      p = skipSpace(b, p);
      if (b[p] !== COMMA) return -1;
      p = skipSpace(b, p + 1);
    }
    p = skipSpace(b, p + 1);
    let tsS = -1;
    let tsE = 0;
    let msS = -1;
    let msE = 0;
    let stS = -1;
    let stE = 0;
    let svS = -1;
    let svE = 0;
    let hoS = -1;
    let hoE = 0;
    let tags = -1;
    let atS = -1;
    for (;;) {
      if (b[p] !== Q) return -1;
      const ks = p + 1;
      const kend = stringEnd(b, p);
      if (kend < 0) return -1;
      const ke = kend - 1;
      p = skipSpace(b, kend);
      if (b[p] !== COLON) return -1;
      p = skipSpace(b, p + 1);
      const c = b[p];
      if (c === OPEN) {
        if (atS >= 0 || !sameBytes(b, ks, ke, K_ATTRIBUTES)) return -1;
        atS = p;
        // Skipped here (written after the fields before it), read in full by flatten.
        for (let depth = 0; ;) {
          const d = b[p];
          if (d === Q) {
            if ((p = stringEnd(b, p)) < 0) return -1;
            continue;
          }
          if (d === OPEN || d === OPEN_ARRAY) depth++;
          else if (d === CLOSE || d === CLOSE_ARRAY) {
            if (--depth === 0) {
              p++;
              break;
            }
          } else if (d === undefined) return -1;
          p++;
        }
      } else if (c === OPEN_ARRAY) {
        if (tags >= 0 || !sameBytes(b, ks, ke, K_TAGS)) return -1;
        tags = p;
        p = skipSpace(b, p + 1);
        if (b[p] !== CLOSE_ARRAY)
          for (;;) {
            if (b[p] !== Q || (p = stringEnd(b, p)) < 0) return -1;
            p = skipSpace(b, p);
            if (b[p] === COMMA) p = skipSpace(b, p + 1);
            else if (b[p] === CLOSE_ARRAY) break;
            else return -1;
          }
        p++;
      } else if (c === Q) {
        const ve = stringEnd(b, p);
        if (ve < 0) return -1;
        if (sameBytes(b, ks, ke, K_MESSAGE) && msS < 0) {
          msS = p;
          msE = ve;
        } else if (sameBytes(b, ks, ke, K_TIMESTAMP) && tsS < 0) {
          tsS = p + 1;
          tsE = ve - 1;
        } else if (sameBytes(b, ks, ke, K_STATUS) && stS < 0) {
          stS = p;
          stE = ve;
        } else if (sameBytes(b, ks, ke, K_SERVICE) && svS < 0) {
          svS = p;
          svE = ve;
        } else if (sameBytes(b, ks, ke, K_HOST) && hoS < 0) {
          hoS = p;
          hoE = ve;
        } else return -1;
        p = ve;
      } else return -1;
      p = skipSpace(b, p);
      if (b[p] === COMMA) p = skipSpace(b, p + 1);
      else if (b[p] === CLOSE) {
        p++;
        break;
      } else return -1;
    }
    p = skipSpace(b, p);
    if (b[p] !== CLOSE || idS < 0 || tsS < 0 || msS < 0 || stS < 0 || atS < 0) return -1;
    p++;
    if (tsE - tsS !== lastTimeLength || !sameBytes(b, tsS, tsE, lastTime.subarray(0, lastTimeLength))) {
      if (tsE - tsS > lastTime.length) return -1;
      lastTimeLength = copy(lastTime, 0, b, tsS, tsE);
      lastMs = Date.parse(b.utf8Slice(tsS, tsE));
      if (!Number.isFinite(lastMs)) return -1;
      lastIso = latin1(new Date(lastMs).toISOString());
    }
    const e = entry();
    e.start = o;
    o = copy(out, o, L_ID, 0, L_ID.length);
    o = copy(out, o, b, idS, idE);
    o = copy(out, o, L_TIME, 0, L_TIME.length);
    o = copy(out, o, lastIso, 0, lastIso.length);
    o = copy(out, o, L_STATUS, 0, L_STATUS.length);
    o = copy(out, o, b, stS, stE);
    o = copy(out, o, L_MESSAGE, 0, L_MESSAGE.length);
    o = copy(out, o, b, msS, msE);
    o = copy(out, o, L_SERVICE, 0, L_SERVICE.length);
    o = svS >= 0 ? copy(out, o, b, svS, svE) : copy(out, o, NULL, 0, NULL.length);
    o = copy(out, o, L_HOST, 0, L_HOST.length);
    o = hoS >= 0 ? copy(out, o, b, hoS, hoE) : copy(out, o, NULL, 0, NULL.length);
    o = copy(out, o, L_TAGS, 0, L_TAGS.length);
    // The tags one by one: what is between them in the page (spaces) is not ours to copy.
    if (tags >= 0)
      for (let t = skipSpace(b, tags + 1), n = 0; b[t] === Q; n++) {
        const te = stringEnd(b, t);
        if (n > 0) out[o++] = COMMA;
        o = copy(out, o, b, t, te);
        t = skipSpace(b, te);
        if (b[t] === COMMA) t = skipSpace(b, t + 1);
      }
    o = copy(out, o, L_ATTRS, 0, L_ATTRS.length);
    known.seqKind = knownStep.kind = knownStep.runKind = 0;
    known.writer = known.logId = -1;
    if (!flatten(b, atS, out, o)) return -1;
    o = copy(out, scanned.o, L_END, 0, L_END.length);
    e.end = o;
    e.id = b.utf8Slice(idS + 1, idE - 1);
    e.timestamp = lastMs;
    e.status = b.utf8Slice(stS + 1, stE - 1);
    e.message = b.utf8Slice(msS + 1, msE - 1);
    if (known.seqKind === 2) {
      e.seq = Number(b.latin1Slice(known.seqS, known.seqE));
      e.hasSeq = true;
    } else if (known.seqKind === 1 && known.seqE - known.seqS > 2) {
      e.seq = Number(b.utf8Slice(known.seqS + 1, known.seqE - 1));
      e.hasSeq = true;
    }
    if (known.writer >= 0) e.writer = b.utf8Slice(known.writer, known.writerE);
    if (known.logId >= 0) e.logId = b.utf8Slice(known.logId, known.logIdE);
    // attributeAt(step.name) ?? attributeAt(step.run.name): a null step name gives way too.
    if (knownStep.kind === 1) e.step = b.utf8Slice(knownStep.s + 1, knownStep.e - 1);
    else if ((knownStep.kind === 0 || knownStep.kind === 4) && knownStep.runKind === 1)
      e.step = b.utf8Slice(knownStep.runS + 1, knownStep.runE - 1);
    entries.push(e);
    p = skipSpace(b, p);
    if (b[p] === COMMA) p++;
    else if (b[p] === CLOSE_ARRAY) return o;
    else return -1;
  }
}

// ---- the two paths, timed
const redactor = new Redactor();
redactor.add(keys.api);
redactor.add(keys.app);
const secrets = [keys.api, keys.app].map((k) => Buffer.from(k));
const outFile = (name) => join(work, `${name}.jsonl`);

function viaObjects() {
  const fd = openSync(outFile('objects'), 'w');
  const held = createHeldOut((bytes) => {
    writeSync(fd, bytes);
    return true;
  }, redactor);
  const printer = createPrinter('jsonl', { write: (t) => held.write(t), flush: () => held.flush() }, null);
  for (const page of pages) {
    const data = parseSearchAnswer(page).data;
    const entries = new Array(data.length);
    for (let i = 0; i < data.length; i++) entries[i] = entryFromEvent(data[i]);
    printer.print(entries);
  }
  printer.end();
  closeSync(fd);
}

const scratch = Buffer.allocUnsafe(4 << 20);
let givenUp = 0;
function viaScan() {
  const fd = openSync(outFile('scan'), 'w');
  for (const page of pages) {
    const entries = [];
    const n = scanPage(page, scratch, entries);
    if (n < 0) {
      givenUp++;
      continue;
    }
    // A secret in a line: that line goes through the redactor as text (none here: counted, not expected).
    const written = scratch.subarray(0, n);
    for (const s of secrets)
      if (written.indexOf(s) !== -1) throw new Error('a secret in the output: not expected here');
    writeSync(fd, written);
  }
  closeSync(fd);
}

const cpu = (f) => {
  const t = process.cpuUsage();
  f();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const times = { objects: [], scan: [] };
for (let r = 0; r < RUNS; r++) {
  times.objects.push(cpu(viaObjects));
  times.scan.push(cpu(viaScan));
}
const same = Buffer.compare(readFileSync(outFile('objects')), readFileSync(outFile('scan'))) === 0;
const records = pages.reduce((n, p) => n + (p.toString('latin1').match(/"type":"log"/g) ?? []).length, 0);
process.stdout.write(
  `node ${process.version}, ${records} records in ${pages.length} pages, medians of ${RUNS}, CPU-s:\n` +
    `  objects (parse, entryFromEvent, jsonl printer, held output)  ${median(times.objects).toFixed(3)}  ` +
    `(${times.objects.map((t) => t.toFixed(2)).join(' ')})\n` +
    `  scan (bytes to bytes)                                       ${median(times.scan).toFixed(3)}  ` +
    `(${times.scan.map((t) => t.toFixed(2)).join(' ')})\n` +
    `  pages given up by the scan: ${givenUp / RUNS}; outputs ${same ? 'identical' : 'DIFFER'}\n`,
);
rmSync(work, { recursive: true, force: true });
process.exitCode = same && givenUp === 0 ? 0 : 1;
