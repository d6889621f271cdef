// zod/mini: the server loads only the validators it uses (see scripts/build-cli.mjs).
import * as z from 'zod/mini';
import { parseHostPort } from './address.js';
import { FaultlineError } from './errors.js';
import { canonicalKeys, type GoShape, goValueKind, parseWith } from './fields.js';
import { checkName } from './names.js';
import { parseToxicCreate, type ToxicSpec } from './toxic.js';

/** A proxy as it is asked for: by POST /proxies, /populate entries and config files. */
export interface ProxySpec {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  /** Undefined means "keep whatever toxics the proxy has"; an array is the exact set wanted. */
  toxics: ToxicSpec[] | undefined;
}

export interface ProxyUpdate {
  listen?: string;
  upstream?: string;
  enabled?: boolean;
}

/** Proxies bind loopback unless told otherwise (Toxiproxy binds every interface). */
export const DEFAULT_LISTEN = '127.0.0.1:0';

/** `Logger` is what Toxiproxy's own responses carry, so clients that echo a proxy back may send it. */
const proxyFields = ['name', 'listen', 'upstream', 'enabled', 'toxics', 'logger'] as const;

const proxyShape = z.object({
  name: z.optional(z.string({ error: 'name must be a string' })),
  listen: z.optional(z.string({ error: 'listen must be a string "host:port"' })),
  upstream: z.optional(z.string({ error: 'upstream must be a string "host:port"' })),
  enabled: z.optional(z.boolean({ error: 'enabled must be true or false' })),
  toxics: z.optional(z.array(z.unknown(), { error: 'toxics must be an array of toxics' })),
  logger: z.optional(z.unknown()),
});

/** What Toxiproxy decodes a proxy body into, for Go's wording of type errors. */
const goProxy: GoShape = {
  value: 'toxiproxy.Proxy',
  struct: 'Proxy',
  fields: { name: 'string', listen: 'string', upstream: 'string', enabled: 'bool' },
};

export function parseProxyCreate(body: unknown, where = 'proxy'): ProxySpec {
  const fields = parseWith(proxyShape, canonicalKeys(body, proxyFields, where, goProxy), where, goProxy);
  const name = checkName(requireField(fields.name, 'name', where), `proxy name in ${where}`);
  const upstream = requireField(fields.upstream, 'upstream', where);
  const listen = fields.listen || DEFAULT_LISTEN;
  checkAddress(listen, 'listen', name);
  checkAddress(upstream, 'upstream', name);
  const toxics = fields.toxics?.map((toxic, i) =>
    parseToxicCreate(toxic, `toxic ${i + 1} of proxy ${JSON.stringify(name)}`),
  );
  if (toxics) rejectDuplicateToxicNames(toxics, name);
  return { name, listen, upstream, enabled: fields.enabled ?? true, toxics };
}

/** Name and toxics may be echoed back by clients that save a whole proxy; they are ignored here. */
export function parseProxyUpdate(body: unknown, name: string): ProxyUpdate {
  const where = `update of proxy ${JSON.stringify(name)}`;
  const fields = parseWith(proxyShape, canonicalKeys(body, proxyFields, where, goProxy), where, goProxy);
  const update: ProxyUpdate = {};
  if (fields.listen) update.listen = checkAddress(fields.listen, 'listen', name, false);
  if (fields.upstream) update.upstream = checkAddress(fields.upstream, 'upstream', name, false);
  if (fields.enabled !== undefined) update.enabled = fields.enabled;
  return update;
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
  const specs = body.map((entry, i) => parseProxyCreate(entry, `proxy ${i + 1}`));
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) {
      throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', 'duplicate proxy name', {
        hint: `proxy ${JSON.stringify(spec.name)} appears twice in ${where}; names must be unique`,
      });
    }
    seen.add(spec.name);
  }
  return specs;
}

/**
 * Toxiproxy reports a bad listen address with Go's net.Listen text (`listen tcp: address x:
 * missing port in address`) and a bad upstream only on update (`address x: ...`); faultline
 * checks both up front with those texts, and says what is wrong in the hint.
 */
function checkAddress(value: string, field: 'listen' | 'upstream', name: string, creating = true): string {
  try {
    parseHostPort(value, `${field} of proxy ${JSON.stringify(name)}`);
  } catch (error) {
    const prefix = field === 'listen' && creating ? 'listen tcp: ' : '';
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_ADDRESS',
      `${prefix}address ${value}: ${goAddressProblem(value)}`,
      {
        cause: error,
        hint: (error as Error).message,
      },
    );
  }
  return value;
}

/** The reason Go's net.SplitHostPort (or the port parser after it) gives for an address. */
function goAddressProblem(value: string): string {
  const colons = value.replaceAll(/\[[^\]]*\]/g, '').split(':').length - 1;
  if (colons === 0) return 'missing port in address';
  if (colons > 1) return 'too many colons in address';
  return 'invalid port';
}

function requireField(value: string | undefined, field: string, where: string): string {
  if (!value) {
    const suffix = where === 'proxy' ? '' : ` at ${where}`;
    throw new FaultlineError('FAULTLINE_ERR_MISSING_FIELD', `missing required field: ${field}${suffix}`, {
      hint: `every proxy needs a ${field}, e.g. {"name":"redis","listen":"127.0.0.1:26379","upstream":"127.0.0.1:6379"}`,
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
