/**
 * The file backend: `<home>/secrets.json`, an explicit opt-in (DD_LOGSTORE_SECRETS_BACKEND=file) for machines without
 * a keychain. The file is mode 0600 in a 0700 directory, replaced atomically under a lock, and never read when group
 * or others can access it. A corrupt or newer file is reported, never overwritten.
 */
import { unsafeMode } from '../core/fs/file-modes.js';
import { chmod, readFile, stat } from 'node:fs/promises';
import { makeDirs } from '../core/fs/make-dirs.js';
import { join } from 'node:path';
import { SecretError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs/atomic-write.js';
import { withFileLock } from '../core/fs/file-lock.js';
import type { SecretBackend, SecretValues } from './secret-backend.js';

export const SECRETS_FILE_NAME = 'secrets.json';
export const SECRETS_FILE_SCHEMA_VERSION = 1;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

interface SecretsFile {
  schemaVersion: number;
  secrets: Record<string, SecretValues>;
}

export function secretsFilePath(home: string): string {
  return join(home, SECRETS_FILE_NAME);
}

export function createFileBackend(opts: { home: string; platform?: NodeJS.Platform }): SecretBackend {
  const path = secretsFilePath(opts.home);
  const checkModes = (opts.platform ?? process.platform) !== 'win32';
  const read = () => readSecretsFile(path, checkModes);
  const update = async <T>(fn: (file: SecretsFile) => T | undefined): Promise<T | undefined> => {
    await ensureDir(opts.home, checkModes);
    return withFileLock(`${path}.lock`, async () => {
      const file = await read();
      const result = fn(file);
      if (result !== undefined) await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, FILE_MODE);
      return result;
    });
  };
  return {
    kind: 'file',
    location: path,
    async get(name) {
      const values = (await read()).secrets[name];
      return values ? { ...values } : undefined;
    },
    async set(name, values) {
      await update((file) => {
        file.secrets[name] = { ...values };
        return true;
      });
    },
    async delete(name) {
      const deleted = await update((file) => {
        if (!Object.hasOwn(file.secrets, name)) return false;
        delete file.secrets[name];
        return true;
      });
      return deleted === true;
    },
    async list() {
      return Object.keys((await read()).secrets).sort();
    },
  };
}

async function ensureDir(dir: string, checkModes: boolean): Promise<void> {
  await makeDirs(dir, DIR_MODE);
  if (!checkModes) return;
  const info = await stat(dir);
  // The home also holds config.json and runs/; tightening it is harmless and keeps the secrets file private.
  if ((info.mode & 0o077) !== 0) await chmod(dir, DIR_MODE);
}

async function readSecretsFile(path: string, checkModes: boolean): Promise<SecretsFile> {
  let text: string;
  try {
    const info = await stat(path);
    const unsafe = checkModes ? unsafeMode(path, info, 0o077, 'secrets file') : undefined;
    if (unsafe) throw new SecretError(unsafe.message, { hint: unsafe.hint });
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof SecretError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { schemaVersion: SECRETS_FILE_SCHEMA_VERSION, secrets: {} };
    throw new SecretError(`cannot read the secrets file ${path}`, {
      hint: 'check its owner and permissions',
      cause: err,
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // No cause: V8's JSON.parse message quotes the start of the text, which holds secret values.
    throw corrupt(path, 'it is not valid JSON');
  }
  if (!isRecord(data) || typeof data.schemaVersion !== 'number' || !isRecord(data.secrets)) {
    throw corrupt(path, 'it does not hold {"schemaVersion": 1, "secrets": {...}}');
  }
  if (data.schemaVersion > SECRETS_FILE_SCHEMA_VERSION) {
    throw new SecretError(`${path} was written by a newer dd-logstore (schemaVersion ${data.schemaVersion})`, {
      hint: 'upgrade dd-logstore; the file was left untouched',
    });
  }
  const secrets: Record<string, SecretValues> = {};
  for (const [name, values] of Object.entries(data.secrets)) {
    if (!isRecord(values) || !Object.values(values).every((v) => typeof v === 'string')) {
      throw corrupt(path, `secret '${name}' is not an object of string values`);
    }
    secrets[name] = values as SecretValues;
  }
  return { schemaVersion: SECRETS_FILE_SCHEMA_VERSION, secrets };
}

function corrupt(path: string, why: string): SecretError {
  return new SecretError(`the secrets file ${path} is corrupt: ${why}`, {
    hint: 'fix or move it away; dd-logstore never overwrites it',
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
