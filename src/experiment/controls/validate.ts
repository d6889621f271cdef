import { isObject, type JsonObject } from '../../model/experiment.js';
import { InvalidActivity } from '../errors.js';
import type { PythonRuntime } from '../python/interpreter.js';
import { declaredControls } from './declaration.js';
import { InvalidControl } from './errors.js';
import { loadControlModules, moduleKey } from './load.js';
import { nativeControl, type ProbeCheck } from './native.js';

export interface ControlValidation {
  /** Controls from the settings file (or --control-file), each with its `name`. */
  globals: readonly JsonObject[];
  baseDirectory: string;
  /** The validation's Python interpreter, the one that imported the activities' modules. */
  python: PythonRuntime;
  warn(message: string): void;
  checkProbe: ProbeCheck;
}

/**
 * chaoslib's validate_controls, with its messages, and then more: every control module is
 * loaded (a control that cannot be loaded stops the run here, before anything is injected,
 * where chaoslib only warns) and asked through its validate_control where it has one.
 */
export async function validateControls(experiment: JsonObject, options: ControlValidation): Promise<void> {
  const controls = [...declaredControls(experiment), ...options.globals];
  const names = controls.filter((control) => !('ref' in control) && 'name' in control).map((c) => c.name);
  for (const control of controls) {
    if ('ref' in control && !names.includes(control.ref)) {
      throw new InvalidControl(
        `Control reference '${String(control.ref)}' declaration cannot be found: a ref names a top-level control`,
      );
    }
    if (!('name' in control)) throw new InvalidControl('A control must have a `name` property');
    const name = String(control.name);
    if (!('provider' in control))
      throw new InvalidControl(`Control '${name}' must have a \`provider\` property`);
    if (
      control.scope !== undefined &&
      control.scope !== null &&
      control.scope !== 'before' &&
      control.scope !== 'after'
    ) {
      throw new InvalidControl(
        `Control '${name}' scope property must be 'before' or 'after' only (received ${JSON.stringify(control.scope)})`,
      );
    }
    if (control.automatic !== undefined && typeof control.automatic !== 'boolean') {
      throw new InvalidControl(
        `Control '${name}' automatic property must be true or false, received ${JSON.stringify(control.automatic)}`,
      );
    }
    const provider = control.provider;
    if (!isObject(provider)) {
      throw new InvalidControl(
        `Control '${name}' provider must be an object, received ${JSON.stringify(provider)}`,
      );
    }
    if (provider.type !== 'python' && provider.type !== 'javascript') {
      options.warn(
        `Control '${name}' has provider type ${JSON.stringify(provider.type ?? null)}, which neither Chaos Toolkit nor faultline runs: it is ignored (use python or javascript)`,
      );
      continue;
    }
    if (!provider.module) throw new InvalidActivity(`Control '${name}' must have a module path`);
    if (provider.arguments !== undefined && !isObject(provider.arguments)) {
      throw new InvalidControl(
        `Control '${name}' provider.arguments must be an object of named arguments, received ${JSON.stringify(provider.arguments)}`,
      );
    }
  }
  const runnable = controls.filter((control) => moduleKey(control) !== undefined);
  const modules = await loadControlModules(runnable, options.baseDirectory, options.python, undefined);
  for (const control of runnable) {
    const native = nativeControl(control.provider as JsonObject);
    if (native) await native.validate(control, options.checkProbe);
    else await modules.get(moduleKey(control)!)?.validate(control);
  }
}
