/** Lookups and display rules shared by the component commands. */
import { UsageError } from '../../../core/errors.js';
import { MASK } from '../../../io/redact.js';
import { maskUrlPassword } from '../../../io/url-credentials.js';
import { parseSecretRef } from '../../../secrets/references.js';
import { NAME_PATTERN } from '../../../store/model.js';
import type { Component, ComponentType, ConfigValue, StoreConfig } from '../../../store/model.js';
import { findFlavor } from '../../../app/flavors.js';

export function checkName(kind: string, name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new UsageError(`invalid ${kind.replace('-', ' ')} name '${name}'`, {
      hint: 'use ASCII letters, digits, _ and -, starting with a letter or digit, at most 64 characters',
    });
  }
}

export function stacksUsing(config: StoreConfig, type: ComponentType, name: string): string[] {
  return Object.values(config.stacks)
    .filter((s) => s.components[type] === name)
    .map((s) => s.name);
}

/** Config as shown by list/describe: references as written, literal secrets (and a URL's password) as ****. */
export function displayConfig(component: Component): Record<string, ConfigValue> {
  const spec = findFlavor(component.type, component.flavor);
  const out: Record<string, ConfigValue> = {};
  for (const [key, value] of Object.entries(component.config)) {
    const keySpec = spec.keys.find((k) => k.key === key);
    out[key] = keySpec?.secret
      ? maskSecretValue(key, value)
      : typeof value === 'string'
        ? maskUrlPassword(value)
        : value;
  }
  return out;
}

function maskSecretValue(key: string, value: ConfigValue): ConfigValue {
  if (typeof value !== 'string' || value === '' || parseSecretRef(value)) return value;
  if (key === 'headers') {
    return value
      .split(',')
      .map((h) => {
        const eq = h.indexOf('=');
        const v = h.slice(eq + 1).trim();
        return eq === -1 || parseSecretRef(v) ? h : `${h.slice(0, eq)}=${MASK}`;
      })
      .join(',');
  }
  return MASK;
}

export function componentJson(config: StoreConfig, component: Component): Record<string, unknown> {
  return {
    id: component.id,
    name: component.name,
    type: component.type,
    flavor: component.flavor,
    config: displayConfig(component),
    stacks: stacksUsing(config, component.type, component.name),
    createdAt: component.createdAt,
    updatedAt: component.updatedAt,
  };
}

/**
 * Warnings for references whose secret or key is not known yet (registering before creating is allowed): one per
 * secret, whose fix names every key the component needs of it, so that following it once is enough (a warning per
 * reference made `secret create k --api_key=...` the fix of the first and `create k --app=...` of the second, which
 * then failed: 'k' exists).
 */
export function referenceWarnings(
  config: StoreConfig,
  env: NodeJS.ProcessEnv,
  references: { key: string; secret: string; secretKey: string }[],
  envName: (secret: string, key: string) => string,
): string[] {
  const missing = new Map<string, { flags: string[]; keys: string[] }>();
  for (const ref of references) {
    if (env[envName(ref.secret, ref.secretKey)] !== undefined) continue;
    const entry = config.secrets[ref.secret];
    if (entry?.keys.includes(ref.secretKey)) continue;
    const m = missing.get(ref.secret) ?? { flags: [], keys: [] };
    missing.set(ref.secret, m);
    if (!m.flags.includes(ref.key)) m.flags.push(ref.key);
    if (!m.keys.includes(ref.secretKey)) m.keys.push(ref.secretKey);
  }
  const warnings: string[] = [];
  for (const [secret, { flags, keys }] of missing) {
    const entry = config.secrets[secret];
    const refer = `${listWords(flags.map((k) => `--${k}`))} ${flags.length === 1 ? 'refers' : 'refer'} to`;
    const values = keys.map((k) => `--${k}=...`).join(' ');
    if (!entry) {
      warnings.push(
        `${refer} secret '${secret}', which does not exist yet (create it: dd-logstore secret create ${secret} ${values})`,
      );
    } else {
      const what = keys.length === 1 ? `key '${keys[0]!}'` : `keys ${keys.map((k) => `'${k}'`).join(', ')}`;
      warnings.push(
        `${refer} ${what} of secret '${secret}', which has only: ${entry.keys.join(', ')} ` +
          `(add ${keys.length === 1 ? 'it' : 'them'}: dd-logstore secret update ${secret} ${values})`,
      );
    }
  }
  return warnings;
}

/** `a`, `a and b`, `a, b and c`. */
function listWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]!}`;
}
