import { formatHostPort, parseHostPort } from '../model/address.js';
import type { ProxySpec } from '../model/proxy-spec.js';

const wildcards = new Set(['', '0.0.0.0', '::']);

/**
 * The first two proxies of a file that would bind the same socket: both enabled, the same
 * transport (udp, or tcp for every other protocol), the same port other than 0, and the same host
 * or a wildcard. The second would fail to bind, and the port would read as held by something
 * else. A disabled proxy binds nothing, so two proxies may take turns on one port.
 */
export function sharedListen(
  specs: readonly ProxySpec[],
): { first: number; second: number; address: string } | undefined {
  const sockets = specs.map((spec) => {
    const { host, port } = parseHostPort(spec.listen, `listen of proxy ${JSON.stringify(spec.name)}`);
    return { host: host === 'localhost' ? '127.0.0.1' : host, port, udp: spec.protocol === 'udp' };
  });
  for (const [second, socket] of sockets.entries()) {
    if (socket.port === 0 || !specs[second]!.enabled) continue;
    const first = sockets.findIndex(
      (other, index) =>
        index < second &&
        specs[index]!.enabled &&
        other.port === socket.port &&
        other.udp === socket.udp &&
        (other.host === socket.host || wildcards.has(other.host) || wildcards.has(socket.host)),
    );
    if (first >= 0) return { first, second, address: formatHostPort(sockets[first]!) };
  }
  return undefined;
}
