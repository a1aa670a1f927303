/**
 * The home-wide settings `dd-logstore config` reads and writes (config.json `settings`), each with its allowed values,
 * the environment variable that overrides it and its default. Only keys listed here can be set.
 */
import { UsageError } from '../../../core/errors.js';
import { didYouMean } from '../../../store/did-you-mean.js';
import type { StoreConfig } from '../../../store/model.js';
import { SECRETS_BACKEND_ENV } from '../../../secrets/env-secrets.js';
import {
  DEFAULT_SECRET_BACKEND,
  SECRET_BACKEND_KINDS,
  SECRETS_BACKEND_SETTING,
  parseSecretBackendKind,
} from '../../../secrets/backend-kind.js';

export interface SettingSpec {
  key: string;
  description: string;
  choices: readonly string[];
  default: string;
  /** The variable that wins over the setting. */
  env: string;
  /** The value as stored, or a usage error naming the key and the valid values. */
  parse(raw: string): string;
}

export const SETTINGS: readonly SettingSpec[] = [
  {
    key: SECRETS_BACKEND_SETTING,
    description: 'where new secrets are kept: keyring (the OS keychain) or file (<home>/secrets.json)',
    choices: SECRET_BACKEND_KINDS,
    default: DEFAULT_SECRET_BACKEND,
    env: SECRETS_BACKEND_ENV,
    parse: (raw) => parseSecretBackendKind(raw, SECRETS_BACKEND_SETTING),
  },
];

export function findSetting(key: string): SettingSpec {
  const spec = SETTINGS.find((s) => s.key === key);
  if (spec) return spec;
  const keys = SETTINGS.map((s) => s.key);
  const guess = didYouMean(key, keys);
  throw new UsageError(`unknown config key '${key}'`, {
    hint: `${guess ? `did you mean ${guess}? ` : ''}keys: ${keys.join(', ')}; see dd-logstore config list`,
  });
}

export type SettingSource = 'env' | 'config' | 'default';

/** The value in effect and where it comes from: the variable, config.json, or the default. */
export function effectiveSetting(
  spec: SettingSpec,
  config: StoreConfig,
  env: NodeJS.ProcessEnv,
): { value: string; source: SettingSource } {
  const fromEnv = env[spec.env];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { value: spec.parse(fromEnv), source: 'env' };
  const stored = config.settings?.[spec.key];
  if (stored !== undefined && stored !== '') return { value: spec.parse(stored), source: 'config' };
  return { value: spec.default, source: 'default' };
}
