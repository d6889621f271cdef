/** How a proxy reads its traffic: bytes (tcp, udp) or requests (http, http2). */
export const proxyProtocols = ['tcp', 'http', 'http2', 'udp'] as const;

export type ProxyProtocol = (typeof proxyProtocols)[number];

export const DEFAULT_PROTOCOL: ProxyProtocol = 'tcp';

export function isProxyProtocol(value: unknown): value is ProxyProtocol {
  return (proxyProtocols as readonly unknown[]).includes(value);
}

/** The longest a udp proxy's flow may go without datagrams before it is closed: one day, in ms. */
export const MAX_IDLE_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** How long a udp proxy's flow may go without datagrams when its proxy does not say: one minute. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
