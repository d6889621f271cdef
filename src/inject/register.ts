import { readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { jsonDuplicateKey } from '../model/json-duplicate-key.js';
import { parseYamlNamingKeys } from '../config/yaml-duplicate-key.js';
import { refuseDuplicateNames } from '../model/fault-names.js';
import { arm } from './apply.js';
import { faultsEnabled } from './enabled.js';
import { installFsFaults } from './fs-faults.js';
import { installFetchFaults, installHttpFaults } from './outbound.js';

/**
 * `FAULTLINE_INJECT=1 node --import faultline/register app.js`: faults for outbound fetch and
 * http(s).request and for fs calls, without changing the application. FAULTLINE_FAULTS holds a
 * JSON array, or "@file.json|yaml" naming a file; each entry has a `target` ("fetch", "http" or
 * "fs") and the fields of a fault (see docs/inject.md). Without FAULTLINE_INJECT nothing is read
 * or patched. Bad configuration stops the process with a message.
 */
const prefix = 'faultline/register:';

function load(raw: string): Array<Record<string, unknown>> {
  const file = raw.startsWith('@') ? raw.slice(1) : undefined;
  const text = file === undefined ? raw : readFaultsFile(file);
  const yaml = file !== undefined && /\.ya?ml$/.test(file);
  const source = `FAULTLINE_FAULTS${file === undefined ? '' : ` (${file})`}`;
  let value: unknown;
  try {
    value = yaml ? parseYamlNamingKeys(text) : JSON.parse(text);
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

function install(raw: string): void {
  const entries = load(raw);
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

const raw = process.env.FAULTLINE_FAULTS ?? '';
if (!faultsEnabled()) {
  const switchValue = process.env.FAULTLINE_INJECT ?? '';
  const why =
    switchValue.trim() === ''
      ? 'FAULTLINE_INJECT is not'
      : `FAULTLINE_INJECT is ${JSON.stringify(switchValue)}, which is off (on is 1, true, on or yes)`;
  if (raw !== '')
    process.stderr.write(
      `${prefix} FAULTLINE_FAULTS is set but ${why}; no faults installed (set FAULTLINE_INJECT=1 to turn them on)\n`,
    );
} else if (raw === '') {
  process.stderr.write(
    `${prefix} FAULTLINE_INJECT is on but FAULTLINE_FAULTS is empty; no faults installed\n`,
  );
} else {
  try {
    install(raw);
  } catch (error) {
    process.stderr.write(`${prefix} ${(error as Error).message}\n`);
    process.exit(2);
  }
}
