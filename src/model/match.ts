import { describeValue, FaultlineError } from './errors.js';
import { blockContains, type IpBlock, parseIp, parseIpBlock } from './ip-block.js';
import { compilePattern, type Pattern } from './pattern.js';

/**
 * Which connections or requests a toxic applies to. Every key given must match (AND); a list
 * (client, method) matches when any entry does. Only `client` is known on a connection; the rest
 * need an http or http2 proxy, which sees each request.
 */
export interface Match {
  /** Client addresses or CIDR blocks, e.g. ["127.0.0.2", "10.0.0.0/8", "::1"]. */
  client?: string[];
  /** Upper-case request methods, e.g. ["POST", "PUT"]. */
  method?: string[];
  /** A glob over the path without the query: `*` within one segment, `**` across segments. */
  path?: string;
  /** An RE2 regular expression that must match somewhere in the path. */
  path_regex?: string;
  /** Query parameters that must have exactly these values. */
  query?: Record<string, string>;
  /** Headers (lower-case names) that must have exactly these values. */
  headers?: Record<string, string>;
  /** Headers whose value must match these RE2 regular expressions. */
  headers_regex?: Record<string, string>;
  /** gRPC calls only: the full service name, e.g. "shop.Orders". */
  grpc_service?: string;
  /** gRPC calls only: the method name, e.g. "Create". */
  grpc_method?: string;
}

export type MatchKey = keyof Match;

export const matchKeys: readonly MatchKey[] = [
  'client',
  'method',
  'path',
  'path_regex',
  'query',
  'headers',
  'headers_regex',
  'grpc_service',
  'grpc_method',
];

/** The keys a byte-level (connection) toxic can match on, on any proxy. */
export const connectionMatchKeys: readonly MatchKey[] = ['client'];

/**
 * Counters make retry tests exact without a seed: of the requests (or connections) the match
 * selects, skip the first `after`, then take every `every`-th, and stop after `first` were taken.
 */
export interface Counter {
  first?: number;
  after?: number;
  every?: number;
}

export const counterKeys = ['first', 'after', 'every'] as const;

export const MAX_COUNTER = 1_000_000_000;

/** What the proxy knows of one request when it decides whether a toxic applies. */
export interface RequestFacts {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The query string without `?`, as sent. */
  query: string;
  /** Lower-case names, as node:http gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The client's IP address. */
  client: string;
  /** `http` or `https`, for the `:scheme` of an HTTP/1.1 request (an HTTP/2 one carries it). */
  scheme?: string;
}

interface CompiledMatch {
  blocks?: IpBlock[];
  path?: Pattern;
  pathRegex?: Pattern;
  headersRegex?: Array<[string, Pattern]>;
}

const compiled = new WeakMap<Match, CompiledMatch>();

function invalid(where: string, key: string, value: unknown, accepted: string): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `invalid match.${key} of ${where}`, {
    hint: `received ${describeValue(value)}; accepted: ${accepted}`,
  });
}

function stringList(value: unknown, where: string, key: string, accepted: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string')) {
    throw invalid(where, key, value, accepted);
  }
  return list as string[];
}

function stringMap(value: unknown, where: string, key: string, accepted: string): Record<string, string> {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject || !Object.values(value).every((item) => typeof item === 'string')) {
    throw invalid(where, key, value, accepted);
  }
  return { ...(value as Record<string, string>) };
}

function text(value: unknown, where: string, key: string, accepted: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(where, key, value, accepted);
  return value;
}

/** Protobuf identifiers: a gRPC path is /package.Service/Method, so nothing else can match. */
const GRPC_METHOD = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GRPC_SERVICE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const GRPC_SERVICE_ACCEPTED =
  'a full gRPC service name such as "shop.Orders": the package and service, dot-separated';
const GRPC_METHOD_ACCEPTED = 'a gRPC method name such as "Create": letters, digits and _';

