import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { haltLedgers } from '../src/experiment/ledger-halt.js';
import { createProxy, runCli, startEchoServer, startHarness, tempDirectory } from './helpers.js';
import { addToxic } from './experiment-helpers.js';

/**
 * A run that made proxy api and toxic slow on db, and ended without taking them back: its ledger
 * is left, as a killed run's would be, for `faultline rollback` and `faultline halt`.
 */
async function leftBehind() {
  const harness = await startHarness();
  const echo = await startEchoServer();
  await createProxy(harness, 'db', echo.address);
  const directory = tempDirectory('not-ours');
  const ledgerDir = join(directory, 'ledger');
  const path = join(directory, 'experiment.json');
  const createApi = {
    type: 'action',
    name: 'make api',
    provider: {
      type: 'faultline',
      module: 'proxies',
      func: 'create',
      arguments: { name: 'api', listen: '127.0.0.1:0', upstream: echo.address },
    },
  };
  await writeFile(
    path,
    JSON.stringify({
      title: 'leaves a proxy and a toxic',
      description: 'd',
      configuration: { faultline_url: harness.url },
      method: [createApi, addToxic],
      rollbacks: [],
    }),
  );
  const journal = join(directory, 'journal.json');
  const run = await runCli(['run', path, '--journal-path', journal, '--ledger-dir', ledgerDir]);
  assert.equal(run.code, 0, run.stderr);
  const api = (await harness.api('GET', '/proxies/api')).json as { listen: string };
  return { harness, echo, ledgerDir, api };
}

/**
 * Deletes the run's proxy and toxic and makes them again by hand (curl, toxiproxy-cli): the same
 * names, other definitions (another upstream; the toxic's stream and latency given).
 */
async function remakeByHand(
  harness: Awaited<ReturnType<typeof leftBehind>>['harness'],
  listen: string,
  toxic: { stream?: string; latency: number },
): Promise<void> {
  await harness.api('DELETE', '/proxies/api');
  await createProxy(harness, 'api', '127.0.0.1:6000', { listen });
  await harness.api('DELETE', '/proxies/db/toxics/slow');
  await harness.api('POST', '/proxies/db/toxics', {
    name: 'slow',
    type: 'latency',
    ...(toxic.stream === undefined ? {} : { stream: toxic.stream }),
    attributes: { latency: toxic.latency },
  });
}

describe('rollback and halt leave alone a proxy or toxic someone made again under the same name', () => {
  test('a proxy re-created by hand with another upstream, and a toxic with another latency, survive rollback', async () => {
    const { harness, ledgerDir, api } = await leftBehind();
    await remakeByHand(harness, api.listen, { latency: 900 });

    const preview = await runCli(['rollback', '--ledger-dir', ledgerDir, '--dry-run']);
    assert.equal(preview.code, 0, preview.stderr);
    assert.doesNotMatch(preview.stdout, /would undo/);
    assert.match(
      preview.stdout,
      /would leave: created proxy api \(.*\): proxy api is not the one the run made \(upstream 127\.0\.0\.1:6000, was 127\.0\.0\.1:\d+\); delete it yourself if it should go/,
    );
    assert.match(
      preview.stdout,
      /would leave: added latency toxic slow on db \(.*\): toxic slow on proxy db is not the one the run added \(latency 900, was 50\); remove it yourself if it should go/,
    );

    const rolled = await runCli(['rollback', '--ledger-dir', ledgerDir]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.equal(rolled.stdout.match(/ {2}left: /g)?.length, 2, rolled.stdout);
    assert.equal((await harness.api('GET', '/proxies/api')).json.upstream, '127.0.0.1:6000');
    assert.equal((await harness.api('GET', '/proxies/db/toxics/slow')).json.attributes.latency, 900);
    const again = await runCli(['rollback', '--ledger-dir', ledgerDir]);
    assert.match(again.stdout, /nothing to roll back/, 'the entries are settled');
  });

  test('halt leaves them alone too', async () => {
    const { harness, ledgerDir, api } = await leftBehind();
    await remakeByHand(harness, api.listen, { stream: 'upstream', latency: 50 });
    const outcome = await haltLedgers(ledgerDir, { waitMs: 0 });
    assert.deepEqual(outcome.failed, []);
    assert.deepEqual(outcome.undone, [], 'what was left in place is not listed as undone');
    const lines = outcome.left.map((item) => item.what);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.ok(
      lines.some((line) => /stream upstream, was downstream/.test(line)),
      lines.join('\n'),
    );
    assert.equal((await harness.api('GET', '/proxies/api')).status, 200);
    assert.equal((await harness.api('GET', '/proxies/db/toxics/slow')).status, 200);
  });

  test('what the run made, unchanged, is still undone', async () => {
    const { harness, ledgerDir } = await leftBehind();
    const rolled = await runCli(['rollback', '--ledger-dir', ledgerDir]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.equal(rolled.stdout.match(/ {2}undone: /g)?.length, 2, rolled.stdout);
    assert.equal((await harness.api('GET', '/proxies/api')).status, 404);
    assert.equal((await harness.api('GET', '/proxies/db/toxics/slow')).status, 404);
  });
});
