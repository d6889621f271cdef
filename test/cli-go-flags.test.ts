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

test("toxiproxy-cli's long flags with one dash, as Go reads them, are not taken for short ones", async () => {
  const created = await runCli(
    ['create', '-listen=127.0.0.1:0', '-upstream=127.0.0.1:2', 'go_long'],
    { FAULTLINE_URL: harness.url },
    false,
  );
  assert.equal(created.code, 0, created.stderr);
  assert.equal((await harness.api('GET', '/proxies/go_long')).json.upstream, '127.0.0.1:2');
  const added = await runCli(
    [
      'toxic',
      'add',
      '-type=latency',
      '-toxicName',
      'slow',
      '-attribute=latency=7',
      '-toxicity=0.5',
      '-upstream',
      'go_long',
    ],
    { FAULTLINE_URL: harness.url },
    false,
  );
  assert.equal(added.code, 0, added.stderr);
  const toxic = (await harness.api('GET', '/proxies/go_long/toxics/slow')).json;
  assert.deepEqual(
    [toxic.type, toxic.stream, toxic.toxicity, toxic.attributes.latency],
    ['latency', 'upstream', 0.5, 7],
  );
});

test("toxic add's -u and -d take a Go boolean value, as toxiproxy-cli's bool flags do", async () => {
  await harness.api('POST', '/proxies', { name: 'go_bool', listen: '127.0.0.1:0', upstream: '127.0.0.1:3' });
  const add = (name: string, ...flags: string[]) =>
    runCli(
      ['toxic', 'add', '-t', 'noop', '-n', name, ...flags, 'go_bool'],
      { FAULTLINE_URL: harness.url },
      false,
    );
  for (const [name, flags] of [
    ['up_true', ['-u=true']],
    ['up_long', ['--upstream=1']],
    ['up_go', ['-upstream=T', '-d=false']],
    ['down_false', ['-u=false']],
    ['down_long', ['--downstream=True']],
  ] as const) {
    const added = await add(name, ...flags);
    assert.equal(added.code, 0, `${flags.join(' ')}: ${added.stderr}`);
  }
  const streams = Object.fromEntries(
    (await harness.api('GET', '/proxies/go_bool/toxics')).json.map(
      (toxic: { name: string; stream: string }) => [toxic.name, toxic.stream],
    ),
  );
  assert.deepEqual(streams, {
    up_true: 'upstream',
    up_long: 'upstream',
    up_go: 'upstream',
    down_false: 'downstream',
    down_long: 'downstream',
  });
  const both = await add('both', '-u=true', '-d=true');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /Only one should be specified: upstream or downstream\./);
  const wrong = await add('wrong', '-u=yes');
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /invalid boolean value "yes" for -u: give -u alone, or -u=true or -u=false/);
});