/** A service or method name; a value holding slashes or a whole call path says what to send. */
function grpcName(value: unknown, where: string, key: string, name: RegExp, accepted: string): string {
  const given = text(value, where, key, accepted);
  if (name.test(given)) return given;
  const bare = given.replace(/^\/+|\/+$/g, '');
  const call = grpcCall(`/${bare}`);
  let advice = '';
  if (name.test(bare)) advice = `; send ${JSON.stringify(bare)}, without the slashes`;
  else if (call && GRPC_SERVICE.test(call.service) && GRPC_METHOD.test(call.method))
    advice = `; for the path /${call.service}/${call.method} send grpc_service ${JSON.stringify(call.service)} and grpc_method ${JSON.stringify(call.method)}`;
  throw invalid(where, key, value, `${accepted}${advice}`);
}

/**
 * A path glob that no request path can match is refused: a path is matched as the request sent
 * it, percent-encoded, without its query and fragment, so a space, a non-ASCII letter or `#` never
 * occurs in it, and a `?k=v` in the glob reads as the query it cannot see.
 */
function unmatchablePath(glob: string, where: string): void {
  const never = /[^\x21-\x7e]|#/u.exec(glob)?.[0];
  if (never !== undefined) {
    const sent = glob.replace(/[^\x21-\x7e]|#/gu, (character) => encodeURIComponent(character));
    throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `invalid match.path of ${where}`, {
      hint: `received ${JSON.stringify(glob)}; a request sends its path percent-encoded, and it is matched as sent: ${JSON.stringify(never)} never occurs in it; send ${JSON.stringify(sent)}`,
    });
  }
  const query = /\?([^/=?]+)=([^/&]*)/.exec(glob);
  if (query !== null) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `invalid match.path of ${where}`, {
      hint: `received ${JSON.stringify(glob)}; the path is matched without its query ("?" in a glob is any one character): match the query with match.query, e.g. ${JSON.stringify({ [query[1] ?? '']: query[2] ?? '' })}`,
    });
  }
}

/** Turns a path glob into an anchored RE2 expression. */
export function globToRegex(glob: string): string {
  const wildcards: Record<string, string> = { '**': '.*', '*': '[^/]*', '?': '[^/]' };
  const body = glob.replace(/\*\*|[*?\\^$.|+()[\]{}]/g, (token) => wildcards[token] ?? `\\${token}`);
  return `^${body}$`;
}

/**
 * Validates a match object from the API (`where` names the toxic) and compiles its patterns, so
 * a bad regular expression or CIDR block is a 400 when the toxic is created, not a miss later.
 */
export function parseMatch(value: unknown, where: string): Match | undefined {
  return compileMatch(value, where)?.match;
}

