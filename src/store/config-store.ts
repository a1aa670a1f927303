/**
 * config.json: read, and changed only under the lock with an atomic write, so concurrent commands never lose an
 * update and a crash never leaves half a file. A corrupt or newer-schema file is reported, never overwritten. The
 * file calls are synchronous: one small file read once per command, on `run`'s start-up path, where the thread
 * pool's round trips (and loading node:fs/promises) cost more than the reads (docs/performance.md, start-up).
 */
import { randomUUID } from '../core/random.js';
import { readFileSync, statSync, type Stats } from 'node:fs';
import { makeDirsSync } from '../core/fs/make-dirs.js';
import { StoreError } from '../core/errors.js';
import { writeFileAtomicSync } from '../core/fs/atomic-write.js';
import { withFileLock } from '../core/fs/file-lock.js';
import { modeText, unsafeMode } from '../core/fs/file-modes.js';
import { COMPONENT_TYPES, DEFAULT_NAME, SCHEMA_VERSION } from './model.js';
import type { Component, ComponentType, StoreConfig } from './model.js';
import type { StorePaths } from './paths.js';
import { fileInTheWay } from './path-option.js';

export interface ConfigStore {
  readonly paths: StorePaths;
  /** The current config; the first call on a fresh home creates the embedded default stack. */
  read(): Promise<StoreConfig>;
  /** Runs `change` on a fresh copy under the lock and writes the result atomically, unless it throws. */
  update<T>(change: (config: StoreConfig) => T | Promise<T>): Promise<T>;
}

export interface ConfigStoreOptions {
  now?: () => Date;
  /** Hears that the home can be read by others (once per process). */
  warn?: (message: string) => void;
}

export function createConfigStore(paths: StorePaths, options: ConfigStoreOptions = {}): ConfigStore {
  const now = options.now ?? (() => new Date());
  let homeChecked = false;
  /** As ssh: a home or config.json others can write is refused; a home others can read is warned about. */
  const checkModes = (): void => {
    if (!homeChecked) {
      const home = statOrUndefined(paths.home);
      if (home === undefined) return;
      if (!home.isDirectory()) throw homeNotADirectory(paths);
      homeChecked = true;
      const unsafe = unsafeMode(paths.home, home, 0o022, 'dd-logstore home');
      if (unsafe) throw new StoreError(unsafe.message, { hint: unsafe.hint });
      if ((home.mode & 0o077) !== 0) {
        options.warn?.(
          `${paths.home} (the dd-logstore home) can be read by other users (mode ${modeText(home.mode)}): so can ` +
            `the output that runs captured and the run records in it (chmod 700 ${paths.home})`,
        );
      }
    }
    const config = statOrUndefined(paths.config);
    const unsafe = config && unsafeMode(paths.config, config, 0o022, 'config');
    if (unsafe) throw new StoreError(unsafe.message, { hint: unsafe.hint });
  };
  const load = (): StoreConfig | undefined => {
    checkModes();
    let text: string;
    try {
      text = readFileSync(paths.config, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      // A file where the home or one of its parents must be a directory (DD_LOGSTORE_HOME=/etc/hostname/x).
      if (code === 'ENOTDIR') throw homeNotADirectory(paths);
      throw new StoreError(`cannot read ${paths.config}`, { hint: 'check its permissions', cause: err });
    }
    return parseConfig(text, paths.config);
  };

  const ensureHome = () => {
    if (statOrUndefined(paths.home)?.isDirectory() === false) throw homeNotADirectory(paths);
    try {
      makeDirsSync(paths.home, 0o700);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw homeNotADirectory(paths);
      throw new StoreError(`cannot create the dd-logstore home ${paths.home}`, {
        hint: 'set DD_LOGSTORE_HOME to a writable directory',
        cause: err,
      });
    }
  };

  const write = (config: StoreConfig) => {
    try {
      writeFileAtomicSync(paths.config, JSON.stringify(config, null, 2) + '\n', 0o600);
    } catch (err) {
      throw new StoreError(`cannot write ${paths.config}`, {
        hint: 'check free disk space and permissions',
        cause: err,
      });
    }
  };

  return {
    paths,
    async read() {
      const existing = load();
      if (existing) return existing;
      ensureHome();
      return withFileLock(paths.lock, async () => {
        const again = load();
        if (again) return again;
        const fresh = defaultConfig(now());
        write(fresh);
        return fresh;
      });
    },
    async update(change) {
      ensureHome();
      return withFileLock(paths.lock, async () => {
        const config = load() ?? defaultConfig(now());
        const result = await change(config);
        write(config);
        return result;
      });
    },
  };
}

/** One line instead of a mode warning and "cannot read <file>/config.json". */
function homeNotADirectory(paths: StorePaths): StoreError {
  const file = fileInTheWay(paths.home) ?? paths.home;
  const what = file === paths.home ? 'is not a directory' : `is under ${file}, a file`;
  return new StoreError(`${paths.homeFrom} (${paths.home}) ${what}`, {
    hint:
      paths.homeFrom === 'DD_LOGSTORE_HOME'
        ? 'point DD_LOGSTORE_HOME at a directory, or unset it'
        : `move the file ${file} aside`,
  });
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

export function parseConfig(text: string, file: string): StoreConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StoreError(`${file} is not valid JSON (${(err as Error).message})`, {
      hint: 'fix the file by hand or move it aside to start over; it was left unchanged',
      cause: err,
    });
  }
  if (!isRecord(data) || typeof data.schemaVersion !== 'number') {
    throw new StoreError(`${file} is not a dd-logstore config (no schemaVersion)`, {
      hint: 'fix the file by hand or move it aside to start over; it was left unchanged',
    });
  }
  if (data.schemaVersion > SCHEMA_VERSION) {
    throw new StoreError(
      `${file} has schema version ${data.schemaVersion}, newer than this dd-logstore understands (${SCHEMA_VERSION})`,
      {
        hint: 'upgrade dd-logstore (npm install -g dd-logstore@latest); the file was left unchanged',
      },
    );
  }
  const ok =
    isRecord(data.components) &&
    COMPONENT_TYPES.every((t) => isRecord((data as { components: Record<string, unknown> }).components[t])) &&
    isRecord(data.stacks) &&
    isRecord(data.secrets) &&
    typeof data.activeStack === 'string';
  if (!ok) {
    throw new StoreError(`${file} is missing components, stacks, secrets or activeStack`, {
      hint: 'fix the file by hand or move it aside to start over; it was left unchanged',
    });
  }
  const components = data.components as Record<string, Record<string, unknown>>;
  for (const type of COMPONENT_TYPES) {
    for (const [name, c] of Object.entries(components[type] ?? {})) {
      const problem = componentProblem(c);
      if (problem !== undefined) {
        throw new StoreError(`${file}: ${type} '${name}' ${problem}`, {
          hint: 'fix the file by hand (see dd-logstore log-store flavor list); it was left unchanged',
        });
      }
    }
  }
  return data as unknown as StoreConfig;
}

