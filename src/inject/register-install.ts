import { readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { refuseDuplicateNames } from '../model/fault-names.js';
import { jsonDuplicateKey } from '../model/json-duplicate-key.js';
import { arm } from './apply.js';
import { installFsFaults } from './fs-faults.js';
import { installFetchFaults, installHttpFaults } from './outbound.js';

/**
 * What `faultline/register` does when faults are on: reads FAULTLINE_FAULTS, a JSON array or
 * "@file.json|yaml" naming a file, whose entries each have a `target` ("fetch", "http" or "fs")
 * and the fields of a fault (see docs/inject.md), and patches fetch, http(s) and fs for them.
 * Loaded only then, so a process with faults off loads none of it.
 */
async function load(raw: string): Promise<Array<Record<string, unknown>>> {
  const file = raw.startsWith('@') ? raw.slice(1) : undefined;
  const text = file === undefined ? raw : readFaultsFile(file);
  const yaml = file !== undefined && /\.ya?ml$/.test(file);
  const source = `FAULTLINE_FAULTS${file === undefined ? '' : ` (${file})`}`;
  // The YAML parser takes as long to load as the rest of the hook: only a YAML file loads it.
  const parse = yaml ? (await import('../config/yaml-duplicate-key.js')).parseYamlNamingKeys : JSON.parse;
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
  if (!yaml) refuseDuplicateKeys(text, source);
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'object' || entry === null))
    throw new Error(`FAULTLINE_FAULTS must be an array of fault objects, received ${text.slice(0, 200)}`);
  return value as Array<Record<string, unknown>>;
}

function readFaultsFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `FAULTLINE_FAULTS names the file ${file} (after @), which cannot be read: ${(error as Error).message}; give a readable JSON or YAML file, or the JSON list itself`,
    );
  }
}

function refuseDuplicateKeys(json: string, source: string): void {
  const duplicate = jsonDuplicateKey(json);
  if (duplicate)
    throw new Error(
      `${source} has a ${duplicate}; JSON.parse would keep only the last value, so write each key once`,
    );
}

/** Reads FAULTLINE_FAULTS (`raw`) and patches what its faults target; throws on bad configuration. */
export async function installFaults(raw: string): Promise<void> {
  const entries = await load(raw);
  const unknown = entries.find((entry) => !['fetch', 'http', 'fs'].includes(String(entry.target)));
  if (unknown)
    throw new Error(`every fault needs "target": "fetch", "http" or "fs"; got ${JSON.stringify(unknown)}`);
  refuseDuplicateNames(
    entries.map((entry) => (typeof entry.name === 'string' ? entry.name : undefined)),
    (index) => `FAULTLINE_FAULTS entry ${index + 1}`,
  );
  const of = (target: string) =>
    entries.filter((entry) => entry.target === target).map(({ target: _target, ...fault }) => fault);
  const sees = 'requests';
  if (of('fetch').length)
    installFetchFaults(
      arm(of('fetch'), ['error', 'status', 'abort'], 'fetch fault', { sees, label: () => 'fetch' }),
    );
  if (of('http').length)
    installHttpFaults(
      arm(of('http'), ['error', 'abort'], 'http fault', { sees, label: () => 'http-client' }),
    );
  if (of('fs').length) installFsFaults(of('fs'));
  syncBuiltinESMExports();
}
