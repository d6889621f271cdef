import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, startHarness } from './helpers.js';

/** toxiproxy-cli parses flags with Go's rules, which take "-l=VALUE" as "-l VALUE". */
const harness = await startHarness();

test('short flags written -X=VALUE, and -tox=P, are read as toxiproxy-cli reads them', async () => {
  const created = await runCli(
    ['-h=' + harness.url, 'create', '-l=127.0.0.1:0', '-u=127.0.0.1:1', 'go_flags'],
    {},
    false,
  );
  assert.equal(created.code, 0, created.stderr);
  const proxy = (await harness.api('GET', '/proxies/go_flags')).json;
  assert.equal(proxy.upstream, '127.0.0.1:1');
  const added = await runCli(
    ['toxic', 'add', '-t=latency', '-n=slow', '-a=latency=5', '-tox=0.25', 'go_flags'],
    { FAULTLINE_URL: harness.url },
    false,
  );
  assert.equal(added.code, 0, added.stderr);
  const toxic = (await harness.api('GET', '/proxies/go_flags/toxics/slow')).json;
  assert.equal(toxic.type, 'latency');
  assert.equal(toxic.toxicity, 0.25);
  assert.deepEqual(toxic.attributes, { latency: 5, jitter: 0 });
});
