import { integer } from './integer-option.js';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { isFaultlineError } from '../model/errors.js';
import { defaultLimits, type EngineLimits } from '../proxy/limits.js';
import {
  allowedHostName,
  allowedHostRule,
  alwaysAllowed,
  type CountLimit,
  countLimits,
  heldBytes,
  heldBytesExample,
} from '../server/limit-settings.js';
import { type ListenRule, parseListenRule } from '../proxy/listen-policy.js';
import { defaultApiConnections, openFileLimit } from '../server/descriptor-limit.js';

/** The server options that bound what clients of the control API may do. */
export interface ServerLimitSettings {
  allowedHosts: string[];
  engine: Partial<EngineLimits>;
  /** --max-api-connections: connections the control API holds at once. */
  maxApiConnections?: number;
  /** What the start-up log says of maxApiConnections: how the default was chosen, or that a given one is past the open-file limit. */
  maxApiConnectionsNote?: { level: 'debug' | 'warn'; message: string; openFileLimit?: number };
}

interface LimitOptions {
  allowedHost: string[];
  maxProxies: number;
  maxToxicsPerProxy: number;
  maxNameLength: number;
  maxHeldBytes: number;
  listenAllow?: ListenRule[];
  maxApiConnections: number;
}

function bytes(value: string): number {
  const number = heldBytes(value);
  if (number === undefined) {
    throw new InvalidArgumentError(
      `--max-held-bytes must be a size of at least 64KiB, ${heldBytesExample}; received "${value}".`,
    );
  }
  return number;
}

/** Repeatable, and comma-separated in one value (as the environment variable carries them). */
const list =
  <T>(parse: (item: string) => T) =>
  (value: string, previous: T[] | undefined): T[] => [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
      .map(parse),
  ];

/**
 * Parses repeatable --allowed-host values (also comma-separated), each checked; a bad one's error
 * gives `example`, a name that fits the command (the server's compose service, the app's name).
 */
export const allowedHostList =
  (example: string) =>
  (value: string, previous: string[] | undefined): string[] =>
    list(allowedHost(example))(value, previous);

const allowedHost =
  (example: string) =>
  (name: string): string => {
    const allowed = allowedHostName(name);
    if (allowed !== undefined) return allowed;
    throw new InvalidArgumentError(
      `--allowed-host takes ${allowedHostRule}, such as --allowed-host ${example}; received "${name}" ${alwaysAllowed}`,
    );
  };

function listenRule(text: string): ListenRule {
  try {
    return parseListenRule(text);
  } catch (error) {
    if (isFaultlineError(error)) throw new InvalidArgumentError(`${error.reason}: ${error.hint ?? ''}`);
    throw error;
  }
}

function limitArgument(limit: CountLimit) {
  const { flag, min, max } = countLimits[limit];
  return integer(flag, min, max);
}

export function addServerLimitOptions(command: Command): Command {
  const apiDefault = defaultApiConnections(openFileLimit());
  return command
    .addOption(
      new Option(
        '--allowed-host <name>',
        'a host name the control API answers to besides loopback names and IP addresses (repeatable; "*" for any)',
      )
        .env('FAULTLINE_ALLOWED_HOSTS')
        .argParser(allowedHostList('toxiproxy'))
        .default([], 'none'),
    )
    .addOption(
      new Option('--max-proxies <n>', 'most proxies the server holds')
        .env('FAULTLINE_MAX_PROXIES')
        .default(defaultLimits.maxProxies)
        .argParser(limitArgument('maxProxies')),
    )
    .addOption(
      new Option('--max-toxics-per-proxy <n>', 'most toxics one proxy holds')
        .env('FAULTLINE_MAX_TOXICS_PER_PROXY')
        .default(defaultLimits.maxToxicsPerProxy)
        .argParser(limitArgument('maxToxicsPerProxy')),
    )
    .addOption(
      new Option('--max-name-length <n>', 'longest proxy or toxic name')
        .env('FAULTLINE_MAX_NAME_LENGTH')
        .default(defaultLimits.maxNameLength)
        .argParser(limitArgument('maxNameLength')),
    )
    .addOption(
      new Option(
        '--max-api-connections <n>',
        'most connections the control API holds at once; one more is answered 503',
      )
        .env('FAULTLINE_MAX_API_CONNECTIONS')
        .default(apiDefault.max, apiDefault.why)
        .argParser(limitArgument('maxApiConnections')),
    )
    .addOption(
      new Option(
        '--max-held-bytes <size>',
        'bytes all toxics together may hold before sources are paused (e.g. 64MiB)',
      )
        .env('FAULTLINE_MAX_HELD_BYTES')
        .default(defaultLimits.maxHeldBytes, '64MiB')
        .argParser(bytes),
    )
    .addOption(
      new Option(
        '--listen-allow <cidr[:ports]>',
        'where proxies may listen, e.g. 127.0.0.0/8 or 127.0.0.1:20000-29999 (repeatable; default anywhere)',
      )
        .env('FAULTLINE_LISTEN_ALLOW')
        .argParser(list(listenRule)),
    );
}

/**
 * The settings from the parsed options. `given`: whether --max-api-connections came from the
 * command line or FAULTLINE_MAX_API_CONNECTIONS, which is kept as given, with a warning when it is
 * not below the open-file limit (the API alone could then take every descriptor).
 */
export function limitSettingsFrom(
  options: LimitOptions,
  given: boolean,
  limit = openFileLimit(),
): ServerLimitSettings {
  return {
    allowedHosts: options.allowedHost,
    maxApiConnections: options.maxApiConnections,
    ...apiConnectionsNote(options.maxApiConnections, given, limit),
    engine: {
      maxProxies: options.maxProxies,
      maxToxicsPerProxy: options.maxToxicsPerProxy,
      maxNameLength: options.maxNameLength,
      maxHeldBytes: options.maxHeldBytes,
      listenAllow: options.listenAllow,
    },
  };
}

function apiConnectionsNote(
  max: number,
  given: boolean,
  limit: number | undefined,
): Pick<ServerLimitSettings, 'maxApiConnectionsNote'> {
  const withLimit = limit === undefined ? {} : { openFileLimit: limit };
  if (!given)
    return {
      maxApiConnectionsNote: {
        level: 'debug',
        message: `--max-api-connections defaults to ${defaultApiConnections(limit).why}`,
        ...withLimit,
      },
    };
  if (limit === undefined || max < limit) return {};
  return {
    maxApiConnectionsNote: {
      level: 'warn',
      message:
        `--max-api-connections ${max} is not below the open-file limit of ${limit}: API connections alone ` +
        'could take every descriptor, and the proxies would then fail to accept or connect (EMFILE); ' +
        `raise the limit (ulimit -n) or set the cap well under it, such as ${defaultApiConnections(limit).max}`,
      ...withLimit,
    },
  };
}

export type { LimitOptions };
