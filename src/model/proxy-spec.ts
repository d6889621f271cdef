// zod/mini: the server loads only the validators it uses (see scripts/build-cli.mjs).
import * as z from 'zod/mini';
import { parseHostPort } from './address.js';
import { describeValue, FaultlineError } from './errors.js';
import { canonicalKeys, type GoShape, goValueKind, lazySchema, parseWith } from './fields.js';
import { checkName } from './names.js';
import {
  DEFAULT_PROTOCOL,
  isProxyProtocol,
  MAX_IDLE_TIMEOUT_MS,
  type ProxyProtocol,
  proxyProtocols,
} from './protocol.js';
import {
  parseTlsOrigination,
  parseTlsTermination,
  type TlsOrigination,
  type TlsTermination,
} from './tls-spec.js';
import { parseToxicCreate, type ToxicSpec } from './toxic.js';

/** A proxy as it is asked for: by POST /proxies, /populate entries and config files. */
export interface ProxySpec {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  /** How the proxy reads traffic; tcp (bytes, as Toxiproxy) when omitted. */
  protocol?: ProxyProtocol;
  /** http/http2 only: requests may ask for a fault with x-faultline-* or Envoy x-envoy-fault-* headers. Off when omitted. */
  headerFaults?: boolean;
  /** udp only: a flow with no datagram either way for this many ms is closed (60 s when omitted). */
  idleTimeout?: number;
  /** Present a certificate to clients (TLS termination). */
  tls?: TlsTermination;
  /** Speak TLS to the upstream (TLS origination). */
  upstreamTls?: TlsOrigination;
  /**
   * Undefined keeps whatever toxics the proxy has; an array lists toxics to have as listed, and
   * the proxy keeps those it does not list (a proxy made anew has only these).
   */
  toxics: ToxicSpec[] | undefined;
}

export interface ProxyUpdate {
  listen?: string;
  upstream?: string;
  enabled?: boolean;
  /** Only to repeat the current protocol: a proxy's protocol cannot change. */
  protocol?: ProxyProtocol;
  headerFaults?: boolean;
  idleTimeout?: number;
  /** Replaces the certificate clients see; connections already open keep theirs. */
  /** null takes TLS off: new connections are plain again. */
  tls?: TlsTermination | null;
  upstreamTls?: TlsOrigination | null;
}

/** Proxies bind loopback unless told otherwise (Toxiproxy binds every interface). */
export const DEFAULT_LISTEN = '127.0.0.1:0';

/** `Logger` is what Toxiproxy's own responses carry, so clients that echo a proxy back may send it. */
const proxyFields = [
  'name',
  'listen',
  'upstream',
  'enabled',
  'protocol',
  'header_faults',
  'idle_timeout',
  'tls',
  'upstream_tls',
  'toxics',
  'logger',
] as const;

const proxyShape = lazySchema(() =>
  z.object({
    name: z.optional(z.string({ error: 'name must be a string' })),
    listen: z.optional(z.string({ error: 'listen must be a string "host:port"' })),
    upstream: z.optional(z.string({ error: 'upstream must be a string "host:port"' })),
    enabled: z.optional(z.boolean({ error: 'enabled must be true or false' })),
    protocol: z.optional(z.unknown()),
    header_faults: z.optional(z.boolean({ error: 'header_faults must be true or false' })),
    idle_timeout: z.optional(z.unknown()),
    tls: z.optional(z.unknown()),
    upstream_tls: z.optional(z.unknown()),
    toxics: z.optional(z.array(z.unknown(), { error: 'toxics must be an array of toxics' })),
    logger: z.optional(z.unknown()),
  }),
);

/** What Toxiproxy decodes a proxy body into, for Go's wording of type errors. */
const goProxy: GoShape = {
  value: 'toxiproxy.Proxy',
  struct: 'Proxy',
  fields: { name: 'string', listen: 'string', upstream: 'string', enabled: 'bool' },
};

/**
 * `listenChecked` false leaves the listen address to be checked when the proxy is made
 * (checkListenAddress), as /populate does: Toxiproxy finds a bad one only when it gets there.
 */
