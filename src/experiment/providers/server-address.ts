import { FaultlineApiError } from '../../client/errors.js';

/** toxiproxy_url, else toxiproxy_host/port (chaostoolkit-toxiproxy), else faultline_url, else FAULTLINE_URL. */
export function serverUrl(configuration: Record<string, unknown>): string {
  if (configuration.toxiproxy_url) return String(configuration.toxiproxy_url);
  if (configuration.toxiproxy_host) {
    // chaostoolkit-toxiproxy: `if not toxiproxy_port: toxiproxy_port = 8474`, so "" and 0 mean 8474 too.
    return `http://${toxiproxyHost(String(configuration.toxiproxy_host))}:${configuration.toxiproxy_port || 8474}`;
  }
  // chaostoolkit-toxiproxy would call http://None:PORT; another server must not answer instead.
  if (configuration.toxiproxy_port) {
    throw new Error(
      `the configuration sets toxiproxy_port (${String(configuration.toxiproxy_port)}) but not toxiproxy_host, which chaostoolkit-toxiproxy requires: add "toxiproxy_host": "127.0.0.1" (or the server's host) beside it`,
    );
  }
  return String(configuration.faultline_url ?? process.env.FAULTLINE_URL ?? 'http://127.0.0.1:8474');
}

/** chaostoolkit-toxiproxy writes http://HOST:PORT: a URL or a port in HOST makes an address nothing answers. */
function toxiproxyHost(host: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    throw new Error(
      `toxiproxy_host ${JSON.stringify(host)} is a URL; it takes a host name or address ("127.0.0.1"), with the port in toxiproxy_port, or give the whole URL as toxiproxy_url`,
    );
  }
  if (host.includes(':') && !/^\[[^\]]+\]$/.test(host)) {
    throw new Error(
      `toxiproxy_host ${JSON.stringify(host)} holds a ":"; the port goes in toxiproxy_port, and an IPv6 address in brackets ("[::1]")`,
    );
  }
  return host;
}

export function isUnreachable(error: unknown): error is FaultlineApiError {
  return error instanceof FaultlineApiError && error.code === 'FAULTLINE_ERR_UNREACHABLE';
}

/** The client's advice names the CLI's --host; in a run, the address comes from the configuration. */
export function unreachableInRun(message: string, configuration: Record<string, unknown>): string {
  const source = configuration.toxiproxy_url
    ? "the configuration's toxiproxy_url gives"
    : configuration.toxiproxy_host
      ? "the configuration's toxiproxy_host and toxiproxy_port give"
      : configuration.faultline_url
        ? "the configuration's faultline_url gives"
        : process.env.FAULTLINE_URL
          ? 'FAULTLINE_URL gives (the configuration has no toxiproxy_host)'
          : 'faultline asks when the configuration has no toxiproxy_host';
  return message.replace(
    /; start one with .*$/,
    `, the address ${source}; start the server there, or set toxiproxy_host and toxiproxy_port (or toxiproxy_url) to where it listens`,
  );
}