/** A component id: a UUID when dd-logstore made it; never a path (no '/', not '.' or '..'). */
const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** The shape every reader of a component relies on; the values themselves are checked where they are used. */
function componentProblem(c: unknown): string | undefined {
  if (!isRecord(c)) return 'is not an object';
  for (const key of ['id', 'name', 'flavor'] as const) {
    if (typeof c[key] !== 'string' || c[key] === '')
      return `has ${key}=${JSON.stringify(c[key]) ?? 'nothing'}: it must be a non-empty string`;
  }
  // The id names directories (spool/<id>/ and the like): a path in it would put them outside the home.
  if (!SAFE_ID.test(c.id as string))
    return `has id=${JSON.stringify(c.id)}: it names a directory, so only letters, digits, '.', '_' and '-' (as the UUID it was given)`;
  if (!isRecord(c.config)) return 'has no config object';
  for (const [key, value] of Object.entries(c.config)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      return `has ${key}=${JSON.stringify(value)}: a config value must be a string or a number`;
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function defaultConfig(at: Date): StoreConfig {
  const ts = at.toISOString();
  const component = (type: ComponentType): Component => ({
    id: randomUUID(),
    name: DEFAULT_NAME,
    type,
    flavor: 'local',
    config: {},
    createdAt: ts,
    updatedAt: ts,
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    activeStack: DEFAULT_NAME,
    components: {
      'log-store': { [DEFAULT_NAME]: component('log-store') },
      'artifact-store': { [DEFAULT_NAME]: component('artifact-store') },
      orchestrator: { [DEFAULT_NAME]: component('orchestrator') },
    },
    stacks: {
      [DEFAULT_NAME]: {
        id: randomUUID(),
        name: DEFAULT_NAME,
        components: { 'artifact-store': DEFAULT_NAME, orchestrator: DEFAULT_NAME, 'log-store': DEFAULT_NAME },
        createdAt: ts,
        updatedAt: ts,
      },
    },
    secrets: {},
  };
}