export function parseProxyCreate(body: unknown, where = 'proxy', listenChecked = true): ProxySpec {
  const fields = parseWith(proxyShape(), canonicalKeys(body, proxyFields, where, goProxy), where, goProxy);
  const name = checkName(requireField(fields.name, 'name', where), `proxy name in ${where}`);
  const upstream = requireField(fields.upstream, 'upstream', where);
  const listen = fields.listen || DEFAULT_LISTEN;
  if (listenChecked) checkAddress(listen, 'listen', name);
  checkAddress(upstream, 'upstream', name);
  const protocol = parseProtocol(fields.protocol ?? DEFAULT_PROTOCOL, name);
  const headerFaults = fields.header_faults ?? false;
  if (headerFaults) checkHeaderFaults(protocol, name);
  const idleTimeout =
    fields.idle_timeout === undefined ? undefined : parseIdleTimeout(fields.idle_timeout, protocol, name);
  const scope = `proxy ${JSON.stringify(name)}`;
  const tls = fields.tls === undefined ? undefined : parseTlsTermination(fields.tls, scope);
  const upstreamTls =
    fields.upstream_tls === undefined ? undefined : parseTlsOrigination(fields.upstream_tls, scope);
  if (tls && protocol === 'udp') throw tlsOnUdp(name, 'tls');
  if (upstreamTls && protocol === 'udp') throw tlsOnUdp(name, 'upstream_tls');
  const toxics = fields.toxics?.map((toxic, i) =>
    parseToxicCreate(toxic, `toxic ${i + 1} of proxy ${JSON.stringify(name)}`),
  );
  if (toxics) rejectDuplicateToxicNames(toxics, name);
  return {
    name,
    listen,
    upstream,
    enabled: fields.enabled ?? true,
    ...(protocol === DEFAULT_PROTOCOL ? {} : { protocol }),
    ...(headerFaults ? { headerFaults } : {}),
    ...(idleTimeout === undefined ? {} : { idleTimeout }),
    ...(tls ? { tls } : {}),
    ...(upstreamTls ? { upstreamTls } : {}),
    toxics,
  };
}

/**
 * Clients that save a whole proxy echo its name and toxics back: toxics are ignored here (they have
 * their own routes), and the name may be repeated but not changed (Toxiproxy ignores a new one).
 */
export function parseProxyUpdate(body: unknown, name: string): ProxyUpdate {
  const where = `update of proxy ${JSON.stringify(name)}`;
  const fields = parseWith(proxyShape(), canonicalKeys(body, proxyFields, where, goProxy), where, goProxy);
  if (fields.name !== undefined && fields.name !== name) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', 'the name of a proxy cannot change', {
      hint: `it is ${JSON.stringify(name)}, received ${describeValue(fields.name)}; delete the proxy and create it again under the new name (Toxiproxy 2.12 ignores a new name and answers 200, so the rename looked done)`,
    });
  }
  const update: ProxyUpdate = {};
  // Go resolves "" as port 0 on an empty host, so Toxiproxy moves the proxy to a new port (on every
  // interface); here, as on create, "" is the default listen: a new free port on 127.0.0.1.
  if (fields.listen !== undefined)
    update.listen = checkAddress(fields.listen || DEFAULT_LISTEN, 'listen', name, false);
  if (fields.upstream !== undefined) update.upstream = checkAddress(fields.upstream, 'upstream', name);
  if (fields.enabled !== undefined) update.enabled = fields.enabled;
  if (fields.protocol !== undefined) update.protocol = parseProtocol(fields.protocol, name);
  if (fields.header_faults !== undefined) update.headerFaults = fields.header_faults;
  if (fields.idle_timeout !== undefined)
    update.idleTimeout = parseIdleTimeout(fields.idle_timeout, 'udp', name);
  // A null field reads as absent, as Go reads it, except where null is how TLS is taken off.
  if (fields.tls !== undefined) update.tls = parseTlsTermination(fields.tls, where);
  else if (sentNull(body, 'tls')) update.tls = null;
  if (fields.upstream_tls !== undefined) update.upstreamTls = parseTlsOrigination(fields.upstream_tls, where);
  else if (sentNull(body, 'upstream_tls')) update.upstreamTls = null;
  return update;
}

