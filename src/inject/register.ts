import { readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { parse as parseYaml } from 'yaml';
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
  const text = file === undefined ? raw : readFileSync(file, 'utf8');
  let value: unknown;
  try {
    value = file !== undefined && /\.ya?ml$/.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new Error(
      `FAULTLINE_FAULTS${file === undefined ? '' : ` (${file})`} is not valid ${file !== undefined && /\.ya?ml$/.test(file) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'object' || entry === null))
    throw new Error(`FAULTLINE_FAULTS must be an array of fault objects, received ${text.slice(0, 200)}`);
  return value as Array<Record<string, unknown>>;
}

function install(raw: string): void {
  const entries = load(raw);
  const unknown = entries.find((entry) => !['fetch', 'http', 'fs'].includes(String(entry.target)));
  if (unknown)
    throw new Error(`every fault needs "target": "fetch", "http" or "fs"; got ${JSON.stringify(unknown)}`);
  const of = (target: string) =>
    entries.filter((entry) => entry.target === target).map(({ target: _target, ...fault }) => fault);
  if (of('fetch').length) installFetchFaults(arm(of('fetch'), ['error', 'status', 'abort'], 'fetch fault'));
  if (of('http').length) installHttpFaults(arm(of('http'), ['error', 'abort'], 'http fault'));
  if (of('fs').length) installFsFaults(of('fs'));
  syncBuiltinESMExports();
}

const raw = process.env.FAULTLINE_FAULTS ?? '';
if (!faultsEnabled()) {
  if (raw !== '')
    process.stderr.write(
      `${prefix} FAULTLINE_FAULTS is set but FAULTLINE_INJECT is not; no faults installed (set FAULTLINE_INJECT=1 to turn them on)\n`,
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
