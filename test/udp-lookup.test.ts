import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import type { EngineEvent } from '../src/model/events.js';
import { FakeClock } from './fake-clock.js';
import { startHarness, waitFor } from './helpers.js';
import { createUdpProxy, startUdpEcho, udpClient } from './udp-helpers.js';

/** A resolver that gives the scripted answers in turn (the last one from then on) and records each call. */
function scriptedLookup(answers: Array<string | Error>) {
  const asked: string[] = [];
  const lookupHost = async (name: string) => {
    asked.push(name);
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
    if (answer instanceof Error) throw answer;
    return { address: answer, family: 4 };
  };
  return { asked, lookupHost };
}

/** What node:dns rejects with for a name no one has. */
function notFound(name: string): Error {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
}

const NOT_RESOLVED =
  'its host name does not resolve (getaddrinfo ENOTFOUND): datagrams are dropped until it resolves, looked up again when a new client sends (at most once a second); check the name (DNS, /etc/hosts) or give an IP address';

async function echoOn(address: string, port: number) {
  const socket = dgram.createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (data, from) => {
    received.push(data.toString());
    socket.send(data, from.port, from.address);
  });
  socket.bind(port, address);
  await once(socket, 'listening');
  after(() => socket.close());
  return received;
}

describe('a udp proxy whose upstream is a host name looks the name up again for new flows', () => {
  test('a failed lookup is reported, tried again a second later (not per datagram), and then served', async () => {
    const clock = new FakeClock();
    const { asked, lookupHost } = scriptedLookup([notFound('echo.test'), '127.0.0.1']);
    const harness = await startHarness({ clock, lookupHost });
    const failures: string[] = [];
    harness.engine.events.on((event: EngineEvent) => {
      if (event.type === 'connection.failed') failures.push(`${event.upstream}: ${event.error}`);
    });
    const echo = await startUdpEcho();
    const proxy = await createUdpProxy(harness, 'names', `echo.test:${echo.port}`);
    const client = await udpClient();

    client.send('a', proxy.port);
    await waitFor(() => failures.length === 1, 'the failed lookup reported');
    // The event names the upstream; its error says what failed and what to do, naming it no more.
    assert.deepEqual(failures, [`echo.test:${echo.port}: ${NOT_RESOLVED}`]);
    client.send('b', proxy.port);
    client.send('b', proxy.port);
    await clock.advance(1000);
    client.send('c', proxy.port);
    await waitFor(() => asked.length === 2, 'the name looked up again');
    client.send('d', proxy.port);
    await waitFor(() => client.received.length === 1, 'the answer through the proxy');
    assert.deepEqual(asked, ['echo.test', 'echo.test'], 'one lookup at start, one a second later');
    assert.deepEqual(
      echo.received.map((data) => data.toString()),
      ['d'],
    );
    assert.equal(client.received[0]?.toString(), 'd');
    assert.equal(failures.length, 1, 'the failure is reported once, not per datagram');
  });

  test('a name that moves: flows opened after the next lookup go to the new address, open ones stay', async () => {
    const clock = new FakeClock();
    const first = await startUdpEcho();
    const atFirst = first.received;
    const atSecond = await echoOn('127.0.0.2', first.port);
    const { asked, lookupHost } = scriptedLookup(['127.0.0.1', '127.0.0.2']);
    const harness = await startHarness({ clock, lookupHost });
    const proxy = await createUdpProxy(harness, 'moving', `echo.test:${first.port}`);
    const early = await udpClient();
    early.send('a', proxy.port);
    await waitFor(() => early.received.length === 1, 'the first answer');
    await clock.advance(1000);
    // This flow opens with the address it had; its datagram starts the lookup for later flows.
    const during = await udpClient();
    during.send('x', proxy.port);
    await waitFor(() => asked.length === 2 && during.received.length === 1, 'the second lookup');
    const later = await udpClient();
    later.send('y', proxy.port);
    await waitFor(() => later.received.length === 1, 'the answer from the new address');
    early.send('z', proxy.port);
    await waitFor(() => early.received.length === 2, 'the open flow still answered');
    assert.deepEqual(
      atFirst.map((data) => data.toString()),
      ['a', 'x', 'z'],
    );
    assert.deepEqual(atSecond, ['y']);
  });

  test('an upstream given as an address is never looked up', async () => {
    const clock = new FakeClock();
    const { asked, lookupHost } = scriptedLookup(['127.0.0.9']);
    const harness = await startHarness({ clock, lookupHost });
    const echo = await startUdpEcho();
    const proxy = await createUdpProxy(harness, 'literal', echo.address);
    const client = await udpClient();
    client.send('a', proxy.port);
    await waitFor(() => client.received.length === 1, 'the answer');
    await clock.advance(1000);
    const second = await udpClient();
    second.send('b', proxy.port);
    await waitFor(() => second.received.length === 1, 'the second answer');
    assert.deepEqual(asked, []);
  });

  test('creating the proxy, or moving it to a name that does not resolve, answers with a warning saying so', async () => {
    const { lookupHost } = scriptedLookup([notFound('nowhere.test')]);
    const harness = await startHarness({ lookupHost });
    const created = await harness.api('POST', '/proxies', {
      name: 'unresolved',
      listen: '127.0.0.1:0',
      upstream: 'nowhere.test:53',
      protocol: 'udp',
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(
      created.headers.get('warning'),
      `299 faultline ${JSON.stringify(`proxy "unresolved": upstream nowhere.test:53: ${NOT_RESOLVED}`)}`,
    );
    const literal = await harness.api('POST', '/proxies', {
      name: 'literal_upstream',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:53',
      protocol: 'udp',
    });
    assert.equal(literal.headers.get('warning'), null);
    const moved = await harness.api('PATCH', '/proxies/literal_upstream', { upstream: 'nowhere.test:5353' });
    assert.match(
      moved.headers.get('warning') ?? '',
      /upstream nowhere\.test:5353: its host name does not resolve/,
    );
  });

  test('an upstream name whose address has nothing listening: the failure names the address it resolved to, and the upstream once', async () => {
    const { lookupHost } = scriptedLookup(['127.0.0.1']);
    const harness = await startHarness({ lookupHost });
    const closed = dgram.createSocket('udp4');
    closed.bind(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = closed.address().port;
    closed.close();
    const failures: string[] = [];
    harness.engine.events.on((event: EngineEvent) => {
      if (event.type === 'connection.failed') failures.push(`${event.upstream}: ${event.error}`);
    });
    const proxy = await createUdpProxy(harness, 'named_nobody', `dead.test:${deadPort}`);
    const client = await udpClient();
    client.send('anyone?', proxy.port);
    await waitFor(() => failures.length === 1, 'the ICMP failure');
    assert.deepEqual(failures, [
      `dead.test:${deadPort}: nothing listens on the upstream's port (ICMP port unreachable, ECONNREFUSED, at 127.0.0.1, where dead.test resolved); the flow keeps sending, as UDP does; start the upstream`,
    ]);
  });
});
