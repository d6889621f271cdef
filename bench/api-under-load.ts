import { once } from 'node:events';
import net from 'node:net';
import { percentile } from './measure.js';
import type { ProxyServer } from './servers.js';

const CONNECTIONS = 100;
const BYTES_EACH = 1024 * 1024;
const CALLS = 300;

/**
 * The control API's latency while CONNECTIONS connections push data through a slicer with
 * average_size 1 (every byte its own write): GET /proxies CALLS times, one after another.
 * The load is bounded (BYTES_EACH per connection) and torn down at the end.
 */
export async function apiUnderSlicer(
  server: ProxyServer,
  sinkPort: number,
): Promise<{ p50: number; p99: number; max: number; calls: number; connections: number }> {
  const port = await server.createProxy('sliced', sinkPort);
  await server.addToxic('sliced', { type: 'slicer', stream: 'upstream', attributes: { average_size: 1 } });
  const block = Buffer.alloc(BYTES_EACH, 0x5a);
  const sockets: net.Socket[] = [];
  try {
    for (let i = 0; i < CONNECTIONS; i++) {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      socket.end(block);
      sockets.push(socket);
    }
    const millis: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const started = performance.now();
      const response = await fetch(`${server.url}/proxies`);
      await response.arrayBuffer();
      millis.push(performance.now() - started);
    }
    millis.sort((a, b) => a - b);
    return {
      p50: percentile(millis, 50),
      p99: percentile(millis, 99),
      max: millis.at(-1)!,
      calls: CALLS,
      connections: CONNECTIONS,
    };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}
