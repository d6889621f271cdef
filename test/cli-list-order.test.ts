import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { runCli, startHarness } from './helpers.js';

/**
 * toxiproxy-cli sorts `list` with Go's sort.Strings: byte order, capitals before lower case and
 * "_" between them. A script that diffs its output, or reads the first line, gets that order
 * whatever the machine's locale.
 */
const harness = await startHarness();
const names = ['zeta', 'Beta', 'alpha', '_x', 'A-b', 'a.b'];
const byteOrder = ['A-b', 'Beta', '_x', 'a.b', 'alpha', 'zeta'];
for (const name of names) {
  await harness.api('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
}

// A locale that sorts case-insensitively, as most do, must not change the order.
const run = (args: string[]) => runCli(args, { FAULTLINE_URL: harness.url, LC_ALL: 'en_US.UTF-8' }, false);

test('list, piped, prints proxies in byte order, as toxiproxy-cli sorts them', async () => {
  const listed = await run(['list']);
  assert.equal(listed.code, 0, listed.stderr);
  const shown = listed.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t')[0]);
  assert.deepEqual(shown, byteOrder);
});

test('list --names and export use the same order', async () => {
  assert.deepEqual((await run(['list', '--names'])).stdout.split('\n').filter(Boolean), byteOrder);
  const exported = parse((await run(['export'])).stdout) as { proxies: { name: string }[] };
  assert.deepEqual(
    exported.proxies.map((proxy) => proxy.name),
    byteOrder,
  );
});
