/** Reading secret values from flags, a JSON file, stdin or prompts, and the index kept in config.json. */
import { readFile } from 'node:fs/promises';
import { CliError, UsageError } from '../../../core/errors.js';
import type { Factory } from '../../../app/factory.js';
import type { StoreConfig } from '../../../store/model.js';
import { envSecretVariables } from '../../../secrets/env-secrets.js';
import { parseSecretRef } from '../../../secrets/references.js';

export const SECRET_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export function checkSecretKeys(values: Record<string, string>): void {
  for (const key of Object.keys(values)) {
    if (!SECRET_KEY_PATTERN.test(key)) {
      throw new UsageError(`invalid secret key '${key}'`, {
        hint: 'use ASCII letters, digits, _ and -, starting with a letter or _',
      });
    }
  }
}

/**
 * An empty value is refused at once, as `log-store register --api_key=` is: stored, it would only fail later and less
 * clearly (an intake's 403, a reference that resolves to nothing).
 */
export function checkNoEmptyValues(values: Record<string, string>, where?: string): void {
  for (const [key, value] of Object.entries(values)) {
    if (value !== '') continue;
    throw new UsageError(where ? `--values: '${key}' in ${where} cannot be empty` : `--${key} cannot be empty`, {
      hint: `give its value, e.g. ${where ? `{"${key}": "..."}` : `--${key}=...`}; an empty secret value would only fail later`,
    });
  }
}

/** `--values=@file.json` or `--values=-` (JSON object on stdin): keeps secrets out of argv and shell history. */
export async function readValuesSource(f: Factory, source: string): Promise<Record<string, string>> {
  let text: string;
  let where: string;
  if (source === '-') {
    where = 'stdin';
    if (f.io.stdinIsTTY) f.io.err('Reading a JSON object from stdin (end with Ctrl-D)...\n');
    const chunks: Buffer[] = [];
    for await (const chunk of f.io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    text = Buffer.concat(chunks).toString('utf8');
  } else if (source.startsWith('@')) {
    where = source.slice(1);
    try {
      text = await readFile(where, 'utf8');
    } catch (err) {
      throw new UsageError(`--values: cannot read ${where}`, {
        hint: 'give a readable JSON file as --values=@path',
        cause: err,
      });
    }
  } else {
    throw new UsageError(`--values must be @FILE or -, got '${source.slice(0, 20)}'`, {
      hint: 'use --values=@secrets.json, --values=- (JSON on stdin) or --key=value flags',
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`--values: ${where} is not valid JSON`, {
      hint: 'give a JSON object such as {"api_key": "..."}',
    });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`--values: ${where} must hold a JSON object of key/value pairs`, {
      hint: '{"api_key": "..."}',
    });
  }
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    // A number is refused, whatever it is: JSON does not keep its text (1.50 parses as 1.5, 1e3 as 1000, a 20-digit
    // id loses its last digits), and a secret's value must be kept as it was typed. `true`/`false` have one text.
    if (typeof v === 'string' || typeof v === 'boolean') {
      values[k] = String(v);
      continue;
    }
    const got =
      typeof v === 'number'
        ? 'a number (JSON does not keep its digits as written)' // not shown: it is a secret's value
        : v === null
          ? 'null'
          : Array.isArray(v)
            ? 'an array'
            : `${typeof v === 'object' ? 'an object' : typeof v}`;
    throw new UsageError(`--values: the value of '${k}' in ${where} must be a string, got ${got}`, {
      hint: `${typeof v === 'number' ? 'quote it' : 'give it as a string'}: {"${k}": "..."}`,
    });
  }
  checkNoEmptyValues(values, where);
  return values;
}

/** Asks for keys and masked values on a terminal; never when stdin is not a TTY or CI is set. */
export async function promptValues(f: Factory, name: string): Promise<Record<string, string>> {
  if (!f.io.canPrompt) {
    throw new UsageError('-i needs an interactive terminal (stdin is not a TTY or CI is set)', {
      hint: `pass the values as --key=value, --values=@file.json or --values=- on stdin`,
    });
  }
  const { input, password } = await import('@inquirer/prompts');
  const values: Record<string, string> = {};
  f.io.err(`Enter the keys of secret '${name}'; an empty key name finishes.\n`);
  for (;;) {
    const key = (await input({ message: 'key name:' })).trim();
    if (key === '') break;
    if (!SECRET_KEY_PATTERN.test(key)) {
      f.warn(`invalid key '${key}': use ASCII letters, digits, _ and -`);
      continue;
    }
    const value = await password({ message: `value of ${key}:`, mask: '*' });
    if (value === '') {
      f.warn(`the value of ${key} cannot be empty: enter the key again with its value`);
      continue;
    }
    values[key] = value;
  }
  return values;
}

export function secretNotFound(config: StoreConfig, name: string, env: NodeJS.ProcessEnv = {}): CliError {
  // CI gives secrets as variables: they fill references, but are no stored secret to show, change or delete.
  const fromEnv = envSecretVariables(env, name);
  if (fromEnv.length > 0)
    return new CliError(`no secret named '${name}' is stored`, {
      hint: `${fromEnv.join(', ')} in the environment ${fromEnv.length === 1 ? 'fills' : 'fill'} only '{{${name}.KEY}}' references`,
    });
  const names = Object.keys(config.secrets);
  return new CliError(`no secret named '${name}'`, {
    hint: names.length ? `secrets: ${names.join(', ')}` : `create it: dd-logstore secret create ${name} --KEY=VALUE`,
  });
}

/** Components whose config refers to the secret (or to that key of it), as `type/name`. */
export function componentsReferring(config: StoreConfig, secret: string, key?: string): string[] {
  const out: string[] = [];
  // The references `run` resolves, parsed as it parses them (references.ts): a value that is exactly one.
  const refers = (v: unknown): boolean => {
    const ref = typeof v === 'string' ? parseSecretRef(v) : undefined;
    return ref !== undefined && ref.name === secret && (key === undefined || ref.key === key);
  };
  for (const [type, byName] of Object.entries(config.components)) {
    for (const c of Object.values(byName)) {
      if (Object.values(c.config).some(refers)) {
        out.push(`${type}/${c.name}`);
      }
    }
  }
  return out;
}
