import { unchecked } from '../../model/toxic-body.js';
import { createClient, type FaultlineClient } from '../../client/index.js';
import { FaultlineApiError } from '../../client/errors.js';
import type { JsonObject, Provider } from '../../model/experiment.js';
import { wholeMatch } from '../../model/match.js';
import { isSystemUndo, type ProxyUndo } from '../../model/ledger.js';
import { targetingKeys } from '../../model/toxic.js';
import type { Attributes } from '../../model/toxics/index.js';
import type { CreateToxicBody } from '../../model/wire.js';
import { systemModules } from '../../system/operations/index.js';
import { ActivityFailed, InvalidActivity } from '../errors.js';
import { closest } from '../known-keys.js';
import { substitute } from '../substitute.js';
import { checkArguments, checkArgumentsShape } from './faultline-arguments.js';
import { isUnreachable, serverUrl, unreachableInRun } from './server-address.js';
import { argumentsOf, type ProviderContext, type ProviderImplementation } from './provider.js';
import { deleteProxy, recordCreated, resetProxies, settleProxyFaults } from './proxy-ledger.js';

type Args = Record<string, unknown>;
type Operation = (client: FaultlineClient, args: Args, context: ProviderContext) => Promise<unknown>;

/**
 * Proxy and toxic actions and probes, under chaostoolkit-toxiproxy's module and function names
 * (so its experiments run unchanged, with no Python) and under faultline's own short names.
 * Each fault is written to the run's ledger with its undo before the call returns.
 */
const chaostoxiProxyActions: Record<string, Operation> = {
  async create_proxy(client, args, context) {
    const name = String(args.proxy_name);
    const upstream = `${fromEnv(args.upstream_host, 'upstream_host')}:${fromEnv(args.upstream_port, 'upstream_port')}`;
    // chaostoolkit-toxiproxy listens on 0.0.0.0 unless told; faultline keeps to loopback unless told.
    const listen = `${args.listen_host ?? '127.0.0.1'}:${args.listen_port ?? 0}`;
    const proxy = await client.createProxy({ name, listen, upstream, enabled: args.enabled !== false });
    recordCreated(context, client.url, proxy);
    exportPort(name, proxy.listen, context);
    return true;
  },
  async modify_proxy(client, args, context) {
    const name = String(args.proxy_name);
    const before = await client.proxy(name);
    const body = {
      ...(args.listen_address ? { listen: String(args.listen_address) } : {}),
      ...(args.upstream_address ? { upstream: String(args.upstream_address) } : {}),
      ...(typeof args.enabled === 'boolean' ? { enabled: args.enabled } : {}),
    };
    const after = await client.updateProxy(name, body);
    recordChange(context, client.url, {
      description: describeProxyChange(name, before, after),
      undo: {
        kind: 'update-proxy',
        proxy: name,
        body: { listen: before.listen, upstream: before.upstream, enabled: before.enabled },
      },
      now: { listen: after.listen, upstream: after.upstream, enabled: after.enabled },
    });
    exportPort(name, after.listen, context);
    return true;
  },
  disable_proxy: (client, args, context) =>
    chaostoxiProxyActions.modify_proxy!(client, { ...args, enabled: false }, context),
  enable_proxy: (client, args, context) =>
    chaostoxiProxyActions.modify_proxy!(client, { ...args, enabled: true }, context),
  // chaostoolkit-toxiproxy's delete_proxy returns None, which its journal shows as null.
  async delete_proxy(client, args, context) {
    await deleteProxy(client, context, String(args.proxy_name));
    return null;
  },
  async reset(client, _args, context) {
    await resetProxies(client, context);
    return true;
  },
};

const chaostoxiProxyProbes: Record<string, Operation> = {
  proxy_exist: async (client, args) => (await proxyOrNone(client, String(args.proxy_name))) !== undefined,
  async get_proxy_attribute(client, args) {
    const name = String(args.proxy_name);
    const proxy = (await proxyOrNone(client, name)) as Args | undefined;
    if (proxy === undefined) return null;
    const attribute = String(args.attribute);
    if (!Object.hasOwn(proxy, attribute)) throw missingAttribute(name, attribute, Object.keys(proxy));
    return proxy[attribute] ?? null;
  },
};

/**
 * chaostoolkit-toxiproxy reads a proxy as None when the server answers with an error status,
 * and raises when it cannot ask (requests' ConnectionError): only an answer means "no proxy".
 */
async function proxyOrNone(client: FaultlineClient, name: string) {
  return client.proxy(name).catch((error: unknown) => {
    if (isAnswer(error)) return undefined;
    throw error;
  });
}

