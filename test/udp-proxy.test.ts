import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { spawnCli, startHarness, waitFor } from './helpers.js';
import { describe as watchLine } from '../src/cli/watch-command.js';
import type { EngineEvent } from '../src/model/events.js';
import type { UdpProxy } from '../src/proxy/udp/udp-proxy.js';
import { createUdpProxy, startDnsmasq, startUdpEcho, udpClient } from './udp-helpers.js';

const run = promisify(execFile);

describe('a udp proxy in front of a real DNS server (dnsmasq)', async () => {
  const harness = await startHarness();
  const { port: dnsPort } = await startDnsmasq();
  const proxy = await createUdpProxy(harness, 'dns', `127.0.0.1:${dnsPort}`);

  test('the proxy shows its protocol and idle timeout', async () => {
    const shown = (await harness.api('GET', '/proxies/dns')).json;
    assert.equal(shown.protocol, 'udp');
    assert.equal(shown.idle_timeout, 60_000);
  });

  test('dig gets its answer through the proxy', async () => {
    const { stdout } = await run('dig', [
      '@127.0.0.1',
      '-p',
      String(proxy.port),
      'example.test',
      '+short',
      '+tries=1',
      '+time=5',
    ]);
    assert.equal(stdout.trim(), '10.1.2.3');
  });

  test("Node's resolver gets its answer through the proxy, and each client is a flow", async () => {
    const resolver = new Resolver({ timeout: 5000, tries: 1 });
    resolver.setServers([`127.0.0.1:${proxy.port}`]);
    assert.deepEqual(await resolver.resolve4('example.test'), ['10.1.2.3']);
    const stats = harness.engine.get('dns').stats();
    assert.ok(stats.connectionsTotal >= 2, `dig and the resolver opened ${stats.connectionsTotal} flows`);
    assert.ok(stats.bytes.downstream.sent > 0);
  });

  test('with loss at 100% on the replies, the resolver times out; removing it brings answers back', async () => {
    const added = await harness.api('POST', '/proxies/dns/toxics', {
      type: 'loss',
      attributes: { probability: 1_000_000 },
    });
    assert.equal(added.status, 200, added.text);
    const resolver = new Resolver({ timeout: 300, tries: 1 });
    resolver.setServers([`127.0.0.1:${proxy.port}`]);
    await assert.rejects(resolver.resolve4('example.test'), { code: 'ETIMEOUT' });
    assert.equal((await harness.api('DELETE', '/proxies/dns/toxics/loss_downstream')).status, 204);
    const again = new Resolver({ timeout: 5000, tries: 1 });
    again.setServers([`127.0.0.1:${proxy.port}`]);
    assert.deepEqual(await again.resolve4('example.test'), ['10.1.2.3']);
  });
});

