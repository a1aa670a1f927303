/**
 * Config keys and their validation, and the flavors of the component types that are not log stores (a log store's
 * flavors are its destinations: src/destinations). Values arrive as strings from the command line (`--key=value`)
 * and leave as typed config values, or as a UsageError naming the key and the fix.
 */
import { resolve as resolvePath } from 'node:path';
import { UsageError } from '../core/errors.js';
import { checkTag } from '../core/tags.js';
import { didYouMean } from './did-you-mean.js';
import { expandTilde, fileInTheWay } from './path-option.js';
import { isMalformedSecretRef, parseSecretRef } from '../secrets/references.js';
import type { ComponentType, ConfigValue } from './model.js';
import { componentNoun } from './model.js';

type KeyKind = 'string' | 'int' | 'enum' | 'url' | 'custom' | 'tags' | 'headers' | 'path';

export interface KeySpec {
  key: string;
  kind: KeyKind;
  description: string;
  required?: boolean;
  /** Shown in `flavor list` and applied on use. */
  default?: ConfigValue;
  /** Default described in words when it depends on the machine (home, package version). */
  defaultText?: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Values above are capped to this with a warning (Datadog's 1000 items per request). */
  cap?: number;
  /** What the cap is, for that warning: "Datadog's limit of 1000 logs per request". */
  capReason?: string;
  /** Holds a credential: a literal value gets a warning suggesting a secret reference. */
  secret?: boolean;
  /** kind 'custom': the flavor's own parser (e.g. a Datadog site); throws a UsageError naming `flag`. */
  parse?: (raw: string, flag: string, warnings: string[]) => ConfigValue;
}

export interface FlavorSpec {
  type: ComponentType;
  flavor: string;
  description: string;
  keys: readonly KeySpec[];
}

/** The flavors of the other component types; log stores' come from the destinations. */
export const COMPONENT_FLAVORS: readonly FlavorSpec[] = [
  {
    type: 'artifact-store',
    flavor: 'local',
    description: 'a directory on this machine',
    keys: [{ key: 'path', kind: 'path', defaultText: '<home>/artifacts', description: 'directory for artifacts' }],
  },
  {
    type: 'orchestrator',
    flavor: 'local',
    description: 'runs steps on this machine, one after the other',
    keys: [],
  },
];

export interface ValidatedConfig {
  config: Record<string, ConfigValue>;
  warnings: string[];
  /** Secret references found, as `name.key`, for checking that the secrets exist. */
  references: { key: string; secret: string; secretKey: string }[];
}

/**
 * Checks user-given values against a flavor. With `partial` (update), required keys may be absent because the
 * stored config already has them; the caller validates the merged result again without `partial`.
 */
export function validateConfig(
  spec: FlavorSpec,
  given: Record<string, string>,
  partial = false,
  /** Keys stored before (update's merged check): an empty value there is let through, as run lets it through. */
  stored: readonly string[] = [],
): ValidatedConfig {
  const known = spec.keys.map((k) => k.key);
  const config: Record<string, ConfigValue> = {};
  const warnings: string[] = [];
  const references: ValidatedConfig['references'] = [];
  for (const [key, raw] of Object.entries(given)) {
    const keySpec = spec.keys.find((k) => k.key === key);
    if (!keySpec) {
      const guess = didYouMean(key, known);
      const valid = known.length ? `valid keys: ${known.map((k) => `--${k}`).join(', ')}` : 'this flavor takes no keys';
      throw new UsageError(`unknown key --${key} for the ${spec.flavor} ${componentNoun(spec.type)} flavor`, {
        hint: guess ? `did you mean --${guess}? see dd-logstore ${spec.type} flavor list` : valid,
      });
    }
    const ref = parseSecretRef(raw);
    if (ref) {
      if (keySpec.kind === 'int' || keySpec.kind === 'enum' || keySpec.kind === 'custom') {
        throw new UsageError(`--${key} cannot be a secret reference`, { hint: 'give the value itself' });
      }
      references.push({ key, secret: ref.name, secretKey: ref.key });
      config[key] = raw;
      continue;
    }
    if (keySpec.kind === 'headers') {
      // Header values may each be a reference: --headers=Authorization={{otel.token}},X-Team=ml
      config[key] = parseValue(keySpec, raw, warnings);
      for (const [name, value] of parseHeaders(raw)) {
        const headerRef = parseSecretRef(value);
        if (headerRef) references.push({ key: `${key} ${name}`, secret: headerRef.name, secretKey: headerRef.key });
        else if (isMalformedSecretRef(value)) {
          throw new UsageError(`--${key} has a malformed secret reference '${value}' for header ${name}`, {
            hint: 'write it as name={{secret_name.key}}',
          });
        } else if (value !== '') {
          warnings.push(
            `--${key} value of ${name} is stored in plain text in config.json; a secret reference keeps it in the keychain (${name}={{NAME.KEY}})`,
          );
        }
      }
      continue;
    }
    if (isMalformedSecretRef(raw)) {
      throw new UsageError(`--${key} has a malformed secret reference '${raw}'`, {
        hint: 'write it as {{secret_name.key}}, e.g. {{datadog_keys.api_key}}',
      });
    }
    // An empty required key is a value the user typed: say so, rather than that the flag is missing.
    // Only on the command line: a stored one (a hand edit) gets "the flavor needs --key" from the check below.
    if (keySpec.required && raw.trim() === '' && !stored.includes(key)) {
      throw new UsageError(`--${key} cannot be empty`, {
        hint: `the ${spec.flavor} ${componentNoun(spec.type)} flavor needs it: ${requiredKeyExample(keySpec)}`,
      });
    }
    // `--service_name=` would ship every record with an empty service (and Datadog's Logs Explorer link, built with
    // the default, would find none of them). Only on the command line: a stored empty value keeps working as before.
    if (keySpec.kind === 'string' && !keySpec.required && raw.trim() === '' && !stored.includes(key)) {
      const dflt = keySpec.default !== undefined ? String(keySpec.default) : keySpec.defaultText;
      throw new UsageError(`--${key} cannot be empty`, {
        hint: `give a value, or leave it out for the default${dflt !== undefined ? ` (${dflt})` : ''}${partial ? `: --remove-key ${key}` : ''}`,
      });
    }
    const value = parseValue(keySpec, raw, warnings);
    // A tag naming an attribute dd-logstore sets, or with no value (`--tags=env:$ENV`, the variable unset). Only on
    // the command line: one an older version stored is still shipped as it was, and `run` does not refuse it.
    if (keySpec.kind === 'tags' && !stored.includes(key)) {
      for (const tag of splitList(raw)) {
        const check = checkTag(tag);
        if (check === 'reserved')
          throw new UsageError(`--${key} has '${tag}', which names an attribute dd-logstore sets itself`, {
            hint: 'zenml.* and dd_logstore.* say whose record it is: give the tag another key',
          });
        if (check === 'no value')
          throw new UsageError(`--${key} has a tag with no value, '${tag}'`, {
            hint: `give it one, e.g. --${key}=${tag.slice(0, tag.indexOf(':') + 1)}ml, or leave it out`,
          });
      }
    }
    // Only on the command line: a stored path is checked where it is used, and run's start-up does no extra stat.
    const file = keySpec.kind === 'path' ? fileInTheWay(String(value)) : undefined;
    if (file !== undefined) {
      throw new UsageError(
        file === value ? `--${key} ${file} is a file, not a directory` : `--${key} ${value} is under ${file}, a file`,
        { hint: `give a directory, e.g. --${key}=~/dd-logstore-logs` },
      );
    }
    config[key] = value;
    if (keySpec.secret && value !== '') {
      warnings.push(
        `--${key} is stored in plain text in config.json; a secret reference keeps it in the keychain ` +
          `(dd-logstore secret create NAME --${key}=...; then --${key}='{{NAME.${key}}}')`,
      );
    }
  }
  if (!partial) {
    const missing = spec.keys.filter((k) => k.required && (config[k.key] === undefined || config[k.key] === ''));
    if (missing.length) {
      const first = missing[0]!;
      throw new UsageError(
        `the ${spec.flavor} ${componentNoun(spec.type)} flavor needs --${missing.map((k) => k.key).join(' and --')}`,
        { hint: requiredKeyExample(first) },
      );
    }
  }
  return { config, warnings, references };
}

/** How to give a required key: a secret reference for a secret, a URL for a URL. */
function requiredKeyExample(k: KeySpec): string {
  if (k.secret)
    return `e.g. --${k.key}='{{datadog_keys.${k.key}}}' after dd-logstore secret create datadog_keys --${k.key}=...`;
  return k.kind === 'url' ? `e.g. --${k.key}=https://host:4318` : `e.g. --${k.key}=...`;
}

function parseValue(spec: KeySpec, raw: string, warnings: string[]): ConfigValue {
  const flag = `--${spec.key}`;
  switch (spec.kind) {
    case 'int': {
      const trimmed = raw.trim();
      if (!/^-?\d+$/.test(trimmed)) {
        throw new UsageError(`${flag} must be a whole number, got '${raw}'`, { hint: rangeHint(spec) });
      }
      let n = Number.parseInt(trimmed, 10);
      if (
        !Number.isSafeInteger(n) ||
        (spec.min !== undefined && n < spec.min) ||
        (spec.max !== undefined && n > spec.max)
      ) {
        throw new UsageError(`${flag} is out of range: ${raw}`, { hint: rangeHint(spec) });
      }
      if (spec.cap !== undefined && n > spec.cap) {
        warnings.push(`${flag}=${n} is above ${spec.capReason ?? `the limit of ${spec.cap}`}; using ${spec.cap}`);
        n = spec.cap;
      }
      return n;
    }
    case 'enum':
      if (!spec.choices?.includes(raw)) {
        const guess = didYouMean(raw, spec.choices ?? []);
        throw new UsageError(`${flag} must be one of ${spec.choices?.join(', ')}, got '${raw}'`, {
          hint: guess ? `did you mean ${flag}=${guess}?` : `e.g. ${flag}=${spec.choices?.[0] ?? ''}`,
        });
      }
      return raw;
    case 'custom':
      return spec.parse ? spec.parse(raw, flag, warnings) : raw;
    case 'url': {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new UsageError(`${flag} must be a URL, got '${raw}'`, { hint: `e.g. ${flag}=https://host:4318` });
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new UsageError(`${flag} must be an http or https URL, got '${raw}'`, {
          hint: `e.g. ${flag}=https://host:4318`,
        });
      }
      return raw.replace(/\/+$/, '');
    }
    case 'tags':
      for (const tag of splitList(raw)) {
        if (checkTag(tag) === 'malformed') {
          throw new UsageError(`${flag} has a malformed tag '${tag}'`, {
            hint: `write tags as ${flag}=team:ml,env:prod`,
          });
        }
      }
      return splitList(raw).join(',');
    case 'headers':
      for (const header of splitList(raw)) {
        if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+=.*$/.test(header)) {
          throw new UsageError(`${flag} has a malformed header '${header.split('=')[0] ?? ''}'`, {
            hint: `write headers as ${flag}=name=value,other=value`,
          });
        }
      }
      return raw;
    case 'path':
      if (raw.trim() === '')
        throw new UsageError(`${flag} cannot be empty`, { hint: `e.g. ${flag}=/var/log/dd-logstore` });
      // Stored absolute: a relative path would point somewhere else from every other directory.
      return resolvePath(expandTilde(raw));
    case 'string':
      return raw;
  }
}

