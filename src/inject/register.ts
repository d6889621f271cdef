import { readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { parse as parseYaml } from 'yaml';
import { arm } from './apply.js';
import { type FsFault, installFsFaults } from './fs-faults.js';
import { installFetchFaults, installHttpFaults } from './outbound.js';

/**
 * `node --import faultline/register app.js`: faults for outbound fetch and http(s).request and
 * for fs calls, without changing the application. FAULTLINE_FAULTS holds a JSON array, or
 * "@file.json|yaml" naming a file; each entry has a `target` ("fetch", "http" or "fs") and the
 * fields of a fault (see docs/inject.md). Bad configuration stops the process with a message.
 */
function load(): Array<Record<string, unknown>> {
  const raw = process.env.FAULTLINE_FAULTS;
  if (!raw) return [];
  const text = raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw;
  const value = raw.startsWith('@') && /\.ya?ml$/.test(raw) ? parseYaml(text) : JSON.parse(text);
  if (!Array.isArray(value)) throw new Error('FAULTLINE_FAULTS must be a JSON array of faults');
  return value as Array<Record<string, unknown>>;
}

function install(): void {
  const entries = load();
  const of = (target: string) =>
    entries.filter((entry) => entry.target === target).map(({ target: _target, ...fault }) => fault);
  const unknown = entries.filter((entry) => !['fetch', 'http', 'fs'].includes(String(entry.target)));
  if (unknown.length > 0)
    throw new Error(`every fault needs "target": "fetch", "http" or "fs"; got ${JSON.stringify(unknown[0])}`);
  if (of('fetch').length) installFetchFaults(arm(of('fetch'), ['error', 'status', 'abort'], 'fetch fault'));
  if (of('http').length) installHttpFaults(arm(of('http'), ['error', 'abort'], 'http fault'));
  if (of('fs').length) installFsFaults(of('fs') as unknown as FsFault[]);
  syncBuiltinESMExports();
}

try {
  install();
} catch (error) {
  process.stderr.write(`faultline/register: ${(error as Error).message}\n`);
  process.exit(2);
}
