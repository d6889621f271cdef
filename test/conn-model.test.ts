import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainToxic, parseToxicCreate } from '../src/model/toxic.js';

const explain = (body: object) => explainToxic(parseToxicCreate(body));

test('each new toxic explains itself in one sentence', () => {
  assert.equal(
    explain({ type: 'connect_delay', attributes: { delay: 250 } }),
    'connect_delay_downstream: on every connection, holds each new connection 250 ms before connecting upstream',
  );
  assert.equal(
    explain({ type: 'refuse', stream: 'upstream', toxicity: 0.25 }),
    'refuse_upstream: on 25% of connections, resets new connections at once, before connecting upstream',
  );
  assert.equal(
    explain({ type: 'limit_time', attributes: { time: 5000, mode: 'hang' } }),
    'limit_time_downstream: on every connection, makes the connection hang 5000 ms after it opened (downstream)',
  );
  assert.equal(
    explain({ type: 'limit_time', attributes: { time: 5000 } }),
    'limit_time_downstream: on every connection, resets the connection (RST) 5000 ms after it opened (downstream)',
  );
  assert.equal(
    explain({ type: 'corrupt', attributes: { probability: 100 } }),
    'corrupt_downstream: on every connection, flips a bit in 0.01% of the bytes (of the datagrams, on a udp proxy) (downstream)',
  );
  assert.equal(
    explain({ type: 'bandwidth', attributes: { rate: 300, scope: 'proxy' } }),
    'bandwidth_downstream: on every connection, limits all connections of the proxy together to 300 KB/s (downstream)',
  );
});

test('each datagram toxic explains itself in one sentence', () => {
  assert.match(
    explain({ type: 'loss', attributes: { probability: 100_000, correlation: 250_000 } }),
    /drops 10% of datagrams, in bursts \(25% correlated\)/,
  );
  assert.match(
    explain({ type: 'loss', attributes: { to_bad: 20_000, to_good: 250_000 } }),
    /drops datagrams by the Gilbert-Elliott model \(to bad 2%, to good 25%, loss 100% when bad, 0% when good\)/,
  );
  assert.match(
    explain({ type: 'duplicate', attributes: { probability: 5000 } }),
    /sends 0\.5% of datagrams twice/,
  );
  assert.match(
    explain({ type: 'reorder', attributes: { probability: 50_000, gap: 3, latency: 10 } }),
    /delays datagrams by 10 ms but sends 5% of them at once, ahead of the waiting ones; the first 2 of each flow, and the next 2 after one did, always wait/,
  );
  assert.match(
    explain({ type: 'udp_latency', attributes: { latency: 40, jitter: 10, correlation: 500_000 } }),
    /delays each datagram by 40 ms ± 10 ms, 50% correlated/,
  );
  assert.match(
    explain({ type: 'udp_bandwidth', attributes: { rate: 64, queue: 10 } }),
    /limits datagrams to 64 KB\/s, queueing up to 10 and dropping the rest/,
  );
});

test("a Gilbert-Elliott loss with p alone takes netem's defaults: r = 1 - p, 1-h = 100%, 1-k = 0", () => {
  const toxic = parseToxicCreate({ type: 'loss', attributes: { to_bad: 1000 } });
  assert.deepEqual(
    [toxic.attributes.to_good, toxic.attributes.bad_loss, toxic.attributes.good_loss],
    [0, 1_000_000, 0],
  );
  assert.match(
    explainToxic(toxic),
    /Gilbert-Elliott model \(to bad 0\.1%, to good 99\.9%, loss 100% when bad, 0% when good\)/,
  );
});

test('a udp toxic acts on flows, one per client address, and its sentence says so', () => {
  assert.equal(
    explain({ type: 'loss', toxicity: 0.25, attributes: { probability: 100_000 } }),
    'loss_downstream: on 25% of flows, drops 10% of datagrams (downstream)',
  );
  assert.equal(
    explain({ type: 'udp_latency', attributes: { latency: 40, match: { client: '127.0.0.2' }, first: 2 } }),
    'udp_latency_downstream: on the first 2 matching flows (from 127.0.0.2), delays each datagram by 40 ms (downstream)',
  );
  const onUdp = (body: object) => explainToxic(parseToxicCreate(body), 'udp');
  assert.equal(
    onUdp({ type: 'corrupt', attributes: { probability: 100 } }),
    'corrupt_downstream: on every flow, flips a bit in 0.01% of the datagrams (downstream)',
  );
  assert.equal(
    onUdp({ type: 'noop' }),
    'noop_downstream: on every flow, passes data through unchanged (downstream)',
  );
  assert.equal(
    explainToxic(parseToxicCreate({ type: 'corrupt', attributes: { probability: 100 } }), 'tcp'),
    'corrupt_downstream: on every connection, flips a bit in 0.01% of the bytes (downstream)',
  );
});
