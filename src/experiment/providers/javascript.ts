import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import type { Activity, Provider } from '../../model/experiment.js';
import { ActivityFailed, InvalidActivity } from '../errors.js';
import { substitute } from '../substitute.js';
import { invalidFrom, sharedScriptHost } from './javascript-host.js';
import { argumentsOf, hasValues, type ProviderContext, type ProviderImplementation } from './provider.js';

/**
 * `{"type": "javascript", "module": "./probes.ts", "func": "checkOrders", "arguments": {...}}`:
 * calls the exported function with the arguments object and a context
 * `{configuration, secrets, signal}`, in the run's worker thread. Relative modules resolve from
 * the experiment file; TypeScript modules are loaded through tsx. `timeout` (seconds) ends the
 * call and its thread.
 */
export type JavaScriptActivity = (
  args: Record<string, unknown>,
  context: { configuration: Record<string, unknown>; secrets: Record<string, unknown>; signal: AbortSignal },
) => unknown;

function modulePath(provider: Provider, baseDirectory: string): string {
  const specifier = String(provider.module);
  if (specifier.startsWith('.') || isAbsolute(specifier)) return resolve(baseDirectory, specifier);
  return createRequire(join(baseDirectory, 'experiment.js')).resolve(specifier);
}

function located(provider: Provider, activity: Activity, baseDirectory: string): string {
  try {
    return modulePath(provider, baseDirectory);
  } catch (error) {
    throw new InvalidActivity(
      `could not load JavaScript module '${provider.module}' in activity '${activity.name}': ${(error as Error).message}`,
    );
  }
}

export const javascriptProvider: ProviderImplementation = {
  async validate(provider, activity, context) {
    if (!provider.module) throw new InvalidActivity('a JavaScript activity must have a module');
    if (!provider.func) throw new InvalidActivity('a JavaScript activity must have a function name');
    if (provider.timeout !== undefined && !(typeof provider.timeout === 'number' && provider.timeout > 0)) {
      throw new InvalidActivity(
        `the timeout of JavaScript activity '${activity.name}' must be a number of seconds above 0, received ${JSON.stringify(provider.timeout)}`,
      );
    }
    const path = located(provider, activity, context.baseDirectory);
    const check = {
      kind: 'check',
      path,
      func: String(provider.func),
      args: {},
      configuration: {},
      secrets: {},
    } as const;
    await sharedScriptHost()
      .run(check, { signal: new AbortController().signal, activity: activity.name })
      .catch((error: Error) => {
        throw invalidFrom(error, String(provider.module), String(provider.func), activity);
      });
  },

  async run(provider, activity, context: ProviderContext) {
    let path: string;
    try {
      path = located(provider, activity, context.baseDirectory);
    } catch (error) {
      throw new ActivityFailed((error as Error).message);
    }
    const scopes = Array.isArray(provider.secrets) ? provider.secrets.map(String) : [];
    const secrets = Object.assign({}, ...scopes.map((scope) => context.secrets[scope] ?? {})) as Record<
      string,
      unknown
    >;
    const args = hasValues(context)
      ? substitute(argumentsOf(provider), context.scope)
      : argumentsOf(provider);
    const seconds = typeof provider.timeout === 'number' ? provider.timeout : undefined;
    const call = {
      kind: 'call',
      path,
      func: String(provider.func),
      args,
      configuration: context.configuration,
      secrets,
    } as const;
    try {
      return await sharedScriptHost().run(call, {
        signal: context.signal,
        activity: activity.name,
        ...(seconds === undefined ? {} : { timeoutMs: seconds * 1000 }),
      });
    } catch (error) {
      if (error instanceof ActivityFailed || context.signal.aborted) throw error;
      const invalid = invalidFrom(error as Error, String(provider.module), String(provider.func), activity);
      if (invalid instanceof InvalidActivity) throw new ActivityFailed(invalid.message);
      throw new ActivityFailed(
        `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`,
      );
    }
  },
};
