import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli, startEchoServer, startHarness } from './helpers.js';

// toxiproxy-cli sends `-a key=value` as a number when Go's strconv.ParseFloat reads the value,
// else as text, and refuses a --toxicity ParseFloat does not read. JavaScript's Number() reads
// more ("0x10", "0b11", " 100"), which made these values mean something toxiproxy-cli refuses.
const harness = await startHarness();
const echo = await startEchoServer();
const run = (args: string[]) => runCli(args, { FAULTLINE_URL: harness.url }, false);
/** Adds a noop toxic named refused to proxy numbers, with --toxicity as written. */
const addRefused = (toxicity: string) =>
  run(['toxic', 'add', 'numbers', '-t', 'noop', '-n', 'refused', '--toxicity', toxicity]);

await harness.api('POST', '/proxies', { name: 'numbers', listen: '127.0.0.1:0', upstream: echo.address });

describe('-a values are numbers exactly when toxiproxy-cli sends them as numbers', () => {
  for (const [written, sent] of [
    ['100', 100],
    ['+100', 100],
    ['1e2', 100],
    ['100.0', 100],
    ['-0', 0],
  ] as const) {
    test(`latency=${written} is the number ${sent}`, async (t) => {
      const name = `n${t.name.length}${written.replace(/\W/g, '_')}`;
      const added = await run([
        'toxic',
        'add',
        'numbers',
        '-t',
        'latency',
        '-n',
        name,
        '-a',
        `latency=${written}`,
      ]);
      assert.equal(added.code, 0, added.stderr);
      const toxic = await harness.api('GET', `/proxies/numbers/toxics/${name}`);
      assert.equal((toxic.json as { attributes: { latency: number } }).attributes.latency, sent);
    });
  }

  for (const written of ['0x10', '0b11', '0o7', ' 100', '100 ', '1_000', 'Infinity']) {
    test(`latency=${JSON.stringify(written)} is sent as text, and the server's 400 says so`, async () => {
      const added = await run([
        'toxic',
        'add',
        'numbers',
        '-t',
        'latency',
        '-n',
        'text',
        '-a',
        `latency=${written}`,
      ]);
      assert.equal(added.code, 1);
      assert.match(
        added.stderr,
        /HTTP 400: bad request body: json: cannot unmarshal string into Go struct field/,
      );
      assert.ok(added.stderr.includes(`received ${JSON.stringify(written)}`), added.stderr);
      assert.equal((await harness.api('GET', '/proxies/numbers/toxics/text')).status, 404);
    });
  }
});

describe('--toxicity takes what toxiproxy-cli takes', () => {
  test('0.5 and 1e-1 are taken', async () => {
    for (const [index, written] of ['0.5', '1e-1'].entries()) {
      const added = await run([
        'toxic',
        'add',
        'numbers',
        '-t',
        'noop',
        '-n',
        `tox${index}`,
        '--toxicity',
        written,
      ]);
      assert.equal(added.code, 0, added.stderr);
      const toxic = await harness.api('GET', `/proxies/numbers/toxics/tox${index}`);
      assert.equal((toxic.json as { toxicity: number }).toxicity, Number(written));
    }
  });

  test('a percentage is refused with the fraction to write', async () => {
    const added = await addRefused('50%');
    assert.equal(added.code, 2);
    assert.ok(
      added.stderr.includes(
        'toxicity should be a float between 0 and 1, received "50%". 50% is --toxicity 0.5.',
      ),
      added.stderr,
    );
    const tooMuch = await addRefused('150%');
    assert.doesNotMatch(tooMuch.stderr, /is --toxicity/);
  });

  for (const written of ['0x1', ' 0.5', '0b1']) {
    test(`${JSON.stringify(written)} is refused before anything is sent`, async () => {
      const added = await addRefused(written);
      assert.equal(added.code, 2);
      assert.ok(
        added.stderr.includes(
          `toxicity should be a float between 0 and 1, received ${JSON.stringify(written)}.`,
        ),
        added.stderr,
      );
      assert.equal((await harness.api('GET', '/proxies/numbers/toxics/refused')).status, 404);
    });
  }
});
