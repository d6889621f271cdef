import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { connect, createProxy, readBytes, startEchoServer, startHarness, waitFor } from './helpers.js';

const harness = await startHarness();
const echo = await startEchoServer();

test('/metrics counts bytes per proxy and direction on live connections, and toxic actions', async () => {
  const proxy = await createProxy(harness, 'measured', echo.address);
  await harness.api('POST', '/proxies/measured/toxics', {
    name: 'lag',
    type: 'latency',
    // Long enough that a busy machine cannot deliver the chunk before it is due (then no delay acts).
    attributes: { latency: 50 },
  });
  const client = await connect(proxy.port);
  client.write('hello');
  await readBytes(client, 5);
  const reply = await harness.api('GET', '/metrics');
  assert.equal(reply.status, 200);
  // Label names sorted, as Prometheus's Go client writes them: Toxiproxy's e2e script greps this line.
  const labels = (direction: string) =>
    `{direction="${direction}",listener="${proxy.listen}",proxy="measured",upstream="${echo.address}"} 5`;
  const lines = reply.text.split('\n');
  assert.ok(lines.includes(`toxiproxy_proxy_received_bytes_total${labels('upstream')}`), reply.text);
  assert.ok(lines.includes(`toxiproxy_proxy_sent_bytes_total${labels('downstream')}`), reply.text);
  assert.match(reply.text, /^faultline_connections_active\{proxy="measured"\} 1$/m);
  assert.match(reply.text, /^faultline_toxics_active\{proxy="measured",stream="downstream"\} 1$/m);
  assert.match(
    reply.text,
    /^faultline_toxic_actions_total\{proxy="measured",toxic="lag",type="latency",stream="downstream"\} 1$/m,
  );
  client.destroy();
});

test('a toxic added under the name of a removed one counts its own actions, from 0', async () => {
  const proxy = await createProxy(harness, 'renamed', echo.address);
  const actions = async () =>
    /^faultline_toxic_actions_total\{proxy="renamed",toxic="latency_downstream",type="latency",stream="downstream"\} (\d+)$/m.exec(
      (await harness.api('GET', '/metrics')).text,
    )?.[1];
  const echoOnce = async () => {
    const client = await connect(proxy.port);
    client.write('ping');
    await readBytes(client, 4);
    client.destroy();
  };
  // Toxiproxy's default name, which a suite that adds and removes a latency in each test reuses.
  const latency = { type: 'latency', attributes: { latency: 50 } };
  await harness.api('POST', '/proxies/renamed/toxics', latency);
  await echoOnce();
  await echoOnce();
  assert.equal(await actions(), '2');
  await harness.api('DELETE', '/proxies/renamed/toxics/latency_downstream');
  await harness.api('POST', '/proxies/renamed/toxics', latency);
  assert.equal(await actions(), '0', 'the new toxic has acted on nothing yet');
  await echoOnce();
  assert.equal(await actions(), '1');
  const updated = await harness.api('POST', '/proxies/renamed/toxics/latency_downstream', {
    attributes: { latency: 10 },
  });
  assert.equal(updated.status, 200, updated.text);
  assert.equal(await actions(), '1', 'an update is the same toxic: its count goes on');
});