/**
 * Why a value stored in config.json (edited by hand, or by an older version) is not valid for its key, or undefined:
 * the same rules as on the command line, on what the file holds. A secret reference is checked when it resolves.
 */
export function storedValueProblem(
  spec: KeySpec,
  value: ConfigValue | undefined,
  warnings: string[] = [],
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && parseSecretRef(value) !== undefined) return undefined;
  if (spec.kind === 'int' ? typeof value !== 'number' && typeof value !== 'string' : typeof value !== 'string') {
    return `${spec.key} must be ${spec.kind === 'int' ? 'a whole number' : 'a string'}, got ${JSON.stringify(value)}`;
  }
  try {
    // A value above a key's cap is used capped, with the same warning as on the command line (without the `--`).
    // Only that one: a flavor's own parser may warn too (an unknown Datadog site), which register said already.
    const said: string[] = [];
    parseValue(spec, String(value), said);
    if (spec.kind === 'int')
      for (const line of said) warnings.push(line.startsWith(`--${spec.key}`) ? line.slice(2) : line);
    return undefined;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const what = err.message.startsWith(`--${spec.key}`) ? err.message.slice(2) : err.message;
    return err.hint ? `${what}; ${err.hint}` : what;
  }
}

function rangeHint(spec: KeySpec): string {
  const min = spec.min ?? 0;
  const upper = spec.max ?? spec.cap;
  return upper !== undefined ? `use a number from ${min} to ${upper}` : `use a number of at least ${min}`;
}

/** `name=value,name=value` as pairs (values may contain `=`). */
export function parseHeaders(raw: string): [string, string][] {
  return splitList(raw).map((pair) => {
    const eq = pair.indexOf('=');
    return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
  });
}

export function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The config with defaults filled in, for use (not for storing). */
export function withDefaults(spec: FlavorSpec, config: Record<string, ConfigValue>): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const k of spec.keys) if (k.default !== undefined) out[k.key] = k.default;
  return { ...out, ...config };
}

/** The error for a flavor name that is not one of `names`. */
export function unknownFlavor(type: ComponentType, flavor: string, names: readonly string[]): UsageError {
  const guess = didYouMean(flavor, names);
  return new UsageError(`unknown ${componentNoun(type)} flavor '${flavor}'`, {
    hint: `${guess ? `did you mean --flavor=${guess}? ` : ''}valid flavors: ${names.join(', ')}`,
  });
}
