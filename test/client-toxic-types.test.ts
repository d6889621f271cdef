import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient, FaultlineApiError, type ToxicBody } from '../src/client/index.js';
import { startEchoServer, startHarness } from './helpers.js';

const harness = await startHarness();
const echo = await startEchoServer();
const client = createClient({ url: harness.url });
await client.createProxy({ name: 'typed', listen: '127.0.0.1:0', upstream: echo.address });
await client.createProxy({ name: 'web', listen: '127.0.0.1:0', upstream: echo.address, protocol: 'http' });

test('typed toxic bodies are what the server accepts', async () => {
  const bodies: [string, ToxicBody][] = [
    ['typed', { type: 'latency', attributes: { latency: 100, jitter: 10 } }],
    ['typed', { type: 'bandwidth', stream: 'upstream', attributes: { rate: 10, scope: 'proxy' } }],
    ['typed', { type: 'limit_time', attributes: { time: 50, mode: 'hang' } }],
    ['typed', { type: 'refuse', attributes: { first: 2, match: { client: ['127.0.0.1'] } } }],
    ['web', { type: 'http_abort', attributes: { status: 503, action: 'respond', body: 'down' } }],
    [
      'web',
      {
        type: 'http_modify',
        attributes: { response_headers: { 'x-a': 'b', 'x-gone': null }, json_patch: { a: 1 } },
      },
    ],
  ];
  for (const [proxy, body] of bodies) {
    const toxic = await client.addToxic(proxy, body);
    assert.equal(toxic.type, body.type);
  }
  await client.reset();
});

test('the compiler refuses what the server would refuse', async () => {
  const refused: ToxicBody[] = [
    // @ts-expect-error an attribute the toxic does not have
    { type: 'latency', attributes: { latncy: 100 } },
    // @ts-expect-error a type that does not exist
    { type: 'latncy', attributes: {} },
    // @ts-expect-error a number written as text
    { type: 'latency', attributes: { latency: '100' } },
    // @ts-expect-error a choice that is not one
    { type: 'limit_time', attributes: { mode: 'explode' } },
    // @ts-expect-error a stream that is neither
    { type: 'timeout', stream: 'both' },
  ];
  for (const body of refused) {
    const error = await client.addToxic('typed', body).catch((caught: unknown) => caught);
    assert.ok(error instanceof FaultlineApiError, JSON.stringify(body));
    assert.equal(error.status, 400, JSON.stringify(body));
  }
  // An update's attributes are those of the toxic's type when it is given.
  await client.addToxic('typed', { type: 'latency', name: 'slow', attributes: { latency: 1 } });
  const updated = await client.updateToxic<'latency'>('typed', 'slow', { attributes: { jitter: 5 } });
  assert.equal(updated.attributes.jitter, 5);
  // @ts-expect-error jitter is a number
  await client.updateToxic<'latency'>('typed', 'slow', { attributes: { jitter: 'x' } }).catch(() => {});
  await client.reset();
});

test('createProxy and populate take the same typed toxics', async () => {
  const slow: ToxicBody = { type: 'latency', attributes: { latency: 10, match: { client: ['127.0.0.1'] } } };
  const created = await client.createProxy({
    name: 'with_toxics',
    listen: '127.0.0.1:0',
    upstream: echo.address,
    toxics: [slow],
  });
  assert.equal(created.toxics[0]?.attributes.latency, 10);
  const error = await client
    .populate([
      {
        name: 'populated',
        listen: '127.0.0.1:0',
        upstream: echo.address,
        // @ts-expect-error an attribute the toxic does not have, in a proxy's toxics
        toxics: [{ type: 'latency', attributes: { latncy: 1 } }],
      },
    ])
    .catch((caught: unknown) => caught);
  assert.ok(error instanceof FaultlineApiError);
  assert.equal(error.status, 400);
  await client.deleteProxy('with_toxics');
});

test('answers are typed by the toxic type: an added toxic, and a listed one once its type is checked', async () => {
  const added = await client.addToxic('typed', {
    type: 'latency',
    name: 'answer',
    attributes: { latency: 20 },
  });
  const latency: number = added.attributes.latency;
  const jitter: number = added.attributes.jitter;
  assert.deepEqual([latency, jitter], [20, 0], 'every attribute is answered, at its default when not sent');
  // @ts-expect-error a latency toxic's latency is a number, not text
  const asText: string = added.attributes.latency;
  // @ts-expect-error the answer's type is the type sent: comparing it with another is a mistake
  assert.equal(added.type === 'bandwidth', false, String(asText));

  const limited = await client.addToxic('typed', { type: 'limit_time', attributes: { time: 50 } });
  const mode: 'reset' | 'hang' = limited.attributes.mode;
  assert.equal(mode, 'reset');
  // @ts-expect-error a choice is one of its choices
  const explode: 'explode' = limited.attributes.mode;
  const slow = await client.addToxic('typed', { type: 'bandwidth', attributes: { rate: 10 } });
  // scope is left out at its default, as Toxiproxy's JSON has no scope: the type says it may be missing
  // @ts-expect-error scope may be undefined
  const scope: 'connection' | 'proxy' = slow.attributes.scope;
  assert.deepEqual([explode, scope], ['reset', undefined]);

  const [first] = (await client.proxy('typed')).toxics;
  assert.ok(first);
  // @ts-expect-error a toxic of a list may be of any type: its latency is not known to be a number
  const unchecked: number = first.attributes.latency;
  assert.equal(unchecked, 20);
  assert.equal(first.type, 'latency');
  if (first.type === 'latency') {
    const checked: number = first.attributes.latency;
    assert.equal(checked, 20);
  }
  const fetched = await client.toxic<'latency'>('typed', 'answer');
  const fetchedJitter: number = fetched.attributes.jitter;
  assert.equal(fetchedJitter, 0);
  const listed = await client.toxics('typed');
  assert.deepEqual(
    listed.map((toxic) => toxic.type),
    ['latency', 'limit_time', 'bandwidth'],
  );
  await client.reset();
});
