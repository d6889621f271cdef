import { BlockList, isIP } from 'node:net';
import { formatHostPort } from '../model/address.js';
import { FaultlineError } from '../model/errors.js';

/** One `--listen-allow` rule: addresses in a CIDR block, optionally only some ports. */
export interface ListenRule {
  readonly text: string;
  readonly addresses: BlockList;
  readonly ports: readonly [number, number] | undefined;
}

/**
 * Parses `CIDR[:PORTS]`: `127.0.0.0/8`, `127.0.0.1:20000-29999`, `0.0.0.0/0:8000`, and for IPv6
 * `::1/128` or, with ports, `[::1]/128:20000-29999`. An address without a prefix is one host.
 */
export function parseListenRule(text: string): ListenRule {
  const match =
    /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+))(?:\/(\d{1,3}))?(?::(\d{1,5})(?:-(\d{1,5}))?)?$/.exec(text) ??
    /^([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)()(?:\/(\d{1,3}))?()()$/.exec(text);
  const address = match?.[1] || match?.[2] || '';
  const family = isIP(address);
  const prefix = match?.[3] === undefined ? (family === 6 ? 128 : 32) : Number(match[3]);
  const low = match?.[4] ? Number(match[4]) : undefined;
  const high = match?.[5] ? Number(match[5]) : low;
  if (
    !match ||
    family === 0 ||
    prefix > (family === 6 ? 128 : 32) ||
    (low !== undefined && (high === undefined || low < 1 || high > 65535 || low > high))
  ) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_CONFIG', 'invalid listen rule', {
      hint: `--listen-allow takes CIDR[:PORTS] such as 127.0.0.0/8, 127.0.0.1:20000-29999 or [::1]/128:8000; received ${JSON.stringify(text)}`,
    });
  }
  const addresses = new BlockList();
  addresses.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  return { text, addresses, ports: low === undefined ? undefined : [low, high!] };
}

/**
 * Whether a proxy may listen on host:port. Without rules, anywhere. An empty host (every
 * interface) counts as 0.0.0.0; port 0 (the kernel picks) passes only a rule without ports.
 */
export function checkListen(rules: readonly ListenRule[] | undefined, host: string, port: number): void {
  if (rules === undefined) return;
  const address = host === '' ? '0.0.0.0' : host;
  const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const matching = rules.filter((rule) => rule.addresses.check(address, type));
  const allowed = matching.some(
    (rule) => rule.ports === undefined || (port >= rule.ports[0] && port <= rule.ports[1]),
  );
  if (!allowed) {
    const ephemeral = port === 0 && matching.length > 0;
    throw new FaultlineError('FAULTLINE_ERR_LISTEN_NOT_ALLOWED', 'listen address not allowed', {
      hint: `this server lets proxies listen only on ${rules.map((rule) => rule.text).join(', ')} (--listen-allow); received ${formatHostPort({ host, port })}${ephemeral ? ' (port 0 lets the kernel pick, so it passes only a rule without ports)' : ''}`,
    });
  }
}