function compileMatch(value: unknown, where: string): { match: Match; patterns: CompiledMatch } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `invalid match of ${where}`, {
      hint: `received ${describeValue(value)}; match is an object with keys ${matchKeys.join(', ')}`,
    });
  }
  const match: Match = {};
  const compiledMatch: CompiledMatch = {};
  const given = new Map<string, string>();
  for (const [rawKey, raw] of Object.entries(value)) {
    const key = rawKey.toLowerCase() as MatchKey;
    const before = given.get(key);
    if (before !== undefined) {
      // Both would be read, and the later one would win in silence.
      throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `invalid match of ${where}`, {
        hint: `the key ${key} is given twice (${before}, ${rawKey}): give it once`,
      });
    }
    given.set(key, rawKey);
    switch (key) {
      case 'client': {
        const list = stringList(raw, where, key, 'an IP address or CIDR block, or a list of them');
        compiledMatch.blocks = list.map((entry) => {
          const block = parseIpBlock(entry.trim());
          if (!block)
            throw invalid(
              where,
              key,
              entry,
              'an IP address such as 127.0.0.2 or a CIDR block such as 10.0.0.0/8',
            );
          return block;
        });
        match.client = list.map((entry) => entry.trim());
        break;
      }
      case 'method': {
        const list = stringList(
          raw,
          where,
          key,
          'a method such as "POST", or a list such as ["POST", "PUT"]',
        );
        for (const method of list) {
          if (!/^[A-Za-z]+$/.test(method))
            throw invalid(where, key, method, 'a method name of letters such as "POST"');
        }
        match.method = list.map((method) => method.toUpperCase());
        break;
      }
      case 'path':
        match.path = text(raw, where, key, 'a path glob such as "/v1/orders/*" (** crosses /)');
        if (!match.path.startsWith('/') && !match.path.startsWith('*')) {
          throw invalid(where, key, raw, 'a path glob starting with "/", such as "/v1/orders/*"');
        }
        unmatchablePath(match.path, where);
        compiledMatch.path = compilePattern(globToRegex(match.path), `match.path of ${where}`);
        break;
      case 'path_regex':
        match.path_regex = text(raw, where, key, 'an RE2 regular expression such as "^/v1/orders/[0-9]+$"');
        compiledMatch.pathRegex = compilePattern(match.path_regex, `match.path_regex of ${where}`);
        break;
      case 'query':
        match.query = stringMap(
          raw,
          where,
          key,
          'an object of parameter name → exact value, e.g. {"debug":"1"}',
        );
        break;
      case 'headers':
        match.headers = headerMap(
          raw,
          where,
          key,
          'an object of header name → exact value, e.g. {"x-user":"alice"}',
        );
        break;
      case 'headers_regex': {
        const map = headerMap(
          raw,
          where,
          key,
          'an object of header name → RE2 regular expression, e.g. {"user-agent":"curl"}',
        );
        match.headers_regex = map;
        compiledMatch.headersRegex = Object.entries(map).map(([name, source]) => [
          name,
          compilePattern(source, `match.headers_regex.${name} of ${where}`),
        ]);
        break;
      }
      case 'grpc_service':
        match.grpc_service = grpcName(raw, where, key, GRPC_SERVICE, GRPC_SERVICE_ACCEPTED);
        break;
      case 'grpc_method':
        match.grpc_method = grpcName(raw, where, key, GRPC_METHOD, GRPC_METHOD_ACCEPTED);
        break;
      default:
        throw new FaultlineError(
          'FAULTLINE_ERR_INVALID_ATTRIBUTE',
          `unknown match key ${JSON.stringify(rawKey)} in ${where}`,
          {
            hint: `accepted match keys: ${matchKeys.join(', ')}`,
          },
        );
    }
  }
  return Object.keys(match).length === 0 ? undefined : { match, patterns: compiledMatch };
}

/** The pseudo-headers a request carries (HTTP/2 sends them; HTTP/1.1 requests get them as in Envoy). */
const REQUEST_PSEUDO_HEADERS = [':authority', ':method', ':path', ':scheme'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A map of header name → text, names lower-cased. A name no request can carry (a space, a colon,
 * a response pseudo-header) would never match, and two names for one header (`X-User` and
 * `x-user`, `host` and `:authority`) would keep one in silence: both are refused.
 */
function headerMap(value: unknown, where: string, key: string, accepted: string): Record<string, string> {
  const map = stringMap(value, where, key, accepted);
  const named = new Map<string, string>();
  for (const name of Object.keys(map)) {
    const lower = name.toLowerCase();
    if (lower.startsWith(':') ? !REQUEST_PSEUDO_HEADERS.includes(lower) : !HEADER_NAME.test(name)) {
      const why = lower.startsWith(':')
        ? `is no request pseudo-header (${REQUEST_PSEUDO_HEADERS.join(', ')})`
        : "is not a header name (letters, digits and !#$%&'*+-.^_`|~)";
      throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `invalid match.${key} of ${where}`, {
        hint: `received ${describeValue(value)}; ${JSON.stringify(name)} ${why}`,
      });
    }
    const header = SAME_HEADER.has(lower) ? 'host' : lower;
    const other = named.get(header);
    if (other !== undefined) {
      throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `invalid match.${key} of ${where}`, {
        hint: `received ${describeValue(value)}; ${JSON.stringify(other)} and ${JSON.stringify(name)} name one header: give it once`,
      });
    }
    named.set(header, name);
  }
  return Object.fromEntries(Object.entries(map).map(([name, text]) => [name.toLowerCase(), text]));
}

/** A match's compiled patterns, compiled on first use (a parsed, copied or hand-built match alike). */
function compiledOf(match: Match): CompiledMatch {
  let entry = compiled.get(match);
  if (!entry) {
    entry = compileMatch(match, 'a toxic')?.patterns ?? {};
    compiled.set(match, entry);
  }
  return entry;
}

