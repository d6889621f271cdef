import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { connectFailure } from '../src/proxy/connect-failure.js';
import type { EngineEvent } from '../src/proxy/events.js';
import { closedPort, createProxy, startHarness, waitFor } from './helpers.js';

const harness = await startHarness();

test('a tcp connection refused by its upstream says nothing listens there and what to do', async () => {
  const dead = `127.0.0.1:${await closedPort()}`;
  const proxy = await createProxy(harness, 'refused', dead);
  const failures: EngineEvent[] = [];
  harness.engine.events.on((event) => {
    if (event.type === 'connection.failed' && event.proxy === 'refused') failures.push(event);
  });
  const client = net.connect(proxy.port, '127.0.0.1');
  client.on('error', () => undefined);
  await once(client, 'close');
  await waitFor(() => failures.length === 1, 'the failure event');
  assert.equal(
    (failures[0] as { error: string }).error,
    `connect ECONNREFUSED ${dead}: nothing listens on the upstream's port; start the upstream, ` +
      `or point the proxy at the right one (POST /proxies/refused {"upstream": "HOST:PORT"})`,
  );
});

const failure = (code: string, message = `connect ${code} 10.0.0.1:80`) =>
  Object.assign(new Error(message), { code }) as NodeJS.ErrnoException;

test('each connect error the kernel or the resolver gives is put in words, node message first', () => {
  const cases: Array<[code: string, meaning: RegExp]> = [
    ['ENOTFOUND', /: the upstream's host name does not resolve here; check its spelling/],
    [
      'EAI_AGAIN',
      /: looking up the upstream's host name failed for now \(no DNS server answered\); check this host's DNS$/,
    ],
    ['ENODATA', /: the upstream's host name does not resolve here/],
    ['ETIMEDOUT', /: the upstream did not answer the connect in time/],
    ['EHOSTUNREACH', /: the upstream's host cannot be reached; check that it is up/],
    ['EHOSTDOWN', /: the upstream's host cannot be reached; check that it is up/],
    ['ENETUNREACH', /: there is no route from here to the upstream's network; check its address/],
    ['EADDRNOTAVAIL', /: this host has no local address or port left to connect from/],
    ['ECONNRESET', /: the upstream reset the connection as it opened; check what listens there$/],
  ];
  for (const [code, meaning] of cases) {
    const text = connectFailure(failure(code), 'api');
    assert.ok(text.startsWith(`connect ${code} 10.0.0.1:80: `), text);
    assert.match(text, meaning);
  }
  assert.equal(connectFailure(failure('EPROTO', 'something else'), 'api'), 'something else');
});
