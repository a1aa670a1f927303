/** The shapes kept in config.json: components, stacks, the secrets index (names and key names, never values). */
export const SCHEMA_VERSION = 1;

export const COMPONENT_TYPES = ['log-store', 'artifact-store', 'orchestrator'] as const;
export type ComponentType = (typeof COMPONENT_TYPES)[number];

export type ConfigValue = string | number;

export interface Component {
  id: string;
  name: string;
  type: ComponentType;
  flavor: string;
  /** Only the values the user gave, as written (references unresolved); defaults are applied on use. */
  config: Record<string, ConfigValue>;
  createdAt: string;
  updatedAt: string;
}

export interface Stack {
  id: string;
  name: string;
  components: Record<ComponentType, string>;
  createdAt: string;
  updatedAt: string;
}

export interface SecretIndexEntry {
  keys: string[];
  backend: string;
  createdAt: string;
  updatedAt: string;
}

export interface StoreConfig {
  schemaVersion: number;
  activeStack: string;
  components: Record<ComponentType, Record<string, Component>>;
  stacks: Record<string, Stack>;
  secrets: Record<string, SecretIndexEntry>;
  /** Home-wide defaults set with `dd-logstore config set KEY VALUE` (e.g. `secrets.backend`); absent until set. */
  settings?: Record<string, string>;
}

export const DEFAULT_NAME = 'default';

/** Short flags of `stack register`, as in ZenML. */
export const STACK_FLAGS: Record<ComponentType, { short: string; long: string }> = {
  'artifact-store': { short: 'a', long: 'artifact-store' },
  orchestrator: { short: 'o', long: 'orchestrator' },
  'log-store': { short: 'ls', long: 'log-store' },
};

export function isComponentType(s: string): s is ComponentType {
  return (COMPONENT_TYPES as readonly string[]).includes(s);
}

/** Names for components, stacks and secrets: what is safe in a file name, an env var and a reference. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A component type in prose: `log store`, `artifact store`, `orchestrator` (the command word keeps its hyphen). */
export function componentNoun(type: ComponentType): string {
  return type.replace('-', ' ');
}

/** With its article: `a log store`, `an artifact store`, `an orchestrator`. */
export function aComponent(type: ComponentType): string {
  const noun = componentNoun(type);
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}
