import { FaultlineError, isFaultlineError } from '../model/errors.js';
import type { ProxyBody } from '../model/toxic-body.js';
import type { EngineLimits } from '../proxy/limits.js';
import { type ListenRule, parseListenRule } from '../proxy/listen-policy.js';
import { ALL_METRICS, type MetricSets, NO_METRICS } from './metric-sets.js';
import {
  allowedHostName,
  allowedHostRule,
  alwaysAllowed,
  type CountLimit,
  countLimits,
  heldBytes,
} from './limit-settings.js';

/** What `faultline server`'s limit flags set, by the same names as the engine's limits. */
export interface StartServerLimits {
  /** --max-proxies: most proxies the server holds (default 1000). */
  maxProxies?: number;
  /** --max-toxics-per-proxy: most toxics one proxy holds (default 100). */
  maxToxicsPerProxy?: number;
  /** --max-name-length: longest proxy or toxic name (default 255). */
  maxNameLength?: number;
  /** --max-held-bytes: bytes all toxics together may hold, a number or a size such as '64MiB'. */
  maxHeldBytes?: number | string;
  /** --listen-allow: where proxies may listen, e.g. ['127.0.0.0/8', '127.0.0.1:20000-29999']. */
  listenAllow?: string[];
  /** --max-api-connections: connections the control API holds at once (default 1000). */
  maxApiConnections?: number;
}

export interface StartServerOptions {
  /** Address of the control API; default 127.0.0.1. Any other than loopback needs `token` or `insecure`. */
  host?: string;
  /** Port of the control API; default 0, a free port the system picks (read it from `url` or `port`). */
  port?: number;
  /**
   * Makes jitter, toxicity and slicer decisions repeatable; random when omitted. A whole number;
   * one outside 0 to 2^31-1 is folded into that range as `--seed` folds it (`engine.seed` says).
   */
  seed?: number;
  /**
   * Every request must carry it (16 to 512 characters from A-Z a-z 0-9 . _ ~ -); `client` sends
   * it. 'generate' makes one, which `token` of the started server holds.
   */
  token?: string;
  /** Serve an address off loopback without a token: whoever reaches it controls the proxies. */
  insecure?: boolean;
  /** Per-request time limit of `client`, in ms (default 30 s). */
  clientTimeout?: number;
  /**
   * A YAML or JSON file of proxies (and their toxics) to create at start, as `--config` takes: a
   * path (from the working directory) or a file: URL, such as `new URL('./f.yaml', import.meta.url)`.
   */
  config?: string | URL;
  /** Proxies (and their toxics) to create at start, as POST /populate takes them; after `config`'s. */
  proxies?: ProxyBody[];
  /** The server's limits, as its --max-* and --listen-allow flags set them. */
  limits?: StartServerLimits;
  /** Host names the API answers to besides loopback names and IP addresses, as --allowed-host. */
  allowedHosts?: string[];
  /**
   * GET /metrics, off by default as in `faultline server` (a 404 then): true serves every series
   * (--metrics), `{ proxy: true }` the proxy ones (-proxy-metrics), `{ runtime: true }` the
   * process and Node.js ones (-runtime-metrics).
   */
  metrics?: boolean | { proxy?: boolean; runtime?: boolean };
}

const optionNames = [
  'host',
  'port',
  'seed',
  'token',
  'insecure',
  'clientTimeout',
  'config',
  'proxies',
  'limits',
  'allowedHosts',
  'metrics',
] as const satisfies readonly (keyof StartServerOptions)[];

const limitNames = [
  'maxProxies',
  'maxToxicsPerProxy',
  'maxNameLength',
  'maxHeldBytes',
  'listenAllow',
  'maxApiConnections',
] as const satisfies readonly (keyof StartServerLimits)[];

function invalid(reason: string, hint: string): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_INVALID_CONFIG', `startServer: ${reason}`, { hint });
}

