/**
 * The whole-number limits of a server, each with its flag and range: `faultline server` and
 * startServer() check them against the same ranges.
 */
export const countLimits = {
  maxProxies: { flag: '--max-proxies', min: 1, max: 1_000_000 },
  maxToxicsPerProxy: { flag: '--max-toxics-per-proxy', min: 1, max: 100_000 },
  maxNameLength: { flag: '--max-name-length', min: 1, max: 65_536 },
  maxApiConnections: { flag: '--max-api-connections', min: 1, max: 1_000_000 },
} as const;

export type CountLimit = keyof typeof countLimits;

/** Below this, the held-bytes budget would pause sources before a single read had landed. */
export const MIN_HELD_BYTES = 64 * 1024;

export const heldBytesExample = 'such as 67108864, 64MiB or 1GiB';

const units: Record<string, number> = {
  '': 1,
  k: 1024,
  kib: 1024,
  m: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gib: 2 ** 30,
};

/** A size in bytes, KiB, MiB or GiB of at least 64KiB, or undefined when it is not one. */
export function heldBytes(value: string): number | undefined {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = units[match?.[2]?.toLowerCase() ?? 'x'];
  const number = match && unit ? Number(match[1]) * unit : Number.NaN;
  return Number.isSafeInteger(number) && number >= MIN_HELD_BYTES ? number : undefined;
}

/**
 * A name the Host header is compared with, lower-cased, or undefined: `toxiproxy:8474` or
 * `http://toxiproxy` would never match, and every request by that name would be a 403.
 */
export function allowedHostName(name: string): string | undefined {
  if (name === '*' || /^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?\.?$/i.test(name)) return name.toLowerCase();
  return undefined;
}

export const allowedHostRule = 'a host name alone (no scheme, port or path), or "*"';
export const alwaysAllowed = '(IP addresses and loopback names are always allowed)';
