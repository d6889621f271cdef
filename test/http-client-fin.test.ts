import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { createProxy, startHarness, waitFor } from './helpers.js';
import { collectEvents, startHttpUpstream } from './http-helpers.js';

/**
 * A client that closes its side before it sends a request (a port check, `nc -z`, curl that
 * refused the proxy's certificate) is closed too, as node:http and a tcp proxy close it: it
 * stayed open for ever, counted in faultline_connections_active, with no connection.closed.
 */
const harness = await startHarness();
const events = collectEvents(harness);
const upstream = await startHttpUpstream();
const passing = await createProxy(harness, 'passing', upstream.address, { protocol: 'http' });
const full = await createProxy(harness, 'full', upstream.address, { protocol: 'http' });
const toxic = await harness.api('POST', '/proxies/full/toxics', {
  type: 'http_delay',
  attributes: { stage: 'request', delay: 1 },
});
assert.equal(toxic.status, 200, toxic.text);

for (const proxy of [passing, full]) {
  test(`${proxy.name}: a client that ends before its first byte is closed`, { timeout: 10_000 }, async () => {
    const client = net.connect(proxy.port, '127.0.0.1');
    await once(client, 'connect');
    client.end();
    await once(client, 'close');
    await waitFor(
      () => events.some((event) => event.type === 'connection.closed' && event.proxy === proxy.name),
      `connection.closed on ${proxy.name}`,
    );
    const shown = await harness.api('GET', '/metrics');
    assert.doesNotMatch(
      shown.text,
      new RegExp(`faultline_connections_active\\{proxy="${proxy.name}"\\} [1-9]`),
    );
  });
}