test("/metrics never reports an empty event-loop histogram's 2^63 ns as a delay: with no sample, NaN", async () => {
  for (let scrape = 0; scrape < 3; scrape++) {
    const { text } = await harness.api('GET', '/metrics');
    const lag = (name: string) =>
      Number(new RegExp(`^faultline_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1]);
    const min = lag('min');
    assert.ok(Number.isNaN(min) || min < 1, `lag min ${min} s`);
    if (Number.isNaN(min)) for (const name of ['max', 'p50', 'p99']) assert.ok(Number.isNaN(lag(name)), name);
  }
});

/** Opens /events and collects parsed events until the returned stop() is called. */
function subscribe(query = '', headers: Record<string, string> = {}, server = harness) {
  const events: Array<{ id: string | undefined; type: string; data: any }> = [];
  let buffer = '';
  // The server registers a subscriber before it sends anything, so a response means subscribed.
  const state = { subscribed: false };
  const request = http.get(
    `${server.url}/events${query}`,
    { headers: { 'User-Agent': 'test', ...headers } },
    (response) => {
      state.subscribed = true;
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        buffer += text;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((line) => !line.startsWith(':') && line.includes(': '))
              .map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]),
          );
          if (fields.event)
            events.push({ id: fields.id, type: fields.event, data: JSON.parse(fields.data ?? '{}') });
          end = buffer.indexOf('\n\n');
        }
      });
    },
  );
  request.on('error', () => undefined);
  return { events, subscribed: () => state.subscribed, stop: () => request.destroy() };
}

test('/events streams proxy and toxic changes and each toxic that fires, with its connection', async () => {
  const stream = subscribe();
  await waitFor(stream.subscribed, 'subscription');
  const proxy = await createProxy(harness, 'watched', echo.address);
  await harness.api('POST', '/proxies/watched/toxics', {
    name: 'rst',
    type: 'reset_peer',
    stream: 'upstream',
  });
  const client = await connect(proxy.port);
  client.on('error', () => undefined);
  client.write('boom');
  await waitFor(() => stream.events.some((event) => event.type === 'toxic.fired'), 'toxic.fired');
  const types = stream.events.map((event) => event.type);
  assert.deepEqual(
    types.filter((type) => type === 'proxy.created' || type === 'toxic.added'),
    ['proxy.created', 'toxic.added'],
  );
  const fired = stream.events.find((event) => event.type === 'toxic.fired')!;
  assert.equal(fired.data.proxy, 'watched');
  assert.equal(fired.data.toxic, 'rst');
  assert.equal(fired.data.action, 'reset');
  assert.equal(typeof fired.data.connection, 'number');
  assert.match(fired.data.time, /^\d{4}-\d\d-\d\dT/);
  const added = stream.events.find((event) => event.type === 'toxic.added')!;
  assert.match(added.data.explanation, /resets the connection \(RST\)/);
  stream.stop();
});

test('/events filters by type and proxy, and replays what a reconnecting client missed', async () => {
  const onlyToxics = subscribe('?types=toxic&proxy=filtered');
  await waitFor(onlyToxics.subscribed, 'subscription');
  await createProxy(harness, 'filtered', echo.address);
  await createProxy(harness, 'other', echo.address);
  await harness.api('POST', '/proxies/other/toxics', { type: 'noop' });
  await harness.api('POST', '/proxies/filtered/toxics', { type: 'noop' });
  await waitFor(() => onlyToxics.events.length > 0, 'a filtered event');
  assert.deepEqual(
    onlyToxics.events.map((event) => [event.type, event.data.proxy]),
    [['toxic.added', 'filtered']],
  );
  const since = Number(onlyToxics.events[0]!.id) - 1;
  const replay = subscribe(`?since=${since}&types=toxic.added`);
  await waitFor(() => replay.events.length >= 1, 'the replayed event');
  assert.equal(replay.events[0]!.data.proxy, 'filtered');
  onlyToxics.stop();
  replay.stop();
});

test('/events refuses a filter or id it cannot honour, saying what it takes', async () => {
  const types =
    'proxy.created, proxy.updated, proxy.deleted, toxic.added, toxic.updated, toxic.removed, connection.opened, connection.closed, connection.failed, tls.failed, toxic.fired, http.fault, http.upstream_failed, stream.opened, stream.closed, protocol.mismatch, halt (or a prefix such as proxy, toxic, connection, http)';
  const cases: Array<[query: string, headers: Record<string, string>, error: string, hint: string]> = [
    [
      '?types=bogus.type,toxic',
      {},
      'types names no event type: "bogus.type,toxic"',
      `no event type is or starts with "bogus.type"; event types: ${types}`,
    ],
    [
      '?types=tox',
      {},
      'types names no event type: "tox"',
      `no event type is or starts with "tox"; event types: ${types}`,
    ],
    ['?types=,', {}, 'types names no event type: ","', `event types: ${types}`],
    [
      '?since=abc',
      {},
      'invalid since',
      'received "abc"; expected the id of an event, a whole number (0 replays everything the server still has)',
    ],
    [
      '?since=-1',
      {},
      'invalid since',
      'received "-1"; expected the id of an event, a whole number (0 replays everything the server still has)',
    ],
    [
      '',
      { 'Last-Event-ID': 'x7' },
      'invalid the Last-Event-ID header',
      'received "x7"; expected the id of an event, a whole number (0 replays everything the server still has)',
    ],
    ['?type=toxic', {}, 'unknown query parameter "type"', 'GET /events takes types, proxy, since'],
    [
      '?proxy=a&proxy=b',
      {},
      'query parameter proxy given more than once',
      'give it once: a stream follows one proxy, or every proxy when proxy is left out',
    ],
    [
      '?since=1&since=2',
      {},
      'query parameter since given more than once',
      'give it once: the id of the last event seen',
    ],
    [
      '?types=toxic&types=proxy',
      {},
      'query parameter types given more than once',
      'give it once, with the prefixes comma-separated: types=toxic,proxy.deleted',
    ],
  ];
  for (const [query, headers, error, hint] of cases) {
    const reply = await harness.api('GET', `/events${query}`, undefined, headers);
    assert.deepEqual(
      [reply.status, reply.json?.error, reply.json?.hint, reply.json?.code],
      [400, error, hint, 'FAULTLINE_ERR_INVALID_FIELD'],
      `${query} ${JSON.stringify(headers)}`,
    );
  }
});

test('/events refuses a proxy filter no proxy can be named (an unset shell variable), which would follow nothing for ever', async () => {
  const hint =
    'no proxy can be named so: a proxy name is one or more of letters, digits, "_", ".", ":" and "-"; leave proxy out to follow every proxy';
  for (const [query, error] of [
    ['?proxy=', 'invalid proxy: ""'],
    ['?proxy=api%20gateway', 'invalid proxy: "api gateway"'],
  ]) {
    // Read only the head: a stream that was accepted would never end.
    const controller = new AbortController();
    const response = await fetch(`${harness.url}/events${query}`, { signal: controller.signal });
    const body = response.status === 200 ? undefined : ((await response.json()) as Record<string, unknown>);
    controller.abort();
    assert.deepEqual(
      [response.status, body?.error, body?.hint, body?.code],
      [400, error, hint, 'FAULTLINE_ERR_INVALID_FIELD'],
      query,
    );
  }
});

/** The raw text of an event stream until `until` matches it; the request is then closed. */
async function streamText(url: string, headers: Record<string, string>, until: RegExp): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  let text = '';
  const decoder = new TextDecoder();
  for await (const bytes of response.body!) {
    text += decoder.decode(bytes as Uint8Array, { stream: true });
    if (until.test(text)) break;
  }
  controller.abort();
  return text;
}

test('/events for a proxy that does not exist yet says so in a comment', async () => {
  const fresh = await startHarness();
  const text = await streamText(`${fresh.url}/events?proxy=later`, {}, /now; .*\n\n/);
  assert.equal(
    text,
    ': faultline events\n\n: no proxy is named "later" now; its events show once a proxy of that name is created\n\n',
  );
  const existing = await streamText(`${harness.url}/events?proxy=measured`, {}, /: faultline events\n\n/);
  assert.equal(existing, ': faultline events\n\n', 'no comment for a proxy that exists');
});

test('a Last-Event-ID older than the 1000 events kept gets an events.lost event first, with the count', async () => {
  const fresh = await startHarness();
  for (let connection = 1; connection <= 1200; connection++) {
    fresh.engine.events.emit({ type: 'connection.opened', proxy: 'p', connection, client: '127.0.0.1:1' });
  }
  const text = await streamText(`${fresh.url}/events`, { 'Last-Event-ID': '5' }, /id: 202\n/);
  const blocks = text.split('\n\n');
  const lost = /^event: events\.lost\ndata: (.*)$/.exec(blocks[1]!);
  assert.ok(lost, blocks[1]);
  const { time, ...notice } = JSON.parse(lost[1]!);
  assert.match(time, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(notice, {
    type: 'events.lost',
    after: 5,
    lost: 195,
    replayFrom: 201,
    message: '195 events after id 5 are lost: the server keeps the last 1000; replaying from id 201',
  });
  assert.match(blocks[2]!, /^id: 201\nevent: connection\.opened\n/);

  const kept = await streamText(`${fresh.url}/events`, { 'Last-Event-ID': '200' }, /id: 202\n/);
  assert.match(kept, /^: faultline events\n\nid: 201\n/, 'nothing lost after id 200: no notice');
});

test('a Last-Event-ID from before a restart (no event has it yet) says so and replays all it has', async () => {
  const fresh = await startHarness();
  for (let connection = 1; connection <= 3; connection++) {
    fresh.engine.events.emit({ type: 'connection.opened', proxy: 'p', connection, client: '127.0.0.1:1' });
  }
  const text = await streamText(`${fresh.url}/events?since=40`, {}, /id: 3\n/);
  const blocks = text.split('\n\n');
  const { time, ...notice } = JSON.parse(/^event: events\.lost\ndata: (.*)$/.exec(blocks[1]!)![1]!);
  assert.match(time, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(notice, {
    type: 'events.lost',
    after: 40,
    lost: null,
    replayFrom: 1,
    message:
      'no event has had the id 40 yet: the server restarted since (ids start again at 1), so events between are lost; replaying the 3 it still has',
  });
  assert.deepEqual(
    blocks.slice(2, 5).map((block) => block.split('\n')[0]),
    ['id: 1', 'id: 2', 'id: 3'],
  );
});

test('proxy.deleted shows the proxy as it was when deleted: enabled, or disabled', async () => {
  const stream = subscribe('?types=proxy.deleted');
  await waitFor(stream.subscribed, 'subscription');
  await createProxy(harness, 'gone-enabled', echo.address);
  await createProxy(harness, 'gone-disabled', echo.address, { enabled: false });
  await harness.api('DELETE', '/proxies/gone-enabled');
  await harness.api('DELETE', '/proxies/gone-disabled');
  await waitFor(() => stream.events.length === 2, 'two proxy.deleted events');
  assert.deepEqual(
    stream.events.map((event) => [event.data.proxy.name, event.data.proxy.enabled]),
    [
      ['gone-enabled', true],
      ['gone-disabled', false],
    ],
  );
  stream.stop();
});

test('POST /reset says so for each proxy it enables, and /populate creates a proxy before its toxics', async () => {
  // A server of its own: /reset reaches every proxy on it.
  const own = await startHarness();
  const stream = subscribe('?types=proxy,toxic', {}, own);
  await waitFor(stream.subscribed, 'subscription');
  await createProxy(own, 'off', echo.address, { enabled: false });
  assert.equal((await own.api('POST', '/reset')).status, 204);
  const populated = await own.api('POST', '/populate', [
    {
      name: 'listed',
      listen: '127.0.0.1:0',
      upstream: echo.address,
      toxics: [{ name: 'lag', type: 'latency', attributes: { latency: 1 } }],
    },
  ]);
  assert.equal(populated.status, 201, populated.text);
  await waitFor(() => stream.events.some((event) => event.type === 'toxic.added'), 'the populated toxic');
  assert.deepEqual(
    stream.events.map((event) => [
      event.type,
      event.data.proxy.name ?? event.data.proxy,
      event.data.proxy.enabled,
    ]),
    [
      ['proxy.created', 'off', false],
      ['proxy.updated', 'off', true],
      ['proxy.created', 'listed', true],
      ['toxic.added', 'listed', undefined],
    ],
  );
  stream.stop();
});

test('a proxy that could not be made announces none of its toxics', async () => {
  const taken = await createProxy(harness, 'taken', echo.address);
  const stream = subscribe('?types=proxy,toxic');
  await waitFor(stream.subscribed, 'subscription');
  const refused = await harness.api('POST', '/populate', [
    {
      name: 'clash',
      listen: taken.listen,
      upstream: echo.address,
      toxics: [{ name: 'never', type: 'latency', attributes: { latency: 1 } }],
    },
  ]);
  assert.notEqual(refused.status, 201, refused.text);
  await harness.api('DELETE', '/proxies/taken');
  await waitFor(() => stream.events.some((event) => event.type === 'proxy.deleted'), 'the delete after it');
  assert.deepEqual(
    stream.events.map((event) => event.type),
    ['proxy.deleted'],
    'no toxic.added for a proxy that does not exist',
  );
  stream.stop();
});

test('/populate that changes a proxy in place (here its header_faults) sends proxy.updated', async () => {
  const entry = { name: 'in-place', listen: '127.0.0.1:0', upstream: echo.address, protocol: 'http' };
  assert.equal((await harness.api('POST', '/populate', [entry])).status, 201);
  const listen = (await harness.api('GET', '/proxies/in-place')).json.listen as string;
  const stream = subscribe('?types=proxy&proxy=in-place');
  await waitFor(stream.subscribed, 'subscription');
  const changed = await harness.api('POST', '/populate', [{ ...entry, listen, header_faults: true }]);
  assert.equal(changed.status, 201, changed.text);
  assert.equal((await harness.api('GET', '/proxies/in-place')).json.header_faults, true);
  await harness.api('DELETE', '/proxies/in-place');
  await waitFor(() => stream.events.some((event) => event.type === 'proxy.deleted'), 'the delete after it');
  assert.deepEqual(
    stream.events.map((event) => event.type),
    ['proxy.updated', 'proxy.deleted'],
  );
  stream.stop();
});
