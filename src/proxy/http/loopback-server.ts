import { once } from 'node:events';
import type net from 'node:net';
import type { LinkTarget } from '../protocol.js';

/** Starts a request handler's own listener on 127.0.0.1 port 0, where the proxy's links connect. */
export async function listenOnLoopback(server: net.Server): Promise<LinkTarget> {
  server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return { host: '127.0.0.1', port };
}