/** An error status from the server, as opposed to a server that could not be reached (status 0). */
function isAnswer(error: unknown): boolean {
  return error instanceof FaultlineApiError && error.status > 0;
}

/** chaostoolkit-toxiproxy's `proxy[attribute]` raises KeyError: a typo must not read as null. */
function missingAttribute(proxy: string, attribute: string, attributes: string[]): Error {
  const suggestion = closest(attribute, attributes);
  const hint = suggestion ? ` did you mean '${suggestion}'?` : '';
  const error = new Error(
    `'${attribute}' (proxy ${proxy} has no such attribute;${hint} attributes: ${attributes.join(', ')})`,
  );
  error.name = 'KeyError';
  return error;
}

const typedToxic =
  (type: string, attributes: (args: Args) => Args): Operation =>
  (client, args, context) =>
    addToxic(client, context, String(args.for_proxy), {
      name: String(args.toxic_name),
      type,
      stream: 'downstream',
      toxicity: 1,
      attributes: attributes(args) as Record<string, number>,
    });

const chaostoxiToxicActions: Record<string, Operation> = {
  create_toxic: (client, args, context) =>
    addToxic(client, context, String(args.for_proxy), {
      name: String(args.toxic_name),
      type: String(args.toxic_type),
      stream: String(args.stream ?? 'downstream'),
      toxicity: Number(args.toxicity ?? 1),
      attributes: (args.attributes ?? {}) as Record<string, number>,
    }),
  create_latency_toxic: typedToxic('latency', (args) => ({
    latency: args.latency,
    jitter: args.jitter ?? 0,
  })),
  create_bandwith_degradation_toxic: typedToxic('bandwidth', (args) => ({ rate: args.rate })),
  create_slow_connection_close_toxic: typedToxic('slow_close', (args) => ({ delay: args.delay })),
  create_timeout_toxic: typedToxic('timeout', (args) => ({ timeout: args.timeout })),
  create_slicer_toxic: typedToxic('slicer', (args) => ({
    average_size: args.average_size,
    size_variation: args.size_variation,
    delay: args.delay,
  })),
  create_limiter_toxic: typedToxic('limit_data', (args) => ({ bytes: args.bytes_limit })),
  async delete_toxic(client, args, context) {
    // chaostoolkit-toxiproxy returns response.ok: False for an error status, a failure when unreachable.
    return removeToxic(client, context, String(args.for_proxy), String(args.toxic_name)).then(
      () => true,
      (error: unknown) => {
        if (isAnswer(error)) return false;
        throw error;
      },
    );
  },
};

/** faultline's own names: `{"type": "faultline", "module": "proxies"|"toxics", "func": ...}`. */
const native: Record<string, Record<string, Operation>> = {
  proxies: {
    async create(client, args, context) {
      const proxy = await client.createProxy(args as never);
      recordCreated(context, client.url, proxy);
      exportPort(proxy.name, proxy.listen, context);
      return proxy;
    },
    disable: (client, args, context) =>
      chaostoxiProxyActions.modify_proxy!(client, { proxy_name: args.name, enabled: false }, context),
    enable: (client, args, context) =>
      chaostoxiProxyActions.modify_proxy!(client, { proxy_name: args.name, enabled: true }, context),
    async delete(client, args, context) {
      await deleteProxy(client, context, String(args.name));
      return true;
    },
    reset: chaostoxiProxyActions.reset!,
    get: (client, args) => client.proxy(String(args.name)),
    list: (client) => client.proxies(),
  },
  toxics: {
    add: (client, args, context) => {
      const { proxy, ...toxic } = args;
      return addToxic(client, context, String(proxy), toxic as unknown as CreateToxicBody);
    },
    async update(client, args, context) {
      const { proxy, name, ...body } = args;
      const before = await client.toxic(String(proxy), String(name));
      const after = await client.updateToxic(String(proxy), String(name), body);
      recordChange(context, client.url, {
        description: `updated toxic ${name} on ${proxy}`,
        undo: {
          kind: 'update-toxic',
          proxy: String(proxy),
          toxic: String(name),
          body: {
            attributes: undoAttributes(before.attributes, after.attributes),
            toxicity: before.toxicity,
          },
        },
        now: { attributes: after.attributes, toxicity: after.toxicity },
      });
      return after;
    },
    remove: (client, args, context) =>
      removeToxic(client, context, String(args.proxy), String(args.name)).then(() => true),
    list: (client, args) => client.toxics(String(args.proxy)),
  },
  ...systemAsNative(),
  'chaostoxi.proxy.actions': chaostoxiProxyActions,
  'chaostoxi.proxy.probes': chaostoxiProxyProbes,
  'chaostoxi.toxic.actions': chaostoxiToxicActions,
};

