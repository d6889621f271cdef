import { Option } from 'commander';
import { UsageError } from './context.js';

type MatchObject = Record<string, string | string[] | Record<string, string> | null>;

const listKeys = ['method', 'client'];
const textKeys = ['path', 'path_regex', 'grpc_service', 'grpc_method'];
const mapKeys: Record<string, string> = { query: 'query', header: 'headers', header_regex: 'headers_regex' };

const accepted =
  'method=POST[,PUT], path=GLOB, path_regex=RE, client=ADDRESS|CIDR[,...], query.NAME=VALUE, header.NAME=VALUE, header_regex.NAME=RE, grpc_service=NAME, grpc_method=NAME; in toxic update, KEY= (empty) removes a key (query=, header=, header_regex= the whole map)';

/**
 * Parses repeatable `--match key=value` flags into the API's match object. `previous` has no
 * default so the parser takes two parameters, which is how main.ts knows the flag repeats.
 */
export function collectMatch(value: string, previous: MatchObject | undefined): MatchObject {
  const equals = value.indexOf('=');
  if (equals <= 0)
    throw new UsageError(`--match ${JSON.stringify(value)} is not key=value; accepted: ${accepted}`);
  const key = value.slice(0, equals);
  const raw = value.slice(equals + 1);
  const match: MatchObject = { ...previous };
  const field = mapKeys[key] ?? key;
  if (raw === '' && (listKeys.includes(key) || textKeys.includes(key) || mapKeys[key] !== undefined)) {
    // An empty value removes the key from the toxic's match (toxic update merges key by key).
    match[field] = null;
    return match;
  }
  if (listKeys.includes(key)) {
    const before = match[key];
    const items = raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    match[key] = [...(Array.isArray(before) ? before : []), ...items];
    return match;
  }
  if (textKeys.includes(key)) {
    const before = match[key];
    if (typeof before === 'string') throw givenTwice(key, before, raw);
    match[key] = raw;
    return match;
  }
  const dot = key.indexOf('.');
  const mapField = dot > 0 ? mapKeys[key.slice(0, dot)] : undefined;
  if (mapField !== undefined && dot < key.length - 1) {
    const before = match[mapField];
    const map = typeof before === 'object' && before !== null && !Array.isArray(before) ? before : {};
    const prefix = key.slice(0, dot);
    const name = key.slice(dot + 1);
    // Header names are one in any letter case; query parameter names are not.
    const same = (other: string) =>
      prefix === 'query' ? other === name : other.toLowerCase() === name.toLowerCase();
    const earlier = Object.keys(map).find(same);
    if (earlier !== undefined) throw givenTwice(`${prefix}.${name}`, map[earlier] ?? '', raw);
    match[mapField] = { ...map, [name]: raw };
    return match;
  }
  throw new UsageError(`--match has no key ${JSON.stringify(key)}; accepted: ${accepted}`);
}

/** A key that holds one value, given twice: the later would replace the earlier in silence. */
function givenTwice(key: string, before: string, after: string): UsageError {
  return new UsageError(
    `--match ${key} is given twice (${JSON.stringify(before)}, then ${JSON.stringify(after)}); a toxic matches one value per key: give it once (path_regex or header_regex.NAME take alternatives, a|b)`,
  );
}

function counter(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
      throw new UsageError(`--${name} takes a whole number, received ${JSON.stringify(value)}`);
    }
    return number;
  };
}

export const targetingOptions = (): Option[] => [
  new Option(
    '-m, --match <key=value>',
    `which requests or connections the toxic applies to; repeat for more (${accepted})`,
  ).argParser(collectMatch),
  new Option('--first <n>', 'apply only to the first N matching requests (connections on tcp)').argParser(
    counter('first'),
  ),
  new Option('--after <n>', 'skip the first N matching requests (connections on tcp)').argParser(
    counter('after'),
  ),
  new Option('--every <n>', 'apply to every N-th matching request (connection on tcp)').argParser(
    counter('every'),
  ),
];

export interface TargetingFlags {
  match?: MatchObject;
  first?: number;
  after?: number;
  every?: number;
}

/** The match and counters as the API takes them: inside the attributes. */
export function targetingAttributes(flags: TargetingFlags): Record<string, unknown> {
  return {
    ...(flags.match ? { match: flags.match } : {}),
    ...(flags.first === undefined ? {} : { first: flags.first }),
    ...(flags.after === undefined ? {} : { after: flags.after }),
    ...(flags.every === undefined ? {} : { every: flags.every }),
  };
}
