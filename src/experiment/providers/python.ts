import type { Provider } from '../../model/experiment.js';
import { bigIntegersWarning } from '../big-integers.js';
import { ActivityAborted, InvalidActivity } from '../errors.js';
import { callPython, validatePythonCall } from '../python/call.js';
import { createPythonRuntime, type PythonRuntime } from '../python/interpreter.js';
import { substitute } from '../substitute.js';
import { withChaostoxiHint } from './chaostoxi-hint.js';
import { argumentsOf, hasValues, type ProviderContext, type ProviderImplementation } from './provider.js';

/**
 * Runs `module.func(**arguments)` in the run's Python interpreter (src/experiment/python), so
 * extensions keep their module state between calls as under `chaos run`. Configuration and the
 * merged secrets of `provider.secrets` are passed when the function takes them, as chaoslib does.
 */
export const pythonProvider: ProviderImplementation = {
  async validate(provider, activity, context) {
    if (!provider.module) throw new InvalidActivity('a Python activity must have a module path');
    if (!provider.func) throw new InvalidActivity('a Python activity must have a function name');
    await withChaostoxiHint(String(provider.module), () =>
      withRuntime(context, (runtime) =>
        validatePythonCall(runtime, {
          module: String(provider.module),
          func: String(provider.func),
          arguments: argumentsOf(provider),
          label: activity.name,
          kind: activity.type,
        }),
      ),
    );
  },

  async run(provider, activity, context) {
    try {
      return await withRuntime(context, (runtime) =>
        callPython(runtime, {
          module: String(provider.module),
          func: String(provider.func),
          arguments: hasValues(context)
            ? substitute(argumentsOf(provider), context.scope)
            : argumentsOf(provider),
          configuration: context.configuration,
          secrets: secretsFor(provider, context),
          label: activity.name,
          kind: activity.type,
          signal: context.signal,
          background: context.background === true,
        }).then((result) => {
          const rounded = bigIntegersWarning(
            `what ${provider.module}.${provider.func} returned to ${activity.type} '${activity.name}'`,
            result.bigIntegers,
          );
          if (rounded) context.warn(rounded);
          return result.output;
        }),
      );
    } catch (error) {
      // chaoslib imports the module outside its ActivityFailed handling: the run aborts.
      if (error instanceof InvalidActivity) throw new ActivityAborted(error.message);
      throw error;
    }
  },
};

/** Only the scopes named in `provider.secrets`, merged into one flat object, as chaoslib does. */
function secretsFor(provider: Provider, context: ProviderContext): Record<string, unknown> | null {
  if (!Array.isArray(provider.secrets)) return null;
  return Object.assign({}, ...provider.secrets.map((scope) => context.secrets[String(scope)] ?? {}));
}

/** The run's interpreter, or (outside a run, e.g. validating one activity) one for this call only. */
async function withRuntime<T>(
  context: Pick<ProviderContext, 'baseDirectory' | 'python'>,
  use: (runtime: PythonRuntime) => Promise<T>,
): Promise<T> {
  if (context.python) return use(context.python);
  const runtime = createPythonRuntime({ moduleDirectory: context.baseDirectory });
  try {
    return await use(runtime);
  } finally {
    await runtime.close();
  }
}