/** System actions ignore the control API client; they act on this machine. */
function systemAsNative(): Record<string, Record<string, Operation>> {
  return Object.fromEntries(
    Object.entries(systemModules).map(([module, operations]) => [
      module,
      Object.fromEntries(
        Object.entries(operations).map(([name, run]) => [
          name,
          (_client: FaultlineClient, args: Args, context: ProviderContext) => run(args, context),
        ]),
      ),
    ]),
  );
}

async function addToxic(
  client: FaultlineClient,
  context: ProviderContext,
  proxy: string,
  body: CreateToxicBody,
) {
  const toxic = await client.addToxic(proxy, unchecked(body));
  context.ledger.record({
    server: client.url,
    description: `added ${toxic.type} toxic ${toxic.name} on ${proxy}`,
    undo: {
      kind: 'remove-toxic',
      proxy,
      toxic: toxic.name,
      // As the server shows it: rollback leaves alone a toxic of that name someone added again.
      made: {
        type: toxic.type,
        stream: toxic.stream,
        toxicity: toxic.toxicity,
        attributes: JSON.parse(JSON.stringify(toxic.attributes)) as Record<string, never>,
      },
    },
  });
  return body.name === undefined ? toxic : toxic.name === body.name;
}

async function removeToxic(client: FaultlineClient, context: ProviderContext, proxy: string, toxic: string) {
  const done = (undo: ProxyUndo) =>
    (undo.kind === 'remove-toxic' || undo.kind === 'update-toxic') &&
    undo.proxy === proxy &&
    undo.toxic === toxic;
  try {
    await client.removeToxic(proxy, toxic);
  } catch (error) {
    // A toxic this run added that someone else removed first (a halt, a reset) is taken back all the same.
    if (
      !(error instanceof FaultlineApiError && error.status === 404) ||
      !recordedByRun(context, client.url, done)
    )
      throw error;
    context.warn(
      `toxic ${toxic} on proxy ${proxy}, which this run added, was already gone (${error.reason}): counted as removed, not failed`,
    );
  }
  settleProxyFaults(context, client.url, done);
}

function recordedByRun(
  context: ProviderContext,
  server: string,
  done: (undo: ProxyUndo) => boolean,
): boolean {
  return context.ledger
    .live()
    .some((entry) => entry.server === server && !isSystemUndo(entry.undo) && done(entry.undo));
}

type ChangeUndo = Extract<ProxyUndo, { kind: 'update-proxy' | 'update-toxic' }>;

/**
 * A change to a proxy or toxic is recorded with the state before the run's first change to it:
 * a later change adds nothing to undo, and one that puts the original state back (a rollback
 * that enables the proxy its method disabled) settles the record instead of adding another.
 */
function recordChange(
  context: ProviderContext,
  server: string,
  change: { description: string; undo: ChangeUndo; now: Record<string, unknown> },
) {
  const same = (undo: ProxyUndo) =>
    undo.kind === change.undo.kind &&
    undo.proxy === change.undo.proxy &&
    (undo.kind !== 'update-toxic' || change.undo.kind !== 'update-toxic' || undo.toxic === change.undo.toxic);
  const first = context.ledger
    .live()
    .find((entry) => entry.server === server && !isSystemUndo(entry.undo) && same(entry.undo));
  const isNow = (state: Record<string, unknown>) =>
    Object.entries(state).every(([key, value]) => JSON.stringify(change.now[key]) === JSON.stringify(value));
  if (!first) {
    // Enabling an enabled proxy, or setting a toxic to what it was, changed nothing: no fault.
    if (!isNow(change.undo.body as Record<string, unknown>))
      context.ledger.record({ server, description: change.description, undo: change.undo });
    return;
  }
  if (isNow((first.undo as ChangeUndo).body as Record<string, unknown>))
    settleProxyFaults(context, server, same);
}

type ProxyState = { listen: string; upstream: string; enabled: boolean };

/**
 * What a proxy change did, as the ledger, `faults_left` and `faultline rollback` name it: a
 * disabled proxy is an outage and says so (`disabled proxy db`), not "modified".
 */
function describeProxyChange(name: string, before: ProxyState, after: ProxyState): string {
  const changes = [
    ...(before.enabled === after.enabled ? [] : [after.enabled ? 'enabled' : 'disabled']),
    ...(['listen', 'upstream'] as const)
      .filter((field) => before[field] !== after[field])
      .map((field) => `${field} ${before[field]} → ${after[field]}`),
  ];
  if (changes.length === 1 && before.enabled !== after.enabled) return `${changes[0]} proxy ${name}`;
  return `modified proxy ${name}${changes.length > 0 ? ` (${changes.join(', ')})` : ''}`;
}