/** An options object with no key startServer does not know: a misspelt one would be ignored. */
function checkKeys(value: object, known: readonly string[], where: string): void {
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined)
    throw invalid(`unknown option ${where}${unknown}`, `it takes ${known.join(', ')}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, name: string, example: string): string[] {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw invalid(
    `${name} must be an array of strings, received ${JSON.stringify(value)}`,
    `such as ${example}`,
  );
}

function countLimit(limit: CountLimit, value: unknown): number {
  const { flag, min, max } = countLimits[limit];
  if (Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max)
    return value as number;
  throw invalid(
    `limits.${limit} must be a whole number from ${min} to ${max}, received ${JSON.stringify(value)}`,
    `it is what faultline server ${flag} sets`,
  );
}

function heldBytesLimit(value: unknown): number {
  const number =
    typeof value === 'number' || typeof value === 'string' ? heldBytes(String(value)) : undefined;
  if (number !== undefined) return number;
  throw invalid(
    `limits.maxHeldBytes must be a size of at least 64KiB, received ${JSON.stringify(value)}`,
    "give bytes, or a size with its unit such as '64MiB' or '1GiB'",
  );
}

function listenRules(value: unknown): ListenRule[] {
  return stringList(value, 'limits.listenAllow', "['127.0.0.0/8', '127.0.0.1:20000-29999']").map((rule) => {
    try {
      return parseListenRule(rule);
    } catch (error) {
      if (!isFaultlineError(error)) throw error;
      throw invalid(`limits.listenAllow: ${error.reason}`, error.hint ?? 'give CIDR[:PORTS] rules');
    }
  });
}

/** The engine's limits the options set, each checked as `faultline server` checks its flag. */
export function engineLimitsOf(limits: unknown): Partial<EngineLimits> {
  if (limits === undefined) return {};
  if (!isObject(limits))
    throw invalid(
      `limits must be an object, received ${JSON.stringify(limits)}`,
      `it takes ${limitNames.join(', ')}`,
    );
  checkKeys(limits, limitNames, 'limits.');
  const checked: { -readonly [Key in keyof EngineLimits]?: EngineLimits[Key] } = {};
  for (const name of ['maxProxies', 'maxToxicsPerProxy', 'maxNameLength'] as const)
    if (limits[name] !== undefined) checked[name] = countLimit(name, limits[name]);
  if (limits.maxHeldBytes !== undefined) checked.maxHeldBytes = heldBytesLimit(limits.maxHeldBytes);
  if (limits.listenAllow !== undefined) checked.listenAllow = listenRules(limits.listenAllow);
  return checked;
}

/** limits.maxApiConnections, checked as --max-api-connections is (engineLimitsOf checked the object). */
export function apiConnectionsOf(limits: StartServerLimits | undefined): number | undefined {
  const max = limits?.maxApiConnections;
  return max === undefined ? undefined : countLimit('maxApiConnections', max);
}

export function allowedHostsOf(value: unknown): string[] {
  if (value === undefined) return [];
  return stringList(value, 'allowedHosts', "['toxiproxy']").map((name) => {
    const allowed = allowedHostName(name);
    if (allowed !== undefined) return allowed;
    throw invalid(
      `allowedHosts: ${JSON.stringify(name)} is not a host name`,
      `give ${allowedHostRule}, such as allowedHosts: ['toxiproxy'] ${alwaysAllowed}`,
    );
  });
}

/** The series `metrics` turns on: true all, false or omitted none, or an object naming each set. */
export function metricSetsOf(value: unknown): MetricSets {
  if (value === undefined || value === false) return NO_METRICS;
  if (value === true) return ALL_METRICS;
  const hint = 'give true for every series, or { proxy: true } and/or { runtime: true }';
  if (!isObject(value))
    throw invalid(`metrics must be true, false or an object, received ${JSON.stringify(value)}`, hint);
  checkKeys(value, ['proxy', 'runtime'], 'metrics.');
  for (const set of ['proxy', 'runtime'] as const) {
    if (value[set] !== undefined && typeof value[set] !== 'boolean')
      throw invalid(`metrics.${set} must be true or false, received ${JSON.stringify(value[set])}`, hint);
  }
  return { proxy: value.proxy === true, runtime: value.runtime === true };
}

function checkAddress({ host, port }: Record<string, unknown>): void {
  if (host !== undefined && (typeof host !== 'string' || host === ''))
    throw invalid(
      `host must be an address, received ${JSON.stringify(host)}`,
      "such as '127.0.0.1' (the default)",
    );
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535))
    throw invalid(
      `port must be a whole number from 0 to 65535, received ${JSON.stringify(port)}`,
      '0 (the default) picks a free port; a port read from the environment is text: pass Number(process.env.PORT)',
    );
}

/** Refuses an options object with a key startServer does not take, rather than ignoring it. */
export function checkStartOptions(options: unknown): asserts options is StartServerOptions {
  if (!isObject(options))
    throw invalid(
      `takes an options object, received ${JSON.stringify(options)}`,
      `it takes ${optionNames.join(', ')}`,
    );
  checkKeys(options, optionNames, '');
  checkAddress(options);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed))
    throw invalid(`seed must be a whole number, received ${JSON.stringify(options.seed)}`, 'such as 42');
  if (options.token !== undefined && typeof options.token !== 'string')
    throw invalid(
      `token must be a string, received ${typeof options.token}`,
      "give the token as text, or 'generate'",
    );
  if (options.insecure !== undefined && typeof options.insecure !== 'boolean')
    throw invalid(
      `insecure must be true or false, received ${JSON.stringify(options.insecure)}`,
      'give insecure: true to serve off loopback without a token',
    );
  const timeout = options.clientTimeout;
  if (timeout !== undefined && !(Number.isSafeInteger(timeout) && (timeout as number) >= 1))
    throw invalid(
      `clientTimeout must be a whole number of milliseconds, 1 or more, received ${JSON.stringify(timeout)}`,
      'such as 5000',
    );
  const { config } = options;
  if (
    config !== undefined &&
    typeof config !== 'string' &&
    !(config instanceof URL && config.protocol === 'file:')
  )
    throw invalid(
      `config must be the path of a file, or its file: URL, received ${config instanceof URL ? config.href : JSON.stringify(config)}`,
      "such as new URL('./faultline.yaml', import.meta.url) for a file beside the test; give proxies to pass them as objects",
    );
  if (options.proxies !== undefined && !Array.isArray(options.proxies))
    throw invalid(
      `proxies must be an array of proxies, received ${JSON.stringify(options.proxies)}`,
      "such as [{ name: 'db', upstream: '127.0.0.1:5432' }]",
    );
}
