import { isObject, type JsonObject } from '../../model/experiment.js';
import type { PythonRuntime } from '../python/interpreter.js';
import { loadJavaScriptControl } from './javascript-control.js';
import type { ControlModule } from './module.js';
import { type NativeRun, nativeControl } from './native.js';
import { loadPythonControl } from './python-control.js';

/** The module key two declarations share when they name the same module. */
export function moduleKey(control: JsonObject): string | undefined {
  const provider = control.provider;
  if (!isObject(provider) || typeof provider.module !== 'string') return undefined;
  if (provider.type !== 'python' && provider.type !== 'javascript') return undefined;
  return `${provider.type}:${provider.module}`;
}

/**
 * Loads each control module once: natively for the addons faultline implements, otherwise in
 * the run's Python interpreter or the JavaScript thread. A module that cannot be loaded is an InvalidControl.
 */
export async function loadControlModules(
  controls: readonly JsonObject[],
  baseDirectory: string,
  python: PythonRuntime,
  run: NativeRun | undefined,
): Promise<Map<string, ControlModule & { stop?(): Promise<void> }>> {
  const modules = new Map<string, ControlModule & { stop?(): Promise<void> }>();
  for (const control of controls) {
    const key = moduleKey(control);
    if (key === undefined || modules.has(key)) continue;
    const provider = control.provider as JsonObject;
    const module = String(provider.module);
    const name = String(control.name);
    const native = nativeControl(provider);
    if (native) {
      if (run) modules.set(key, native.create(run));
    } else if (provider.type === 'python') {
      modules.set(key, await loadPythonControl(name, module, python));
    } else {
      modules.set(key, await loadJavaScriptControl(name, module, baseDirectory));
    }
  }
  return modules;
}
