import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, startHarness, tempDirectory } from './helpers.js';

/**
 * `apply --dry-run` says what the real apply's answers would: a udp proxy whose upstream no
 * datagram can reach (a name that does not resolve, port 0) is created with a warning.
 */
const directory = tempDirectory('udp-apply-dry-run-warnings');

function applyFile(
  name: string,
  proxies: Array<{ name: string; upstream: string; enabled?: boolean }>,
): string {
  const file = join(directory, `${name}.json`);
  const entries = proxies.map((proxy) => ({ listen: '127.0.0.1:0', protocol: 'udp', ...proxy }));
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

/** The dry run's warnings, then the real apply's, on the same server and file. */
async function dryThenReal(url: string, file: string): Promise<[string, string]> {
  const dry = await runCli(['-h', url, 'apply', file, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  const real = await runCli(['-h', url, 'apply', file]);
  assert.equal(real.code, 0, real.stderr);
  return [dry.stderr, real.stderr];
}

test('creating udp proxies: the dry run warns of an unresolvable upstream and of port 0 as apply does', async () => {
  const harness = await startHarness();
  const file = applyFile('create', [
    { name: 'nameless', upstream: 'nowhere.invalid:5353' },
    { name: 'portless', upstream: '127.0.0.1:0' },
    { name: 'fine', upstream: '127.0.0.1:9' },
    { name: 'off', upstream: '127.0.0.1:0', enabled: false },
  ]);
  const [dry, real] = await dryThenReal(harness.url, file);
  assert.equal(dry, real);
  const lines = dry.split('\n').filter(Boolean);
  assert.equal(lines.length, 2, dry);
  assert.match(lines[0] ?? '', /^faultline: warning: proxy "nameless": upstream nowhere\.invalid:5353: /);
  assert.match(
    lines[1] ?? '',
    /^faultline: warning: proxy "portless": upstream 127\.0\.0\.1:0: its port is 0, which no datagram can be sent to/,
  );
  await harness.close();
});

test('moving a udp proxy to port 0: the dry run warns as apply does', async () => {
  const harness = await startHarness();
  await runCli([
    '-h',
    harness.url,
    'apply',
    applyFile('before', [{ name: 'moved', upstream: '127.0.0.1:9' }]),
  ]);
  const [dry, real] = await dryThenReal(
    harness.url,
    applyFile('after', [{ name: 'moved', upstream: '127.0.0.1:0' }]),
  );
  assert.equal(dry, real);
  assert.match(dry, /^faultline: warning: proxy "moved": upstream 127\.0\.0\.1:0: its port is 0/);
  await harness.close();
});
