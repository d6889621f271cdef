import { isObject, type JsonObject } from '../../model/experiment.js';
import type { ControlLevel } from './declaration.js';
import { listOf } from './declaration.js';

/**
 * The controls a hook applies at one level, as chaoslib 1.45's get_context_controls picks them:
 * the global ones, then the context's own (globals first since chaostoolkit-lib#261); at the
 * hypothesis and activity levels the top-level `automatic` controls are put in front (once per
 * local or global control, a chaoslib quirk kept so a file behaves the same); the method and
 * rollback levels use only the top-level automatic controls when the file has any. `ref` entries
 * bring in the top-level control they name.
 */
export function contextControls(
  level: ControlLevel,
  experiment: JsonObject,
  context: JsonObject,
  globals: readonly JsonObject[],
): JsonObject[] {
  const topLevel = listOf(experiment.controls).filter(isObject);
  const controls = [...globals, ...listOf(context.controls).filter(isObject)];
  if (topLevel.length === 0) return controls;
  const automatic = () => topLevel.filter((control) => control.automatic !== false).map(copy);
  if (controls.length === 0) return automatic();
  if (level === 'method' || level === 'rollback') return automatic();
  for (const control of [...controls]) {
    if ('ref' in control) {
      const target = topLevel.find((top) => top.name === control.ref);
      if (target) controls.push(copy(target));
      continue;
    }
    for (const top of [...topLevel].reverse()) {
      if (control.name === top.name) continue;
      if (level !== 'experiment' && top.automatic !== false) controls.unshift(copy(top));
    }
  }
  return controls;
}

const copy = (control: JsonObject): JsonObject => structuredClone(control);