export { MAX_IDLE_TIMEOUT_MS };

/** A udp proxy's flow idle timeout in ms; other protocols have no flows to time out. */
export function parseIdleTimeout(value: unknown, protocol: ProxyProtocol, name: string): number {
  if (protocol !== 'udp') {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', 'idle_timeout needs a udp proxy', {
      hint: `proxy ${JSON.stringify(name)} has protocol ${protocol}, which has no flows to time out; remove idle_timeout or create the proxy with "protocol": "udp"`,
    });
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_IDLE_TIMEOUT_MS) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `invalid idle_timeout of proxy ${JSON.stringify(name)}`,
      {
        hint: `received ${describeValue(value)}; expected a whole number of ms from 1 to ${MAX_IDLE_TIMEOUT_MS} (how long a flow may go without datagrams before it is closed; 60000 when omitted)`,
      },
    );
  }
  return value;
}

function parseProtocol(value: unknown, name: string): ProxyProtocol {
  const protocol = typeof value === 'string' ? value.toLowerCase() : value;
  if (!isProxyProtocol(protocol)) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `invalid protocol of proxy ${JSON.stringify(name)}`,
      {
        hint: `received ${describeValue(value)}; accepted protocols: ${proxyProtocols.join(', ')} (tcp when omitted)${protocolAdvice(protocol)}`,
      },
    );
  }
  return protocol;
}

const H2_ADVICE = 'use protocol http2 (h2c with prior knowledge; h2 with tls)';
const TLS_ADVICE = 'use tls (termination) or upstream_tls (origination)';

/** The way to get what a protocol name that faultline does not take asks for. */
const PROTOCOL_ADVICE: Readonly<Record<string, string>> = {
  grpc: 'gRPC runs over HTTP/2: use protocol http2',
  h2: H2_ADVICE,
  h2c: H2_ADVICE,
  'http/2': H2_ADVICE,
  'http/1.1': 'use protocol http',
  https: `use protocol http with tls (termination) or upstream_tls (origination)`,
  tls: `TLS goes with any protocol: ${TLS_ADVICE}`,
  ssl: `TLS goes with any protocol: ${TLS_ADVICE}`,
  websocket: 'a WebSocket upgrade passes through protocol http',
  ws: 'a WebSocket upgrade passes through protocol http',
};

function protocolAdvice(given: unknown): string {
  // Own keys only: "constructor" or "__proto__" is no protocol name to advise on.
  if (typeof given !== 'string' || !Object.hasOwn(PROTOCOL_ADVICE, given)) return '';
  return `; ${PROTOCOL_ADVICE[given]}`;
}

/**
 * Whether the body sets `field` (in any letter case) to null. Called where canonicalKeys has
 * checked that the body is an object and dropped null fields: a key still in the body is null.
 */
function sentNull(body: unknown, field: string): boolean {
  return Object.keys(body as object).some((key) => key.toLowerCase() === field);
}

function tlsOnUdp(name: string, field: 'tls' | 'upstream_tls'): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', `${field} needs a tcp, http or http2 proxy`, {
    hint: `proxy ${JSON.stringify(name)} has protocol udp; DTLS is not supported, remove ${field}`,
  });
}

/** Header-driven faults need a proxy that reads requests. */
export function checkHeaderFaults(protocol: ProxyProtocol, name: string): void {
  if (protocol === 'http' || protocol === 'http2') return;
  throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', `header_faults needs an http or http2 proxy`, {
    hint: `proxy ${JSON.stringify(name)} has protocol ${protocol}, which does not read requests; create it with "protocol": "http" or "http2"`,
  });
}