/** The keys of a match a proxy cannot decide on a connection (all but client). */
export function requestOnlyKeys(match: Match | undefined): MatchKey[] {
  if (!match) return [];
  return (Object.keys(match) as MatchKey[]).filter((key) => !connectionMatchKeys.includes(key));
}

export function matchesClient(match: Match | undefined, client: string): boolean {
  if (!match?.client) return true;
  const address = parseIp(client);
  if (address === undefined) return false;
  return (compiledOf(match).blocks ?? []).some((block) => blockContains(block, address));
}

/**
 * A gRPC call says so in its content-type: application/grpc, or application/grpc+proto and the
 * like; gRPC-Web (application/grpc-web) is not one. The match keys and the gRPC faults agree on it.
 */
export function isGrpcCall(headers: RequestFacts['headers']): boolean {
  const value = headers['content-type'];
  const type = (Array.isArray(value) ? value[0] : value)?.trim().toLowerCase() ?? '';
  return (
    type === 'application/grpc' ||
    type.startsWith('application/grpc+') ||
    type.startsWith('application/grpc;')
  );
}

/** Splits "/pkg.Service/Method" into its gRPC service and method. */
export function grpcCall(path: string): { service: string; method: string } | undefined {
  const found = /^\/([^/]+)\/([^/]+)$/.exec(path);
  return found ? { service: found[1] ?? '', method: found[2] ?? '' } : undefined;
}

/** `host` and `:authority` are one header, as in Envoy: HTTP/1.1 requests carry Host, HTTP/2 ones :authority. */
const SAME_HEADER = new Map([
  ['host', ':authority'],
  [':authority', 'host'],
]);

/**
 * The values of a request header; a match may name the host by either name. An HTTP/1.1 request
 * has no `:method`, `:path` or `:scheme` header, which Envoy gives it: its method, its path with
 * the query, and `https` over TLS, else `http`.
 */
function headerValues(request: RequestFacts, name: string): string[] {
  const headers = request.headers;
  const value =
    headers[name] ??
    headers[SAME_HEADER.get(name) ?? name] ??
    (name === ':method'
      ? request.method
      : name === ':path'
        ? request.path + (request.query === '' ? '' : `?${request.query}`)
        : name === ':scheme'
          ? request.scheme
          : undefined);
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function matchesRequest(match: Match | undefined, request: RequestFacts): boolean {
  if (!match) return true;
  if (!matchesClient(match, request.client)) return false;
  if (match.method && !match.method.includes(request.method.toUpperCase())) return false;
  const patterns = compiledOf(match);
  if (patterns.path && !patterns.path.test(request.path)) return false;
  if (patterns.pathRegex && !patterns.pathRegex.test(request.path)) return false;
  if (match.query) {
    const query = new URLSearchParams(request.query);
    for (const [name, value] of Object.entries(match.query)) {
      if (!query.getAll(name).includes(value)) return false;
    }
  }
  for (const [name, value] of Object.entries(match.headers ?? {})) {
    if (!headerValues(request, name).includes(value)) return false;
  }
  for (const [name, pattern] of patterns.headersRegex ?? []) {
    if (!headerValues(request, name).some((value) => pattern.test(value))) return false;
  }
  if (match.grpc_service !== undefined || match.grpc_method !== undefined) {
    const call = isGrpcCall(request.headers) ? grpcCall(request.path) : undefined;
    if (!call) return false;
    if (match.grpc_service !== undefined && call.service !== match.grpc_service) return false;
    if (match.grpc_method !== undefined && call.method !== match.grpc_method) return false;
  }
  return true;
}

/** Counts what a toxic's match selected; one per toxic (per proxy), restarted when the toxic changes. */
export class CounterState {
  private seen = 0;
  private taken = 0;

  /** Counts one selected request (or connection) and says whether the counter lets it through. */
  take(counter: Counter | undefined): boolean {
    if (!counter) return true;
    this.seen += 1;
    const position = this.seen - (counter.after ?? 0);
    if (position < 1) return false;
    if (counter.every !== undefined && position % counter.every !== 0) return false;
    if (counter.first !== undefined && this.taken >= counter.first) return false;
    this.taken += 1;
    return true;
  }
}

/**
 * The match to send in an update so the toxic ends with exactly `desired` (an update merges the
 * match key by key): every key `desired` lacks is sent as null; no match at all is `{}`.
 */
export function wholeMatch(desired: unknown): unknown {
  if (desired === undefined || desired === null) return {};
  if (typeof desired !== 'object' || Array.isArray(desired) || Object.keys(desired).length === 0)
    return desired;
  return { ...Object.fromEntries(matchKeys.map((key) => [key, null])), ...desired };
}

/**
 * In an update, 0 takes a counter off. On a new toxic, `first: 0` or `every: 0` would read as
 * "none" but mean "no counter", which selects everything: refused. `after: 0` skips none, as
 * leaving it out does.
 */
export function parseCounter(
  raw: Partial<Record<(typeof counterKeys)[number], unknown>>,
  where: string,
  creating = false,
): Counter | undefined {
  const counter: Counter = {};
  for (const key of counterKeys) {
    const value = raw[key];
    if (value === undefined) continue;
    const ok = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_COUNTER;
    if (!ok) {
      throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `invalid attribute ${key} of ${where}`, {
        hint: `received ${describeValue(value)}; expected a whole number from 0 to ${MAX_COUNTER} (${counterMeaning[key]}; 0 turns it off)`,
      });
    }
    if (value === 0 && creating && key !== 'after') {
      throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `invalid attribute ${key} of ${where}`, {
        hint: `received 0; a new toxic takes ${key} from 1 to ${MAX_COUNTER} (${counterMeaning[key]}); leave ${key} out for no counter (0 takes a counter off only in an update)`,
      });
    }
    if (value > 0) counter[key] = value;
  }
  return Object.keys(counter).length === 0 ? undefined : counter;
}

