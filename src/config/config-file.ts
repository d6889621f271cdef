import { readFile } from 'node:fs/promises';
import { didYouMean } from '../model/closest-key.js';
import { FaultlineError, isFaultlineError } from '../model/errors.js';
import { readFailure } from '../model/read-failure.js';
import { parseProxyCreate, type ProxySpec } from '../model/proxy-spec.js';
import { proxyEntryPlace } from './proxy-entry-place.js';
import { parseToxicCreate, type ToxicSpec } from '../model/toxic.js';
import { misplacedShape } from './misplaced-shape.js';
import { sharedListen } from './shared-listen.js';
import { type ParsedFile, parseYamlText } from './yaml-file.js';

/**
 * Reads a config file, JSON or YAML whatever its extension: either Toxiproxy's populate array or
 * `{ proxies: [...] }` as `faultline export` writes it. Unlike Toxiproxy, toxics listed on a proxy
 * are applied, and any error stops with the file, line and column of the entry at fault.
 */
export async function loadConfigFile(path: string): Promise<ProxySpec[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_CONFIG',
      `cannot read config file ${path}: ${readFailure(error)}; give the path of a YAML or JSON file of proxies`,
    );
  }
  const file = parseYamlText(textOf(bytes, path), path, 'config file');
  // The protocols are loaded only here, so reading the file's syntax stays light.
  const { protocols } = await import('../proxy/protocols.js');
  return proxiesIn(file, (spec, toxic) => protocols[spec.protocol ?? 'tcp'].checkToxic(toxic, spec.name));
}

/**
 * A config file is UTF-8 text. A binary file, or one saved in another encoding, would be read
 * as replacement characters and fail with a YAML error far from its cause, its bytes echoed.
 */
function textOf(bytes: Buffer, path: string): string {
  const lineOf = (offset: number) => bytes.subarray(0, offset).toString('latin1').split('\n').length;
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_CONFIG',
      `config file ${path}:${lineOf(nul)}: not a text file (it holds a NUL byte); give the YAML or JSON file of proxies`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const lossy = bytes.toString('utf8');
    const line = lossy.slice(0, lossy.indexOf('\uFFFD')).split('\n').length;
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_CONFIG',
      `config file ${path}:${line}: not UTF-8 text; save the file as UTF-8`,
    );
  }
}

/** Refuses a toxic that the proxy's protocol does not run, as the server would. */
type ToxicCheck = (spec: ProxySpec, toxic: ToxicSpec) => void;

const example = 'proxies: [{ name: redis, listen: "127.0.0.1:26379", upstream: "127.0.0.1:6379" }]';

/** `did you mean "proxies"? ` for a typo of it or its singular (`proxy:`, `proxes:`), else nothing. */
function proxiesTypo(key: string): string {
  return /^prox/i.test(key) ? 'did you mean "proxies"? ' : didYouMean(key, ['proxies']);
}

function proxiesIn(file: ParsedFile, checkToxic: ToxicCheck): ProxySpec[] {
  const { value } = file;
  let list: unknown = value;
  let prefix: Array<string | number> = [];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const unknown = Object.keys(value).filter((key) => key !== 'proxies');
    const shape = unknown.length > 0 ? misplacedShape(value as Record<string, unknown>) : undefined;
    if (shape) throw invalid(file.whereKey([unknown[0]!]), shape);
    if (unknown.length > 0) {
      throw invalid(
        file.whereKey([unknown[0]!]),
        `unknown key "${unknown[0]}"; ${proxiesTypo(unknown[0]!)}a config file is a list of proxies or has only "proxies", e.g. ${example}`,
      );
    }
    list = (value as { proxies?: unknown }).proxies;
    prefix = ['proxies'];
  }
  if (!Array.isArray(list)) {
    throw invalid(
      file.where(prefix),
      `expected a list of proxies, received ${list === null || list === undefined ? 'nothing' : typeof list}; for example ${example}`,
    );
  }
  const specs = parsedProxies(file, list, prefix, checkToxic);
  const shared = sharedListen(specs);
  if (shared) {
    const [first, second] = [specs[shared.first]!, specs[shared.second]!];
    throw invalid(
      file.where([...prefix, shared.second]),
      `proxies "${first.name}" and "${second.name}" both listen on ${shared.address} (entries ${shared.first + 1} and ${shared.second + 1}); give one another port, or port 0 to pick a free one`,
    );
  }
  return specs;
}

function parsedProxies(
  file: ParsedFile,
  list: unknown[],
  prefix: Array<string | number>,
  checkToxic: ToxicCheck,
): ProxySpec[] {
  const seen = new Map<string, number>();
  return list.map((entry, index) => {
    let spec: ProxySpec;
    try {
      spec = parseProxyCreate(entry, proxyEntryPlace(entry, index));
    } catch (error) {
      const message = (error as Error).message;
      const at = toxicAtFault(entry, message);
      const key = at ? undefined : proxyKeyAtFault(entry, message);
      throw invalid(
        at?.attribute !== undefined
          ? file.whereKey([...prefix, index, 'toxics', at.index, 'attributes', at.attribute])
          : key !== undefined
            ? file.whereKey([...prefix, index, key])
            : file.where([...prefix, index, ...(at ? ['toxics', at.index] : [])]),
        message.replace(/^bad request body: /, ''),
      );
    }
    for (const [toxicIndex, toxic] of (spec.toxics ?? []).entries()) {
      try {
        checkToxic(spec, toxic);
      } catch (error) {
        if (!isFaultlineError(error)) throw error;
        throw invalid(file.where([...prefix, index, 'toxics', toxicIndex]), error.message);
      }
    }
    const first = seen.get(spec.name);
    if (first !== undefined) {
      throw invalid(
        file.where([...prefix, index]),
        `proxy "${spec.name}" appears twice (entries ${first + 1} and ${index + 1}); names must be unique`,
      );
    }
    seen.set(spec.name, index);
    return spec;
  });
}

/**
 * The key of a proxy entry its error names (`unknown field "protocl"`, `idle_timeout of proxy`,
 * `invalid enabled in proxy 1`), so the error points at that key's line rather than the entry's.
 */
function proxyKeyAtFault(entry: unknown, message: string): string | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  return Object.keys(entry).find((key) => {
    const name = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(
      `unknown field "${name}"|\\b${name} of proxy\\b|\\binvalid ${name} (?:of|in) proxy\\b|\\bProxy\\.${name}\\b`,
    ).test(message);
  });
}

/**
 * The toxic of an entry that fails on its own, and the attribute key its error names when the
 * toxic has that key, so an error points at the line the user wrote wrong, not at its proxy.
 */
function toxicAtFault(entry: unknown, message: string): { index: number; attribute?: string } | undefined {
  const toxics = (entry as { toxics?: unknown } | null)?.toxics;
  if (!Array.isArray(toxics)) return undefined;
  const index = toxics.findIndex((toxic) => {
    try {
      parseToxicCreate(toxic);
      return false;
    } catch {
      return true;
    }
  });
  if (index < 0) return undefined;
  const named = /unknown field "([^"]+)": attributes of|\battribute ([A-Za-z_]+) of /.exec(message);
  const attribute = named?.[1] ?? named?.[2];
  const attributes = (toxics[index] as { attributes?: unknown } | null)?.attributes;
  const written =
    attribute !== undefined &&
    attributes !== null &&
    typeof attributes === 'object' &&
    attribute in attributes;
  return written ? { index, attribute } : { index };
}

function invalid(where: string, message: string): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_INVALID_CONFIG', `config file ${where}: ${message}`);
}
