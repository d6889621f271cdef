import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { lazyLedger } from '../src/cli/server-access.js';
import { undoForHalt } from '../src/experiment/halt-undo.js';
import { openLedger } from '../src/experiment/ledger.js';
import { haltLedgers } from '../src/experiment/ledger-halt.js';
import type { EngineEvent } from '../src/model/events.js';
import { closedPort, createProxy, runCli, startHarness, tempDirectory } from './helpers.js';
import { writeLeftLedger } from './ledger-helpers.js';

/**
 * A halt that leaves a proxy in place, because someone made it again under its name, says so in
 * its own list (`left`), with why; it never lists it as undone. What is unchanged is undone.
 */

/**
 * On a fresh server: proxy api, made by a run (upstream 127.0.0.1:9) then made again by hand with
 * upstream 127.0.0.1:6000, and latency toxic slow on db, as the run added it; the run's entries.
 */
async function remadeByHand() {
  const harness = await startHarness();
  const made = await createProxy(harness, 'api', '127.0.0.1:9');
  await harness.api('DELETE', '/proxies/api');
  await createProxy(harness, 'api', '127.0.0.1:6000', { listen: made.listen });
  await createProxy(harness, 'db', '127.0.0.1:9');
  const toxic = await harness.api('POST', '/proxies/db/toxics', {
    name: 'slow',
    type: 'latency',
    attributes: { latency: 50 },
  });
  const entries = [
    {
      server: harness.url,
      description: 'created proxy api',
      undo: { kind: 'delete-proxy', proxy: 'api', made: { listen: made.listen, upstream: '127.0.0.1:9' } },
    },
    {
      server: harness.url,
      description: 'added latency toxic slow on db',
      undo: {
        kind: 'remove-toxic',
        proxy: 'db',
        toxic: 'slow',
        made: { type: 'latency', stream: 'downstream', toxicity: 1, attributes: toxic.json.attributes },
      },
    },
  ];
  const why =
    'proxy api is not the one the run made (upstream 127.0.0.1:6000, was 127.0.0.1:9); delete it yourself if it should go';
  return { harness, entries, why };
}

describe('halt lists what it left in place apart from what it undid', () => {
  test('from the ledger: the re-made proxy is in `left`, with why; the toxic is undone', async () => {
    const { harness, entries, why } = await remadeByHand();
    const directory = join(tempDirectory('halt-left'), 'ledger');
    writeLeftLedger(directory, 'old-run', entries);
    const outcome = await haltLedgers(directory, { waitMs: 0 });
    assert.deepEqual(outcome, {
      undone: [
        { kind: 'ledger', what: `undone: added latency toxic slow on db (${harness.url}) (run old-run)` },
      ],
      left: [{ kind: 'ledger', what: `created proxy api (${harness.url}): ${why} (run old-run)` }],
      failed: [],
    });
    assert.equal((await harness.api('GET', '/proxies/api')).json.upstream, '127.0.0.1:6000');
  });

  test('POST /halt answers `left` too, and its halt event carries it', async () => {
    const { harness: other, entries, why } = await remadeByHand();
    const directory = join(tempDirectory('halt-left'), 'ledger');
    writeLeftLedger(directory, 'old-run', entries);
    const server = await startHarness({}, { ledger: lazyLedger(directory, () => undefined) });
    const events: EngineEvent[] = [];
    server.engine.events.on((event) => events.push(event));
    const answer = await server.api('POST', '/halt');
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json.left, [
      { kind: 'ledger', what: `created proxy api (${other.url}): ${why} (run old-run)` },
    ]);
    assert.deepEqual(answer.json.undone, [
      { kind: 'ledger', what: `undone: added latency toxic slow on db (${other.url}) (run old-run)` },
    ]);
    const halt = events.find((event) => event.type === 'halt');
    assert.deepEqual(halt?.left, [`created proxy api (${other.url}): ${why} (run old-run)`]);
  });

  test('faultline halt prints them under their own heading, never as undone, and exits 0', async () => {
    const { harness, entries, why } = await remadeByHand();
    const directory = join(tempDirectory('halt-left'), 'ledger');
    writeLeftLedger(directory, 'old-run', entries);
    const halted = await runCli(['halt', '--ledger-dir', directory], {
      FAULTLINE_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    assert.equal(halted.code, 0, halted.stdout + halted.stderr);
    const lines = halted.stdout.split('\n');
    assert.deepEqual(lines.slice(-4), [
      `  undone (ledger): undone: added latency toxic slow on db (${harness.url}) (run old-run)`,
      'left in place, not undone (each says why):',
      `  left (ledger): created proxy api (${harness.url}): ${why} (run old-run)`,
      '',
    ]);
    const json = await runCli(['halt', '--ledger-dir', directory, '--json'], {
      FAULTLINE_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    assert.deepEqual(JSON.parse(json.stdout), { undone: [], left: [], failed: [] }, 'the ledger is settled');
  });

  test("a halted run's own undo lists it apart too", async () => {
    const { entries, why } = await remadeByHand();
    const ledger = openLedger(join(tempDirectory('halt-left'), 'ledger'), {
      run: 'halted-run',
      experiment: 'x',
    });
    for (const entry of entries) ledger.record(entry as Parameters<typeof ledger.record>[0]);
    const outcome = await undoForHalt(ledger);
    ledger.close(false);
    assert.deepEqual(outcome.left, [`created proxy api (${entries[0]!.server}): ${why}`]);
    assert.deepEqual(outcome.undone, [`undone: added latency toxic slow on db (${entries[0]!.server})`]);
    assert.deepEqual(outcome.failed, []);
    assert.deepEqual(ledger.live(), [], 'both are settled');
  });
});
