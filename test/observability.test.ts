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

/** Opens /events and collects parsed events until the returned stop() is called. */
function subscribe(query = '', headers: Record<string, string> = {}) {
  const events: Array<{ id: string | undefined; type: string; data: any }> = [];
  let buffer = '';
  // The server registers a subscriber before it sends anything, so a response means subscribed.
  const state = { subscribed: false };
  const request = http.get(
    `${harness.url}/events${query}`,
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