export function parseProxyList(body: unknown, where: string): ProxySpec[] {
  if (!Array.isArray(body)) {
    throw new FaultlineError(
      'FAULTLINE_ERR_BAD_BODY',
      `bad request body: json: cannot unmarshal ${goValueKind(body, 'array')} into Go value of type []struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }`,
      {
        hint: `${where} must be a JSON array of proxies like [{"name":"redis","listen":"127.0.0.1:26379","upstream":"127.0.0.1:6379"}]`,
      },
    );
  }
  const specs = body.map((entry, i) => parseProxyCreate(entry, `proxy ${i + 1}`, false));
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) {
      throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', 'duplicate proxy name', {
        hint: `proxy ${JSON.stringify(spec.name)} appears twice in ${where}; names must be unique (Toxiproxy 2.12 applies both, and the later entry wins: one of the two was a mistake)`,
      });
    }
    seen.add(spec.name);
  }
  return specs;
}

/** Throws Go's net.Listen error for a listen that is not "host:port". */
export function checkListenAddress(listen: string, name: string): void {
  checkAddress(listen, 'listen', name);
}

/**
 * Toxiproxy reports a bad listen address with Go's net.Listen text (`listen tcp: address x:
 * missing port in address`), but on update with SplitHostPort's (`address x: ...`, as for a bad
 * upstream), with a 500 as for every raw Go error; faultline checks both up front with those texts
 * and that status (a client such as toxiproxy-ruby reads a 400 as an invalid toxic), and says what
 * is wrong in the hint.
 */
/** Toxiproxy never checks an upstream: a bad one is found only when each connection fails. */
const upstreamToxiproxyNote =
  ' (Toxiproxy 2.12 accepts it and then closes every connection, unable to dial it)';

function checkAddress(value: string, field: 'listen' | 'upstream', name: string, creating = true): string {
  try {
    parseHostPort(value, `${field} of proxy ${JSON.stringify(name)}`);
  } catch (error) {
    const prefix = field === 'listen' && creating ? 'listen tcp: ' : '';
    const toxiproxy = field === 'upstream' ? upstreamToxiproxyNote : '';
    const code = field === 'listen' ? 'FAULTLINE_ERR_INVALID_LISTEN' : 'FAULTLINE_ERR_INVALID_ADDRESS';
    throw new FaultlineError(code, `${prefix}${goAddressError(value)}`, {
      cause: error,
      hint: `${(error as Error).message}${toxiproxy}`,
    });
  }
  return value;
}

/**
 * Go's error for an address: net.SplitHostPort's, which names the whole address, or the port
 * parser's after it, which names the port alone (`address 99999: invalid port`).
 */
function goAddressError(value: string): string {
  const colons = value.replaceAll(/\[[^\]]*\]/g, '').split(':').length - 1;
  if (colons === 0) return `address ${value}: missing port in address`;
  if (colons > 1) return `address ${value}: too many colons in address`;
  const port = value.slice(value.lastIndexOf(':') + 1);
  // Go would look a name up as a service (http is 80); faultline takes numbers only.
  return port === '' ? `address ${value}: missing port in address` : `address ${port}: invalid port`;
}

function requireField(value: string | undefined, field: string, where: string): string {
  if (!value) {
    const suffix = where === 'proxy' ? '' : ` at ${where}`;
    throw new FaultlineError('FAULTLINE_ERR_MISSING_FIELD', `missing required field: ${field}${suffix}`, {
      hint: `every proxy needs ${field === 'upstream' ? 'an' : 'a'} ${field}, e.g. {"name":"redis","listen":"127.0.0.1:26379","upstream":"127.0.0.1:6379"}`,
    });
  }
  return value;
}

function rejectDuplicateToxicNames(toxics: ToxicSpec[], proxy: string): void {
  const names = new Set<string>();
  for (const toxic of toxics) {
    if (names.has(toxic.name)) {
      throw new FaultlineError('FAULTLINE_ERR_TOXIC_EXISTS', 'toxic already exists', {
        hint: `${JSON.stringify(toxic.name)} appears twice in proxy ${JSON.stringify(proxy)}; give each toxic its own name`,
      });
    }
    names.add(toxic.name);
  }
}
