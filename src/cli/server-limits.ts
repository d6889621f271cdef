import { integer } from './integer-option.js';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { isFaultlineError } from '../model/errors.js';
import { defaultLimits, type EngineLimits } from '../proxy/limits.js';
import { type ListenRule, parseListenRule } from '../proxy/listen-policy.js';

/** The server options that bound what clients of the control API may do. */
export interface ServerLimitSettings {
  allowedHosts: string[];
  engine: Partial<EngineLimits>;
}

interface LimitOptions {
  allowedHost: string[];
  maxProxies: number;
  maxToxicsPerProxy: number;
  maxNameLength: number;
  maxHeldBytes: number;
  listenAllow?: ListenRule[];
}

const units: Record<string, number> = {
  '': 1,
  k: 1024,
  kib: 1024,
  m: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gib: 2 ** 30,
};

function bytes(value: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = units[match?.[2]?.toLowerCase() ?? 'x'];
  const number = match && unit ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 64 * 1024) {
    throw new InvalidArgumentError(
      `--max-held-bytes must be a size of at least 64KiB, such as 67108864, 64MiB or 1GiB; received "${value}".`,
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
 * A name the Host header is compared with, once its port is taken off: `toxiproxy:8474` or
 * `http://toxiproxy` would never match and every request by that name would be a 403.
 */
function allowedHostName(name: string): string {
  if (name === '*' || /^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?\.?$/i.test(name)) return name.toLowerCase();
  throw new InvalidArgumentError(
    `--allowed-host takes a host name alone (no scheme, port or path), or "*", such as --allowed-host toxiproxy; received "${name}" (IP addresses and loopback names are always allowed)`,
  );
}

function listenRule(text: string): ListenRule {
  try {
    return parseListenRule(text);
  } catch (error) {
    if (isFaultlineError(error)) throw new InvalidArgumentError(`${error.reason}: ${error.hint ?? ''}`);
    throw error;
  }
}

export function addServerLimitOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--allowed-host <name>',
        'a host name the control API answers to besides loopback names and IP addresses (repeatable; "*" for any)',
      )
        .env('FAULTLINE_ALLOWED_HOSTS')
        .argParser(list(allowedHostName))
        .default([], 'none'),
    )
    .addOption(
      new Option('--max-proxies <n>', 'most proxies the server holds')
        .env('FAULTLINE_MAX_PROXIES')
        .default(defaultLimits.maxProxies)
        .argParser(integer('--max-proxies', 1, 1_000_000)),
    )
    .addOption(
      new Option('--max-toxics-per-proxy <n>', 'most toxics one proxy holds')
        .env('FAULTLINE_MAX_TOXICS_PER_PROXY')
        .default(defaultLimits.maxToxicsPerProxy)
        .argParser(integer('--max-toxics-per-proxy', 1, 100_000)),
    )
    .addOption(
      new Option('--max-name-length <n>', 'longest proxy or toxic name')
        .env('FAULTLINE_MAX_NAME_LENGTH')
        .default(defaultLimits.maxNameLength)
        .argParser(integer('--max-name-length', 1, 65_536)),
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

export function limitSettingsFrom(options: LimitOptions): ServerLimitSettings {
  return {
    allowedHosts: options.allowedHost,
    engine: {
      maxProxies: options.maxProxies,
      maxToxicsPerProxy: options.maxToxicsPerProxy,
      maxNameLength: options.maxNameLength,
      maxHeldBytes: options.maxHeldBytes,
      listenAllow: options.listenAllow,
    },
  };
}

export type { LimitOptions };
