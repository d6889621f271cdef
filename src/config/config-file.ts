import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FaultlineError } from '../model/errors.js';
import { type ProxySpec, parseProxyList } from '../model/proxy-spec.js';

/**
 * Reads a config file: JSON or YAML, either Toxiproxy's populate array or `{ proxies: [...] }`.
 * Unlike Toxiproxy, toxics listed on a proxy are applied, and any error stops start-up.
 */
export async function loadConfigFile(path: string): Promise<ProxySpec[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_CONFIG',
      `cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; check the path`,
    );
  }
  const document = parseDocument(text, path);
  const list = Array.isArray(document) ? document : (document as { proxies?: unknown } | null)?.proxies;
  try {
    return parseProxyList(list ?? document, `config file ${path}`);
  } catch (error) {
    const message = (error as Error).message.replace(/^bad request body: /, '');
    throw new FaultlineError('FAULTLINE_ERR_INVALID_CONFIG', `config file ${path}: ${message}`);
  }
}

function parseDocument(text: string, path: string): unknown {
  const yaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  try {
    return yaml ? parseYaml(text, { prettyErrors: true }) : JSON.parse(text);
  } catch (error) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_CONFIG',
      `config file ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
}
