import type net from 'node:net';

/** undici's connect timeout, which the http proxies' upstream pool keeps: http2 upstreams get the same. */
export const UPSTREAM_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Ends `socket` with node's own error for a connect that timed out (ETIMEDOUT, syscall connect)
 * when it has not connected within `ms`. Without it, an upstream host that drops SYNs held an
 * http2 proxy's streams for the kernel's connect timeout (about 127 s), where an http proxy's
 * answer 502 after 10 s.
 */
export function limitConnectTime<T extends net.Socket>(
  socket: T,
  target: { host: string; port: number },
  ms = UPSTREAM_CONNECT_TIMEOUT_MS,
): T {
  const timer = setTimeout(() => {
    const error = Object.assign(new Error(`connect ETIMEDOUT ${target.host}:${target.port}`), {
      code: 'ETIMEDOUT',
      errno: -110,
      syscall: 'connect',
      address: target.host,
      port: target.port,
    });
    socket.destroy(error);
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  socket.once('connect', clear);
  socket.once('close', clear);
  return socket;
}
