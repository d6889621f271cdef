import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Provider } from '../../model/experiment.js';
import { ActivityFailed, InvalidActivity } from '../errors.js';
import { substitute } from '../substitute.js';
import { argumentsOf, hasValues, type ProviderImplementation } from './provider.js';

/**
 * `{"type": "javascript", "module": "./probes.ts", "func": "checkOrders", "arguments": {...}}`:
 * calls the exported function with the arguments object and a context
 * `{configuration, secrets, signal}`. Relative modules resolve from the experiment file;
 * TypeScript modules are loaded through tsx. `timeout` (seconds) bounds the call.
 */
export type JavaScriptActivity = (
  args: Record<string, unknown>,
  context: { configuration: Record<string, unknown>; secrets: Record<string, unknown>; signal: AbortSignal },
) => unknown;

async function load(provider: Provider, baseDirectory: string): Promise<Record<string, unknown>> {
  const specifier = String(provider.module);
  const path =
    specifier.startsWith('.') || isAbsolute(specifier)
      ? resolve(baseDirectory, specifier)
      : createRequire(join(baseDirectory, 'experiment.js')).resolve(specifier);
  if (/\.(ts|mts|cts|tsx)$/.test(path)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

async function exported(provider: Provider, activity: { name: string; type: string }, baseDirectory: string) {
  let module: Record<string, unknown>;
  try {
    module = await load(provider, baseDirectory);
  } catch (error) {
    throw new InvalidActivity(
      `could not load JavaScript module '${provider.module}' in activity '${activity.name}': ${(error as Error).message}`,
    );
  }
  const func =
    module[String(provider.func)] ??
    (module.default as Record<string, unknown> | undefined)?.[String(provider.func)];
  if (typeof func !== 'function') {
    throw new InvalidActivity(
      `The JavaScript module '${provider.module}' does not export a function called '${provider.func}' in ${activity.type} '${activity.name}'`,
    );
  }
  return func as JavaScriptActivity;
}

export const javascriptProvider: ProviderImplementation = {
  async validate(provider, activity, context) {
    if (!provider.module) throw new InvalidActivity('a JavaScript activity must have a module');
    if (!provider.func) throw new InvalidActivity('a JavaScript activity must have a function name');
    await exported(provider, activity, context.baseDirectory);
  },

  async run(provider, activity, context) {
    let func: JavaScriptActivity;
    try {
      func = await exported(provider, activity, context.baseDirectory);
    } catch (error) {
      throw new ActivityFailed((error as Error).message);
    }
    const scopes = Array.isArray(provider.secrets) ? provider.secrets.map(String) : [];
    const secrets = Object.assign({}, ...scopes.map((scope) => context.secrets[scope] ?? {}));
    const args = hasValues(context)
      ? substitute(argumentsOf(provider), context.scope)
      : argumentsOf(provider);
    const seconds = typeof provider.timeout === 'number' ? provider.timeout : undefined;
    const timeout = seconds === undefined ? undefined : AbortSignal.timeout(seconds * 1000);
    const signal = timeout ? AbortSignal.any([context.signal, timeout]) : context.signal;
    try {
      const result = Promise.resolve(func(args, { configuration: context.configuration, secrets, signal }));
      if (!timeout) return await result;
      return await Promise.race([
        result,
        new Promise((_, reject) =>
          timeout.addEventListener('abort', () =>
            reject(new ActivityFailed('javascript activity took too long to complete')),
          ),
        ),
      ]);
    } catch (error) {
      if (error instanceof ActivityFailed || context.signal.aborted) throw error;
      throw new ActivityFailed(
        `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`,
      );
    }
  },
};
