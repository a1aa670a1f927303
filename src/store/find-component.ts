/** The component of a type by name, or an error that lists the registered ones. */
import { CliError } from '../core/errors.js';
import type { Component, ComponentType, StoreConfig } from './model.js';
import { componentNoun } from './model.js';

export function findComponent(config: StoreConfig, type: ComponentType, name: string): Component {
  const found = config.components[type][name];
  if (found) return found;
  const names = Object.keys(config.components[type]);
  throw new CliError(`no ${componentNoun(type)} named '${name}'`, {
    hint: names.length
      ? `registered ${componentNoun(type)}s: ${names.join(', ')}`
      : `register one with dd-logstore ${type} register ${name} --flavor=...`,
  });
}
