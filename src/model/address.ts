import { FaultlineError } from './errors.js';

export interface HostPort {
  /** Empty means every interface, as Go's net.Listen reads ":port". */
  host: string;
  port: number;
}

/** Parses "host:port", "[v6]:port" or ":port", the forms Toxiproxy accepts. */
export function parseHostPort(value: string, field: string): HostPort {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65535) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_ADDRESS',
      `${field} must be "host:port" with a port from 0 to 65535, received ${JSON.stringify(value)}; ` +
        `for example "127.0.0.1:26379"${/^\w+:\/\//.test(value) ? ' (no scheme: faultline proxies TCP, not URLs)' : ''}`,
    );
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
