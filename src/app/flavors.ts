/** Every flavor of every component type: log stores' from the destinations, the others' from the store. */
import { LOG_STORE_SPECS } from '../destinations/index.js';
import { COMPONENT_FLAVORS, unknownFlavor } from '../store/flavors.js';
import type { FlavorSpec } from '../store/flavors.js';
import type { ComponentType } from '../store/model.js';

export function flavorsOf(type: ComponentType): FlavorSpec[] {
  return [...LOG_STORE_SPECS, ...COMPONENT_FLAVORS].filter((f) => f.type === type);
}

export function findFlavor(type: ComponentType, flavor: string): FlavorSpec {
  const spec = flavorsOf(type).find((f) => f.flavor === flavor);
  if (spec) return spec;
  throw unknownFlavor(
    type,
    flavor,
    flavorsOf(type).map((f) => f.flavor),
  );
}