export const counterMeaning: Record<(typeof counterKeys)[number], string> = {
  first: 'the toxic applies only to the first N matching requests or connections',
  after: 'the toxic skips the first N matching requests or connections',
  every: 'the toxic applies to every N-th matching request or connection',
};

/**
 * The units the counters pick, as the set a toxicity roll happens among: "the first 10 requests",
 * "every 3rd request after the first 2", "the first 4 of every 2nd connection".
 */
export function describeCounted(counter: Counter | undefined, singular: string, plural: string): string {
  if (!counter) return plural;
  const after = counter.after ? ` after the first ${counter.after}` : '';
  const every = counter.every ? `every ${ordinal(counter.every)} ${singular}${after}` : undefined;
  if (counter.first === undefined) return every ?? `the ${plural}${after}`;
  if (every !== undefined) return `the first ${counter.first} of ${every}`;
  if (after)
    return counter.first === 1 ? `the ${singular}${after}` : `the ${counter.first} ${plural}${after}`;
  return counter.first === 1 ? `the first ${singular}` : `the first ${counter.first} ${plural}`;
}

function ordinal(n: number): string {
  const suffix =
    n % 100 >= 11 && n % 100 <= 13
      ? 'th'
      : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

export function describeMatch(match: Match | undefined): string {
  if (!match) return '';
  const parts: string[] = [];
  if (match.method) parts.push(match.method.join('/'));
  if (match.path) parts.push(match.path);
  if (match.path_regex) parts.push(`path ~ /${match.path_regex}/`);
  if (match.grpc_service || match.grpc_method)
    parts.push(`gRPC ${match.grpc_service ?? '*'}/${match.grpc_method ?? '*'}`);
  for (const [name, value] of Object.entries(match.query ?? {})) parts.push(`?${name}=${value}`);
  for (const [name, value] of Object.entries(match.headers ?? {})) parts.push(`${name}: ${value}`);
  for (const [name, value] of Object.entries(match.headers_regex ?? {})) parts.push(`${name} ~ /${value}/`);
  if (match.client) parts.push(`from ${match.client.join(', ')}`);
  return parts.join(' ');
}
