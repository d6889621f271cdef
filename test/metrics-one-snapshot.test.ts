import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import { test } from 'node:test';
import { closedPort, connect, createProxy, startEchoServer, startHarness, waitFor } from './helpers.js';

/**
 * A scrape asks each proxy for its stats once, and the series read that one snapshot: the text of
 * /metrics is the one each series asking again gave (test/fixtures/metrics-scrape.txt, written by
 * that code), for a fixed set of proxies, toxics and traffic.
 */
const harness = await startHarness({}, { metrics: { proxy: true, runtime: false } });
const fixture = new URL('../../test/fixtures/metrics-scrape.txt', import.meta.url);

async function roundTrip(client: net.Socket, text: string): Promise<void> {
  client.write(text);
  let echoed = '';
  while (echoed.length < text.length) echoed += String((await once(client, 'data'))[0]);
}

async function closedRoundTrip(port: number, text: string): Promise<void> {
  const client = await connect(port);
  await roundTrip(client, text);
  client.end();
  await once(client, 'close');
}

const [first, second] = [await startEchoServer(), await startEchoServer()];
const listens = new Map<string, string>();

async function proxy(name: string, upstream: string, extra: object = {}) {
  const made = await createProxy(harness, name, upstream, extra);
  listens.set(made.listen, name);
  return made;
}

/** The scrape with each address named, as the fixture has them. */
async function scrape(): Promise<string> {
  let text = (await harness.api('GET', '/metrics')).text;
  for (const [listen, name] of listens) text = text.replaceAll(`"${listen}"`, `"<listen ${name}>"`);
  return text.replaceAll(`"${first.address}"`, '"<first>"').replaceAll(`"${second.address}"`, '"<second>"');
}

test('/metrics for a fixed set of proxies and traffic is, line for line, what it was', async () => {
  const alpha = await proxy('alpha', first.address);
  const toxic = await harness.api('POST', '/proxies/alpha/toxics', {
    name: 'lag',
    type: 'latency',
    stream: 'downstream',
    attributes: { latency: 1 },
  });
  assert.equal(toxic.status, 200, toxic.text);
  await closedRoundTrip(alpha.port, 'hello');
  const moved = await proxy('moved', first.address);
  await closedRoundTrip(moved.port, 'abc');
  const move = await harness.api('POST', '/proxies/moved', { upstream: second.address });
  assert.equal(move.status, 200, move.text);
  const open = await connect(moved.port);
  await roundTrip(open, 'defgh');
  await proxy('off', first.address, { enabled: false });
  await proxy('web', first.address, { protocol: 'http' });
  const down = await proxy('down', `127.0.0.1:${await closedPort()}`, { protocol: 'http' });
  const failed = await fetch(`http://${down.listen}/`);
  assert.equal(failed.status, 502, await failed.text());
  const wanted = readFileSync(fixture, 'utf8');
  await waitFor(async () => (await scrape()) === wanted, 'the fixture scrape');
  assert.equal(await scrape(), wanted);
  open.destroy();
});

test("a scrape takes each proxy's stats once, and the next scrape takes them again", async () => {
  const calls = new Map<string, number>();
  for (const each of harness.engine.list()) {
    const stats = each.stats.bind(each);
    Object.assign(each, {
      stats: () => {
        calls.set(each.name, (calls.get(each.name) ?? 0) + 1);
        return stats();
      },
    });
  }
  await harness.api('GET', '/metrics');
  assert.deepEqual(Object.fromEntries(calls), { alpha: 1, moved: 1, off: 1, web: 1, down: 1 });
  const alpha = harness.engine.get('alpha');
  await closedRoundTrip(Number(alpha.listen.split(':').pop()), 'xyz');
  await waitFor(
    async () => (await scrape()).includes('connections_total{proxy="alpha"} 2'),
    'the second connection',
  );
  const text = await scrape();
  assert.match(
    text,
    /toxiproxy_proxy_sent_bytes_total\{direction="downstream",listener="<listen alpha>",proxy="alpha",upstream="<first>"\} 8\n/,
  );
});
