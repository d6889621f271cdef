import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import type { JsonObject } from '../../model/experiment.js';
import { sharedScriptHost } from '../providers/javascript-host.js';
import type { Configuration, Secrets } from '../configuration.js';
import type { Change } from './changes.js';
import { LIFECYCLE_HOOKS } from './declaration.js';
import { ControlFailed, ControlInterrupted, InvalidControl } from './errors.js';
import type { ControlModule, HookCall, HookOutcome } from './module.js';
import { hookValues, sharedChanges } from './hook-values.js';

/**
 * A control written as a JavaScript or TypeScript module (`provider: {type: javascript, module}`),
 * run in the runner's JavaScript thread like javascript activities. Each hook is an export named
 * as in Chaos Toolkit (`before_activity_control`, ...) and receives one object: the control's
 * `arguments` by name, `context`, `state`, `experiment`, `extensions`, `settings`,
 * `configuration` and `secrets`; and a second `{configuration, secrets, signal}`. What a hook
 * changes in place in `context`, `experiment`, `state`, `configuration` or `secrets` reaches the
 * run, as in chaoslib (which hands them by reference). Throwing an error whose name is
 * `InterruptExecution` interrupts the run.
 */
export async function loadJavaScriptControl(
  name: string,
  module: string,
  baseDirectory: string,
): Promise<ControlModule> {
  let path: string;
  try {
    path =
      module.startsWith('.') || isAbsolute(module)
        ? resolve(baseDirectory, module)
        : createRequire(join(baseDirectory, 'experiment.js')).resolve(module);
  } catch (error) {
    throw new InvalidControl(
      `Control '${name}' could not be loaded: JavaScript module '${module}' was not found (${(error as Error).message})`,
    );
  }
  const present = new Set<string>();
  for (const hook of [...LIFECYCLE_HOOKS, 'validate_control']) {
    const found = await invoke(path, hook, 'check', {}, {}, {}, new AbortController().signal).then(
      () => true,
      (error: Error & { invalid?: boolean; name?: string }) => {
        if (error.invalid && error.name === 'load') {
          throw new InvalidControl(
            `Control '${name}' could not be loaded: JavaScript module '${module}' failed to load (${error.message})`,
          );
        }
        return false;
      },
    );
    if (found) present.add(hook);
  }
  return {
    kind: 'javascript',
    has: (hook) => present.has(hook),
    async validate(control) {
      if (!present.has('validate_control')) return;
      try {
        await invoke(path, 'validate_control', 'hook', control, {}, {}, new AbortController().signal);
      } catch (error) {
        throw new InvalidControl(
          `Control '${name}' was refused by its validate_control: ${(error as Error).name}: ${(error as Error).message}`,
        );
      }
    },
    async call(call: HookCall): Promise<HookOutcome> {
      const given: Record<string, unknown> = { ...call.arguments, ...hookValues(call) };
      try {
        const reply = (await invoke(
          path,
          call.hook,
          'hook',
          given,
          call.configuration,
          call.secrets,
          call.signal,
        )) as { changes: Record<string, Change[]> };
        return { changes: sharedChanges(reply.changes) };
      } catch (error) {
        const { name: errorName, message, changes } = error as Error & { changes?: Record<string, Change[]> };
        const made = sharedChanges(changes ?? {});
        if (errorName === 'InterruptExecution') throw new ControlInterrupted(message, made);
        throw new ControlFailed(`${errorName}: ${message}`, [`${errorName}: ${message}\n`], made);
      }
    },
  };
}

function invoke(
  path: string,
  func: string,
  kind: 'check' | 'hook',
  args: JsonObject | Record<string, unknown>,
  configuration: Configuration | null,
  secrets: Secrets | null,
  signal: AbortSignal,
): Promise<unknown> {
  return sharedScriptHost().run(
    { kind, path, func, args, configuration, secrets },
    { signal, activity: `control hook ${func}` },
  );
}
