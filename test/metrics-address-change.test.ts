import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { connect, createProxy, startEchoServer, startHarness, waitFor } from './helpers.js';
import { createUdpProxy, startUdpEcho, udpClient } from './udp-helpers.js';

/**
 * Toxiproxy labels its byte counters with the proxy's listen address and upstream when each
 * connection starts, so a proxy moved to another upstream adds new series and the old ones keep
 * what went to the old upstream (collectors/proxy.go, link.go).
 */
const harness = await startHarness();

async function roundTrip(port: number, text: string): Promise<void> {
  const client = await connect(port);
  client.write(text);
  await once(client, 'data');
  client.end();
  await once(client, 'close');
}

function byteLines(metrics: string, proxy: string): string[] {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('toxiproxy_proxy_') && line.includes(`proxy="${proxy}"`))
    .sort();
}

/** The four lines of a proxy's byte counters for one upstream, each direction at `bytes`. */
const seriesOf = (proxy: string, listen: string, upstream: string, bytes: number) =>
  ['received', 'sent'].flatMap((side) =>
    ['downstream', 'upstream'].map(
      (direction) =>
        `toxiproxy_proxy_${side}_bytes_total{direction="${direction}",listener="${listen}",proxy="${proxy}",upstream="${upstream}"} ${bytes}`,
    ),
  );

async function scrapesAs(proxy: string, wanted: string[]): Promise<void> {
  const scrape = async () => byteLines((await harness.api('GET', '/metrics')).text, proxy);
  const sorted = [...wanted].sort();
  await waitFor(async () => (await scrape()).join('\n') === sorted.join('\n'), `the series of ${proxy}`);
  assert.deepEqual(await scrape(), sorted);
}

test("a proxy moved to another upstream counts the next bytes under it; the old upstream's series keep theirs", async () => {
  const [first, second] = [await startEchoServer(), await startEchoServer()];
  const proxy = await createProxy(harness, 'moved', first.address);
  await roundTrip(proxy.port, 'hello');
  const moved = await harness.api('POST', '/proxies/moved', { upstream: second.address });
  assert.equal(moved.status, 200, moved.text);
  await roundTrip(proxy.port, 'abc');
  await scrapesAs('moved', [
    ...seriesOf('moved', proxy.listen, first.address, 5),
    ...seriesOf('moved', proxy.listen, second.address, 3),
  ]);
});

test('a udp proxy moved to another upstream too', async () => {
  const [first, second] = [await startUdpEcho(), await startUdpEcho()];
  const proxy = await createUdpProxy(harness, 'moved-udp', first.address);
  const client = await udpClient();
  client.send('hello', proxy.port);
  await waitFor(() => client.received.length === 1, 'the first echo');
  const moved = await harness.api('POST', '/proxies/moved-udp', { upstream: second.address });
  assert.equal(moved.status, 200, moved.text);
  client.send('abc', proxy.port);
  await waitFor(() => client.received.length === 2, 'the echo through the new upstream');
  await scrapesAs('moved-udp', [
    ...seriesOf('moved-udp', proxy.listen, first.address, 5),
    ...seriesOf('moved-udp', proxy.listen, second.address, 3),
  ]);
});
