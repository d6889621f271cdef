import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, startHarness, tempDirectory } from './helpers.js';

const harness = await startHarness();
const directory = tempDirectory('config-file-shapes');
const run = (args: string[]) => runCli(args, { FAULTLINE_URL: harness.url }, false);
const proxy = { name: 'web', listen: '127.0.0.1:0', upstream: '127.0.0.1:9', enabled: true, toxics: [] };

async function file(name: string, value: unknown): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

test("GET /proxies's answer saved as a file is named as such, with what to give instead", async () => {
  const path = await file('get-proxies.json', { web: proxy });
  const result = await run(['apply', '--dry-run', path]);
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    `faultline: config file ${path}:1:2: this is GET /proxies's answer, proxies keyed by name; a config file lists them: save it with "faultline export", or turn it into a list (jq '[.[]]')\n`,
  );
});

test('one proxy on its own is named as such, with the list to put it in', async () => {
  const path = await file('one-proxy.json', proxy);
  const result = await run(['apply', '--dry-run', path]);
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    `faultline: config file ${path}:1:2: this is one proxy; a config file is a list of proxies: put it in [ ], or under "proxies:"\n`,
  );
});
