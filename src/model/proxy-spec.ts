import { z } from 'zod';
import { parseHostPort } from './address.js';
import { FaultlineError } from './errors.js';
import { canonicalKeys, parseWith } from './fields.js';
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
  name: z.string({ error: 'name must be a string' }).optional(),
  listen: z.string({ error: 'listen must be a string "host:port"' }).optional(),
  upstream: z.string({ error: 'upstream must be a string "host:port"' }).optional(),
  enabled: z.boolean({ error: 'enabled must be true or false' }).optional(),
  toxics: z.array(z.unknown(), { error: 'toxics must be an array of toxics' }).optional(),
  logger: z.unknown().optional(),
});

export function parseProxyCreate(body: unknown, where = 'proxy'): ProxySpec {
  const fields = parseWith(proxyShape, canonicalKeys(body, proxyFields, where), where);
  const name = requireField(fields.name, 'name', where);
  if (name.includes('/')) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `invalid name in ${where}: received ${JSON.stringify(name)}; a proxy name cannot contain "/" because it could never be addressed in a URL`,
    );
  }
  const upstream = requireField(fields.upstream, 'upstream', where);
  const listen = fields.listen || DEFAULT_LISTEN;
  parseHostPort(listen, `listen of proxy ${JSON.stringify(name)}`);
  parseHostPort(upstream, `upstream of proxy ${JSON.stringify(name)}`);
  const toxics = fields.toxics?.map((toxic, i) =>
    parseToxicCreate(toxic, `toxic ${i + 1} of proxy ${JSON.stringify(name)}`),
  );
  if (toxics) rejectDuplicateToxicNames(toxics, name);
  return { name, listen, upstream, enabled: fields.enabled ?? true, toxics };
}

/** Name and toxics may be echoed back by clients that save a whole proxy; they are ignored here. */
export function parseProxyUpdate(body: unknown, name: string): ProxyUpdate {
  const where = `update of proxy ${JSON.stringify(name)}`;
  const fields = parseWith(proxyShape, canonicalKeys(body, proxyFields, where), where);
  const update: ProxyUpdate = {};
  if (fields.listen) update.listen = parseAddress(fields.listen, 'listen', name);
  if (fields.upstream) update.upstream = parseAddress(fields.upstream, 'upstream', name);
  if (fields.enabled !== undefined) update.enabled = fields.enabled;
  return update;
}

export function parseProxyList(body: unknown, where: string): ProxySpec[] {
  if (!Array.isArray(body)) {
    throw new FaultlineError(
      'FAULTLINE_ERR_BAD_BODY',
      `bad request body: ${where} must be a JSON array of proxies like [{"name":"redis","listen":"127.0.0.1:26379","upstream":"127.0.0.1:6379"}]`,
    );
  }
  const specs = body.map((entry, i) => parseProxyCreate(entry, `proxy ${i + 1}`));
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) {
      throw new FaultlineError(
        'FAULTLINE_ERR_INVALID_FIELD',
        `proxy ${JSON.stringify(spec.name)} appears twice in ${where}; names must be unique`,
      );
    }
    seen.add(spec.name);
  }
  return specs;
}

function parseAddress(value: string, field: 'listen' | 'upstream', name: string): string {
  parseHostPort(value, `${field} of proxy ${JSON.stringify(name)}`);
  return value;
}

function requireField(value: string | undefined, field: string, where: string): string {
  if (!value) {
    const suffix = where === 'proxy' ? '' : ` at ${where}`;
    throw new FaultlineError('FAULTLINE_ERR_MISSING_FIELD', `missing required field: ${field}${suffix}`);
  }
  return value;
}

function rejectDuplicateToxicNames(toxics: ToxicSpec[], proxy: string): void {
  const names = new Set<string>();
  for (const toxic of toxics) {
    if (names.has(toxic.name)) {
      throw new FaultlineError(
        'FAULTLINE_ERR_TOXIC_EXISTS',
        `toxic already exists: ${JSON.stringify(toxic.name)} appears twice in proxy ${JSON.stringify(proxy)}; give each toxic its own name`,
      );
    }
    names.add(toxic.name);
  }
}