describe('flows', () => {
  test('watch calls a udp proxy\'s connections flows: "flow #1", as its events say protocol udp', async () => {
    const harness = await startHarness();
    const echo = await startUdpEcho();
    const proxy = await createUdpProxy(harness, 'named', echo.address, { idle_timeout: 150 });
    const added = await harness.api('POST', '/proxies/named/toxics', {
      name: 'slow',
      type: 'udp_latency',
      attributes: { latency: 1 },
    });
    assert.equal(added.status, 200, added.text);
    const events: EngineEvent[] = [];
    harness.engine.events.on((event) => {
      if (
        event.type === 'connection.opened' ||
        event.type === 'connection.closed' ||
        event.type === 'toxic.fired'
      )
        events.push(event);
    });
    const watch = spawnCli(
      ['watch', '--since', '0', '--proxy', 'named', '--types', 'connection,toxic.fired'],
      { FAULTLINE_URL: harness.url },
      false,
    );
    after(() => watch.child.kill('SIGKILL'));
    const client = await udpClient();
    client.send('ping', proxy.port);
    await waitFor(() => client.received.length === 1, 'the echo');
    await waitFor(() => watch.output().stdout.includes('closed after'), 'watch to print the flow closed');
    const lines = watch.output().stdout.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((line) =>
        line
          .slice(14)
          .replace(/\d+ ms.*/, 'N ms')
          .replace(/:\d+$/, ':PORT'),
      ),
      [
        'connection.opened    named        flow #1 from 127.0.0.1:PORT',
        'toxic.fired          named        slow (udp_latency, downstream) on flow #1: delay',
        'connection.closed    named        flow #1 closed after N ms',
      ],
    );
    assert.ok(events.every((event) => (event as { protocol?: string }).protocol === 'udp'));
    const tcpLine = watchLine({
      time: '2026-01-01T00:00:00.000Z',
      data: { ...events[0]!, protocol: undefined },
    } as never);
    assert.match(
      tcpLine,
      /connection #1 from/,
      'events without protocol (tcp, http, an older server) keep "connection"',
    );
  });

  test("proxy events of a udp proxy say protocol udp, as its JSON does; a tcp proxy's leave it out", async () => {
    const harness = await startHarness();
    const summaries: unknown[] = [];
    harness.engine.events.on((event) => {
      if (event.type.startsWith('proxy.'))
        summaries.push({ type: event.type, ...(event as { proxy: object }).proxy });
    });
    await createUdpProxy(harness, 'dgram', '127.0.0.1:9');
    await harness.api('POST', '/proxies/dgram', { enabled: false });
    await harness.api('POST', '/proxies', { name: 'stream', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    await harness.api('DELETE', '/proxies/dgram');
    assert.deepEqual(
      summaries.map((summary) => {
        const { type, name, protocol } = summary as { type: string; name: string; protocol?: string };
        return [type, name, protocol];
      }),
      [
        ['proxy.created', 'dgram', 'udp'],
        ['proxy.updated', 'dgram', 'udp'],
        ['proxy.created', 'stream', undefined],
        ['proxy.deleted', 'dgram', 'udp'],
      ],
    );
    assert.ok(!('protocol' in (summaries[2] as object)), "a tcp proxy's event is as before");
    const created = summaries[0] as { listen: string };
    assert.match(
      watchLine({
        time: '2026-01-01T00:00:00.000Z',
        data: { type: 'proxy.created', proxy: summaries[0] },
      } as never),
      new RegExp(`listen ${created.listen} upstream 127\\.0\\.0\\.1:9 enabled \\(udp\\)$`),
    );
  });

  test('replies go back to the client that sent the request; each client address is a connection', async () => {
    const harness = await startHarness();
    const echo = await startUdpEcho();
    const proxy = await createUdpProxy(harness, 'flows', echo.address);
    const opened: number[] = [];
    harness.engine.events.on((event) => {
      if (event.type === 'connection.opened' && event.proxy === 'flows') opened.push(event.connection);
    });
    const a = await udpClient();
    const b = await udpClient();
    a.send('from a', proxy.port);
    b.send('from b', proxy.port);
    a.send('again a', proxy.port);
    await waitFor(() => a.received.length === 2 && b.received.length === 1, 'both echoes');
    assert.deepEqual(a.received.map(String).sort(), ['again a', 'from a']);
    assert.deepEqual(b.received.map(String), ['from b']);
    assert.deepEqual(opened.sort(), [1, 2]);
    assert.equal(harness.engine.get('flows').connections, 2);
    const metrics = await harness.api('GET', '/metrics');
    assert.match(metrics.text, /faultline_connections_active\{proxy="flows"\} 2/);
  });

  test('a flow with no datagrams for the idle timeout is closed, and the next datagram opens a new one', async () => {
    const harness = await startHarness();
    const echo = await startUdpEcho();
    const proxy = await createUdpProxy(harness, 'idle', echo.address, { idle_timeout: 150 });
    const closed: Array<{ connection: number; bytes: Record<string, number> }> = [];
    harness.engine.events.on((event) => {
      if (event.type === 'connection.closed' && event.proxy === 'idle') closed.push(event);
    });
    const client = await udpClient();
    client.send('ping', proxy.port);
    await waitFor(() => client.received.length === 1, 'the echo');
    assert.equal(harness.engine.get('idle').connections, 1);
    await waitFor(() => closed.length === 1, 'the idle flow to close');
    assert.equal(harness.engine.get('idle').connections, 0);
    assert.deepEqual(closed[0], { ...closed[0], connection: 1, bytes: { upstream: 4, downstream: 4 } });
    client.send('pong', proxy.port);
    await waitFor(() => client.received.length === 2, 'the second echo');
    assert.equal(harness.engine.get('idle').stats().connectionsTotal, 2);
  });

  test('a flow whose reply a toxic holds longer than the idle timeout is not idle: the reply arrives', async () => {
    const harness = await startHarness();
    const echo = await startUdpEcho();
    const proxy = await createUdpProxy(harness, 'slow_reply', echo.address, { idle_timeout: 100 });
    const added = await harness.api('POST', '/proxies/slow_reply/toxics', {
      type: 'udp_latency',
      attributes: { latency: 500 },
    });
    assert.equal(added.status, 200, added.text);
    const closed: Array<{ bytes: Record<string, number> }> = [];
    harness.engine.events.on((event) => {
      if (event.type === 'connection.closed' && event.proxy === 'slow_reply') closed.push(event);
    });
    const client = await udpClient();
    client.send('ping', proxy.port);
    await waitFor(() => client.received.length === 1, 'the reply, held 500 ms, five idle timeouts');
    assert.equal(closed.length, 0, 'the flow was open while its reply was held');
    await waitFor(() => closed.length === 1, 'the flow to close once idle');
    assert.deepEqual(closed[0]!.bytes, { upstream: 4, downstream: 4 });
    assert.equal((harness.engine.get('slow_reply') as UdpProxy).stats().datagramsDropped, 0);
  });
});

describe('an upstream that is not listening', () => {
  test('the ICMP "port unreachable" is reported once as connection.failed, and the proxy keeps serving', async () => {
    const harness = await startHarness();
    const closed = dgram.createSocket('udp4');
    closed.bind(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = closed.address().port;
    closed.close();
    const proxy = await createUdpProxy(harness, 'nobody_home', `127.0.0.1:${deadPort}`);
    const failures: EngineEvent[] = [];
    harness.engine.events.on((event) => {
      if (event.type === 'connection.failed' && event.proxy === 'nobody_home') failures.push(event);
    });
    const client = await udpClient();
    client.send('one', proxy.port);
    await waitFor(() => failures.length === 1, 'the failure event');
    client.send('two', proxy.port);
    client.send('three', proxy.port);
    const udp = harness.engine.get('nobody_home') as UdpProxy;
    await waitFor(() => udp.stats().bytes.upstream.sent === 11, 'the later datagrams to be sent on');
    const upstream = `127.0.0.1:${deadPort}`;
    assert.deepEqual(failures, [
      {
        type: 'connection.failed',
        proxy: 'nobody_home',
        connection: 1,
        client: `127.0.0.1:${client.socket.address().port}`,
        upstream,
        // The event names the upstream; the error does not say it again.
        error: `nothing listens on the upstream's port (ICMP port unreachable, ECONNREFUSED); the flow keeps sending, as UDP does; start the upstream`,
        protocol: 'udp',
      },
    ]);
    assert.match(
      watchLine({ time: '2026-12-04T10:15:02.117Z', data: failures[0] } as never),
      new RegExp(
        `connection\\.failed +nobody_home +flow #1 client 127\\.0\\.0\\.1:\\d+ could not reach upstream ${upstream.replace(/\./g, '\\.')}: nothing listens`,
      ),
    );
    assert.equal((await harness.api('GET', '/proxies/nobody_home')).status, 200);
  });
});

describe('IPv6', () => {
  test('a udp proxy listens on [::1] and forwards to an upstream on [::1]', async () => {
    const harness = await startHarness();
    const echo = dgram.createSocket('udp6');
    echo.on('message', (data, from) => echo.send(data, from.port, from.address));
    echo.bind(0, '::1');
    await once(echo, 'listening');
    after(() => echo.close());
    const reply = await harness.api('POST', '/proxies', {
      name: 'six',
      listen: '[::1]:0',
      upstream: `[::1]:${echo.address().port}`,
      protocol: 'udp',
    });
    assert.equal(reply.status, 201, reply.text);
    assert.match(reply.json.listen, /^\[::1\]:\d+$/);
    const opened: string[] = [];
    harness.engine.events.on((event) => {
      if (event.type === 'connection.opened' && event.proxy === 'six') opened.push(event.client);
    });
    const client = dgram.createSocket('udp6');
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    client.bind(0, '::1');
    await once(client, 'listening');
    after(() => client.close());
    client.send('hello six', Number(reply.json.listen.split(':').pop()), '::1');
    await waitFor(() => received.length === 1, 'the echo over IPv6');
    assert.deepEqual(received, ['hello six']);
    assert.deepEqual(opened, [`[::1]:${client.address().port}`]);
  });
});

describe('match.client on a udp proxy', () => {
  test('a toxic with match.client acts only on flows from those addresses', async () => {
    const harness = await startHarness();
    const echo = await startUdpEcho();
    const proxy = await createUdpProxy(harness, 'picky', echo.address);
    const added = await harness.api('POST', '/proxies/picky/toxics', {
      type: 'loss',
      stream: 'upstream',
      attributes: { probability: 1_000_000, match: { client: ['127.0.0.2/32'] } },
    });
    assert.equal(added.status, 200, added.text);
    const spared = await udpClient('127.0.0.1');
    const targeted = await udpClient('127.0.0.2');
    targeted.send('lost', proxy.port);
    spared.send('kept', proxy.port);
    await waitFor(() => spared.received.length === 1, 'the spared echo');
    const udp = harness.engine.get('picky') as UdpProxy;
    await waitFor(() => udp.stats().datagramsDropped === 1, 'the targeted datagram to be dropped');
    assert.deepEqual(echo.received.map(String), ['kept']);
    assert.equal(targeted.received.length, 0);
  });
});

describe('the words for a udp proxy', () => {
  test('?explain and the toxic events say flow, not connection', async () => {
    const harness = await startHarness();
    const explanations: string[] = [];
    harness.engine.events.on((event) => {
      if (event.type === 'toxic.added') explanations.push(event.explanation);
    });
    await createUdpProxy(harness, 'udp_words', '127.0.0.1:9');
    for (const toxic of [
      { type: 'udp_latency', toxicity: 0.5, attributes: { latency: 10 } },
      { type: 'corrupt', attributes: { probability: 1000 } },
    ]) {
      assert.equal((await harness.api('POST', '/proxies/udp_words/toxics', toxic)).status, 200);
    }
    const expected = [
      'udp_latency_downstream: on 50% of flows, delays each datagram by 10 ms (downstream)',
      'corrupt_downstream: on every flow, flips a bit in 0.1% of the datagrams (downstream)',
    ];
    const shown = (await harness.api('GET', '/proxies?explain')).json.udp_words;
    assert.deepEqual(
      shown.toxics.map((toxic: { explanation: string }) => toxic.explanation),
      expected,
    );
    assert.deepEqual(explanations, expected);
  });
});

describe('bad input on udp proxies', () => {
  test('a stream toxic is refused with the datagram one to use instead', async () => {
    const harness = await startHarness();
    await createUdpProxy(harness, 'udp_bad', '127.0.0.1:9');
    const reply = await harness.api('POST', '/proxies/udp_bad/toxics', {
      type: 'latency',
      attributes: { latency: 10 },
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.json.error, 'toxic type latency does not run on a udp proxy');
    assert.match(
      reply.json.hint,
      /use udp_latency instead; accepted types: noop, udp_latency, loss, duplicate, reorder, corrupt, udp_bandwidth/,
    );
  });

  test('a datagram toxic is refused on a tcp proxy', async () => {
    const harness = await startHarness();
    await harness.api('POST', '/proxies', {
      name: 'tcp_bad',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:9',
    });
    const reply = await harness.api('POST', '/proxies/tcp_bad/toxics', {
      type: 'loss',
      attributes: { probability: 1 },
    });
    assert.equal(reply.status, 400);
    assert.match(reply.json.error, /toxic type loss needs a proxy with protocol udp/);
    const delayed = await harness.api('POST', '/proxies/tcp_bad/toxics', {
      type: 'udp_latency',
      attributes: { latency: 10 },
    });
    assert.equal(delayed.status, 400);
    assert.match(
      delayed.json.hint,
      /^proxy "tcp_bad" has protocol tcp; use latency instead, or create a proxy with/,
    );
    const throttled = await harness.api('POST', '/proxies/tcp_bad/toxics', {
      type: 'udp_bandwidth',
      attributes: { rate: 10 },
    });
    assert.match(throttled.json.hint, /; use bandwidth instead, or create a proxy with "protocol": "udp"/);
  });

  test('idle_timeout is refused on a tcp proxy and out of range', async () => {
    const harness = await startHarness();
    const tcp = await harness.api('POST', '/proxies', {
      name: 'tcp_idle',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:9',
      idle_timeout: 1000,
    });
    assert.equal(tcp.status, 400);
    assert.equal(tcp.json.error, 'idle_timeout needs a udp proxy');
    const zero = await harness.api('POST', '/proxies', {
      name: 'udp_idle',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:9',
      protocol: 'udp',
      idle_timeout: 0,
    });
    assert.equal(zero.status, 400);
    assert.match(zero.json.hint, /received 0; expected a whole number of ms from 1 to 86400000/);
  });

  test('null for an attribute whose default is not zero is refused with what to send instead', async () => {
    const harness = await startHarness();
    await createUdpProxy(harness, 'udp_null', '127.0.0.1:9');
    const created = await harness.api('POST', '/proxies/udp_null/toxics', {
      name: 'held',
      type: 'udp_latency',
      attributes: { latency: 10, limit: null },
    });
    assert.equal(created.status, 400);
    assert.equal(created.json.error, 'invalid attribute limit of udp_latency toxic "held"');
    assert.equal(
      created.json.hint,
      'received null, which could mean the default 1000, zero or none; leave limit out for its default 1000, or give a whole number of datagrams from 0 to 1000000',
    );
    const added = await harness.api('POST', '/proxies/udp_null/toxics', {
      name: 'held',
      type: 'reorder',
      attributes: { latency: null, probability: 0, limit: 10 },
    });
    assert.equal(added.status, 200, 'null is "not sent" where the default is zero, as Toxiproxy decodes it');
    assert.equal(added.json.attributes.latency, 0);
    const updated = await harness.api('POST', '/proxies/udp_null/toxics/held', { attributes: { gap: null } });
    assert.equal(updated.status, 400);
    assert.match(
      updated.json.hint,
      /^received null, which could mean the default 1, zero or none; leave gap out to keep 1, or give/,
    );
    assert.equal((await harness.api('GET', '/proxies/udp_null/toxics/held')).json.attributes.limit, 10);
  });

  test('Gilbert-Elliott and random loss cannot be mixed', async () => {
    const harness = await startHarness();
    await createUdpProxy(harness, 'udp_mix', '127.0.0.1:9');
    const reply = await harness.api('POST', '/proxies/udp_mix/toxics', {
      type: 'loss',
      attributes: { probability: 1000, to_bad: 1000, to_good: 1000 },
    });
    assert.equal(reply.status, 400);
    assert.match(
      reply.json.hint,
      /^probability does not belong to the Gilbert-Elliott model that to_bad chooses; received probability 1000\. Use one model/,
    );
  });
});
