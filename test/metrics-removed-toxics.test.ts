/**
 * faultline_http_faults_total and faultline_datagrams_dropped_total keep a removed toxic's series
 * (a fault counted as its toxic went is still scraped), but not without end: a suite that adds and
 * removes a toxic of a new name in each test would add series, and memory, for the life of the proxy.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { KEPT_REMOVED_TOXICS } from '../src/proxy/toxic-roster.js';
import { createProxy, startHarness, waitFor } from './helpers.js';
import { createUdpProxy, startUdpEcho, udpClient } from './udp-helpers.js';

const harness = await startHarness();
after(() => harness.close());

/** The series of `metric` for `proxy`, as `toxic count`. */
async function series(metric: string, proxy: string): Promise<string[]> {
  const { text } = await harness.api('GET', '/metrics');
  const pattern = new RegExp(`^${metric}\\{proxy="${proxy}",toxic="([^"]+)"[^}]*\\} (\\d+)$`, 'gm');
  return [...text.matchAll(pattern)].map((match) => `${match[1]} ${match[2]}`);
}

test('an http proxy keeps the fault series of the last removed toxics only', async () => {
  // No upstream is needed: the abort answers every request itself.
  const proxy = await createProxy(harness, 'suite', '127.0.0.1:9', { protocol: 'http' });
  for (let index = 0; index <= KEPT_REMOVED_TOXICS; index++) {
    const name = `test${index}`;
    const added = await harness.api('POST', '/proxies/suite/toxics', {
      name,
      type: 'http_abort',
      attributes: { status: 503 },
    });
    assert.equal(added.status, 200, added.text);
    const answer = await fetch(`http://127.0.0.1:${proxy.port}/`);
    await answer.arrayBuffer();
    assert.equal(answer.status, 503);
    assert.equal((await harness.api('DELETE', `/proxies/suite/toxics/${name}`)).status, 204);
  }
  const kept = await series('faultline_http_faults_total', 'suite');
  assert.equal(kept.length, KEPT_REMOVED_TOXICS);
  assert.ok(!kept.includes('test0 1'), 'the toxic removed longest ago has no series left');
  assert.ok(kept.includes('test1 1') && kept.includes(`test${KEPT_REMOVED_TOXICS} 1`), kept.join('\n'));
});

test('a udp proxy keeps the drop series of the last removed toxics only', async () => {
  const echo = await startUdpEcho();
  const proxy = await createUdpProxy(harness, 'suiteUdp', echo.address);
  const client = await udpClient();
  const udp = harness.engine.get('suiteUdp') as unknown as { datagramDrops: ReadonlyMap<string, number> };
  for (let index = 0; index <= KEPT_REMOVED_TOXICS; index++) {
    const name = `test${index}`;
    const added = await harness.api('POST', '/proxies/suiteUdp/toxics', {
      name,
      type: 'loss',
      stream: 'upstream',
      attributes: { probability: 1_000_000 },
    });
    assert.equal(added.status, 200, added.text);
    client.send('x', proxy.port);
    await waitFor(() => udp.datagramDrops.get(name) === 1, `the datagram ${name} dropped`);
    assert.equal((await harness.api('DELETE', `/proxies/suiteUdp/toxics/${name}`)).status, 204);
  }
  const kept = await series('faultline_datagrams_dropped_total', 'suiteUdp');
  assert.equal(kept.length, KEPT_REMOVED_TOXICS);
  assert.ok(!kept.includes('test0 1'), 'the toxic removed longest ago has no series left');
  assert.ok(kept.includes('test1 1') && kept.includes(`test${KEPT_REMOVED_TOXICS} 1`), kept.join('\n'));
  assert.equal(echo.received.length, 0, 'every datagram was dropped');
});
