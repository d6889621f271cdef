import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import type { JsonObject } from '../../model/experiment.js';
import { InterruptExecution } from '../errors.js';
import { sharedScriptHost } from '../providers/javascript-host.js';
import type { Configuration, Secrets } from '../configuration.js';
import { LIFECYCLE_HOOKS } from './declaration.js';
import { ControlFailed, InvalidControl } from './errors.js';
import type { ControlModule, HookCall, HookOutcome } from './module.js';
import { hookValues } from './hook-values.js';

/**
 * A control written as a JavaScript or TypeScript module (`provider: {type: javascript, module}`),
 * run in the runner's JavaScript thread like javascript activities. Each hook is an export named
 * as in Chaos Toolkit (`before_activity_control`, ...) and receives one object: the control's
 * `arguments` by name, `context`, `state`, `experiment`, `extensions`, `settings`,
 * `configuration` and `secrets`; and a second `{configuration, secrets, signal}`. Changing
 * `configuration` or `secrets` in place reaches later activities. Throwing an error whose name is
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
        )) as { configuration: Configuration; secrets: Secrets };
        return { configuration: reply.configuration, secrets: reply.secrets };
      } catch (error) {
        const { name: errorName, message } = error as Error;
        if (errorName === 'InterruptExecution') throw new InterruptExecution(message);
        throw new ControlFailed(`${errorName}: ${message}`, [`${errorName}: ${message}\n`]);
      }
    },
  };
}

function invoke(
  path: string,
  func: string,
  kind: 'check' | 'hook',
  args: JsonObject | Record<string, unknown>,
  configuration: Configuration,
  secrets: Secrets,
  signal: AbortSignal,
): Promise<unknown> {
  return sharedScriptHost().run(
    { kind, path, func, args, configuration, secrets },
    { signal, activity: `control hook ${func}` },
  );
}