/** chaostoolkit-toxiproxy writes the chosen port to the configuration and to <name>_PORT. */
function exportPort(name: string, listen: string, context: ProviderContext) {
  const port = listen.split(':').pop() ?? '';
  context.configuration[`${name}_PORT`] = Number(port);
  process.env[`${name}_PORT`] = port;
}

/** chaostoolkit-toxiproxy reads `env:NAME` from the environment, and raises KeyError when it is not set. */
function fromEnv(value: unknown, argument: string): string {
  const text = String(value);
  if (!text.startsWith('env:')) return text;
  const name = text.slice(4);
  const found = process.env[name];
  if (found === undefined) {
    const error = new Error(
      `'${name}' (${argument} '${text}': the environment variable ${name} is not set; export it before the run, or write the value itself)`,
    );
    error.name = 'KeyError';
    throw error;
  }
  return found;
}

export function isNativeModule(module: unknown): boolean {
  return typeof module === 'string' && Object.hasOwn(native, module);
}

/**
 * The Python modules run natively: chaostoolkit-toxiproxy's only. faultline's own short names
 * (toxics, load, process...) may be a user's Python module, which a python activity must call.
 */
export function chaostoxiModules(): string[] {
  return Object.keys(native).filter((module) => module.startsWith('chaostoxi.'));
}

export function isChaostoxiModule(module: unknown): boolean {
  return typeof module === 'string' && module.startsWith('chaostoxi.') && isNativeModule(module);
}

function operation(provider: Provider): Operation | undefined {
  return native[String(provider.module)]?.[String(provider.func)];
}

export const faultlineProvider: ProviderImplementation = {
  async validate(provider, activity, context) {
    if (!isNativeModule(provider.module)) {
      const modules = Object.keys(native);
      throw new InvalidActivity(
        `faultline has no module '${provider.module}' in activity '${activity.name}'${didYouMean(provider.module, modules)}; modules: ${modules.join(', ')}`,
      );
    }
    if (!operation(provider)) {
      const functions = Object.keys(native[String(provider.module)] ?? {});
      throw new InvalidActivity(
        `The faultline module '${provider.module}' has no function '${provider.func}' in ${activity.type} '${activity.name}'${didYouMean(provider.func, functions)}; functions: ${functions.join(', ')}`,
      );
    }
    checkArgumentsShape(String(provider.module), String(provider.func), provider.arguments, activity);
    const args = substitute(argumentsOf(provider), context.scope);
    checkArguments(String(provider.module), String(provider.func), args, activity);
  },

  async run(provider, activity, context) {
    const run = operation(provider)!;
    const args = substitute(argumentsOf(provider), context.scope) as JsonObject;
    let client: FaultlineClient;
    try {
      checkArgumentsShape(String(provider.module), String(provider.func), provider.arguments, activity);
      // System actions act on this machine: where the proxy server is does not concern them.
      const system = Object.hasOwn(systemModules, String(provider.module));
      client = createClient({ url: system ? 'http://127.0.0.1:8474' : serverUrl(context.configuration) });
      checkArguments(String(provider.module), String(provider.func), args, activity);
    } catch (error) {
      throw new ActivityFailed((error as Error).message);
    }
    try {
      return await run(client, args, context);
    } catch (error) {
      if (context.signal.aborted) throw error;
      const message = isUnreachable(error)
        ? unreachableInRun(error.message, context.configuration)
        : error instanceof FaultlineApiError
          ? error.reason
          : (error as Error).message;
      throw new ActivityFailed(`${(error as Error).name}: ${message}${hintOf(error)}`);
    }
  },
};

/** chaostoolkit-toxiproxy spells "bandwith"; the usual spelling is the likeliest slip. */
function didYouMean(given: unknown, known: string[]): string {
  const suggestion = closest(String(given), known);
  return suggestion ? ` (did you mean '${suggestion}'?)` : '';
}

/** The server's hint (what was received, what to do), which the journal would lose otherwise. */
function hintOf(error: unknown): string {
  return error instanceof FaultlineApiError && error.hint ? ` (${error.hint})` : '';
}

/**
 * The attributes that put a toxic back: match and counters the update added are cleared
 * ({} and 0 turn them off), since attributes left out of an update keep their value.
 */
function undoAttributes(before: Attributes, after: Attributes): Attributes {
  const undo: Attributes = { ...before };
  for (const key of targetingKeys) {
    if (before[key] === undefined && after[key] !== undefined) undo[key] = key === 'match' ? {} : 0;
  }
  // An update merges the match key by key: keys the action added are sent as null to go again.
  if (before.match !== undefined) undo.match = wholeMatch(before.match) as Attributes[string];
  return undo;
}
