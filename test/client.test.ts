import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CallOptions,
  type ClientOptions,
  createClient,
  type EventOptions,
  FaultlineApiError,
  normalizeUrl,
} from '../src/client/index.js';
import { startServer } from '../src/server/start-server.js';
import { faultlineVersion } from '../src/version.js';
import { connect, readBytes, startEchoServer, startHarness } from './helpers.js';

const harness = await startHarness();
const echo = await startEchoServer();
const client = createClient({ url: harness.url });

test('every route has a typed method', async () => {
  assert.deepEqual(await client.version(), { version: '2.12.0', faultline: faultlineVersion });
  const created = await client.createProxy({ name: 'typed', listen: '127.0.0.1:0', upstream: echo.address });
  assert.equal(created.enabled, true);
  assert.deepEqual(Object.keys(await client.proxies()), ['typed']);
  assert.equal((await client.proxy('typed')).upstream, echo.address);
  const toxic = await client.addToxic('typed', { type: 'latency', attributes: { latency: 30 } });
  assert.equal(toxic.name, 'latency_downstream');
  assert.deepEqual(await client.toxics('typed'), [toxic]);
  assert.deepEqual(await client.toxic('typed', toxic.name), toxic);
  const port = Number(created.listen.split(':').pop());
  const socket = await connect(port);
  const started = performance.now();
  socket.write('x');
  await readBytes(socket, 1);
  assert.ok(performance.now() - started >= 30, 'the toxic acts on real traffic');
  socket.destroy();
  const updated = await client.updateToxic('typed', toxic.name, { toxicity: 0.5 });
  assert.equal(updated.toxicity, 0.5);
  await client.removeToxic('typed', toxic.name);
  assert.equal((await client.updateProxy('typed', { enabled: false })).enabled, false);
  assert.deepEqual(
    (await client.populate([{ name: 'pop', listen: '127.0.0.1:0', upstream: echo.address }])).map(
      (p) => p.name,
    ),
    ['pop'],
  );
  await client.reset();
  assert.equal((await client.proxy('typed')).enabled, true);
  assert.match(await client.metrics(), /faultline_connections_total/);
  await client.deleteProxy('typed');
  await client.deleteProxy('pop');
});

test('errors are typed with the server code, the status and its message', async () => {
  const error = await client.proxy('missing').catch((caught: unknown) => caught);
  assert.ok(error instanceof FaultlineApiError);
  assert.equal(error.code, 'FAULTLINE_ERR_PROXY_NOT_FOUND');
  assert.equal(error.status, 404);
  assert.match(error.message, /^get proxy missing: HTTP 404: proxy not found/);
});

test("an error's message carries the server's hint, which TAP reporters show alone", async () => {
  const error = await client.proxy('missing').catch((caught: unknown) => caught);
  assert.ok(error instanceof FaultlineApiError);
  assert.equal(error.reason, 'get proxy missing: HTTP 404: proxy not found');
  assert.match(error.hint ?? '', /there is no proxy named "missing"/);
  assert.equal(error.message, `${error.reason}: ${error.hint}`);
});

test('an unreachable server is a typed error that says what to do', async () => {
  const nowhere = createClient({ url: '127.0.0.1:9' });
  const error = await nowhere.version().catch((caught: unknown) => caught);
  assert.ok(error instanceof FaultlineApiError);
  assert.equal(error.code, 'FAULTLINE_ERR_UNREACHABLE');
  assert.equal(error.status, 0);
  assert.match(error.message, /start one with "faultline server"/);
  // A program's client reads no FAULTLINE_URL: the advice names what it does take.
  assert.match(error.message, /startServer\(\) in a test/);
  assert.match(error.message, /createClient's url/);
});

test('createClient refuses what it would otherwise ignore, or fail on at every call', () => {
  const refusals: Array<[unknown, RegExp, RegExp]> = [
    [
      'http://127.0.0.1:8474',
      /takes an options object/,
      /createClient\(\{ url: "http:\/\/127\.0\.0\.1:8474" \}\)/,
    ],
    [{ uri: 'http://127.0.0.1:8474' }, /unknown option uri/, /url, timeout, token/],
    [{ timeout: '1000' }, /timeout must be a whole number of milliseconds/, /Number\(process\.env/],
    [{ timeout: 0 }, /timeout must be a whole number of milliseconds, 1 or more, received 0/, /5000/],
    [{ url: 8474 }, /url must be a string/, /http:\/\/127\.0\.0\.1:8474/],
    [{ url: 'http://127.0.0.1:8474/?token=x' }, /has a query \(\?token=x\)/, /http:\/\/:TOKEN@HOST:PORT/],
    [{ url: 'http://127.0.0.1:8474#top' }, /has a fragment \(#top\)/, /'http:\/\/HOST:PORT'/],
  ];
  for (const [options, message, hint] of refusals) {
    assert.throws(() => createClient(options as ClientOptions), {
      code: 'FAULTLINE_ERR_INVALID_CONFIG',
      message,
      hint,
    });
  }
});

test("a call's options are checked too: a timeout there would be ignored", async () => {
  await assert.rejects(client.proxies({ timeout: 10 } as CallOptions), {
    code: 'FAULTLINE_ERR_INVALID_CONFIG',
    message:
      /^list proxies: unknown option timeout: it takes signal, onWarning; .*AbortSignal\.timeout\(ms\)/,
  });
  const events = client.events({ type: ['toxic.fired'] } as EventOptions);
  await assert.rejects(events[Symbol.asyncIterator]().next(), {
    code: 'FAULTLINE_ERR_INVALID_CONFIG',
    message: /^follow events: unknown option type: it takes signal, types, proxy, since/,
  });
});

test('events() sends an empty proxy or types filter to the server, which refuses it, rather than follow everything', async () => {
  const cases: Array<[EventOptions, RegExp]> = [
    [{ proxy: '' }, /^follow events: HTTP 400: invalid proxy: ""/],
    [{ types: [] }, /^follow events: HTTP 400: types names no event type: ""/],
  ];
  // An event the stream would replay (since 0) if it followed everything: then next() yields it, not hangs.
  harness.engine.events.emit({
    type: 'connection.opened',
    proxy: 'anything',
    connection: 1,
    client: '127.0.0.1:1',
  });
  for (const [options, error] of cases) {
    const events = client.events({ ...options, since: 0 });
    await assert.rejects(events[Symbol.asyncIterator]().next(), { status: 400, message: error });
  }
});

test('every call takes an AbortSignal', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(client.proxies({ signal: controller.signal }), { name: 'AbortError' });
});

test('events() yields parsed events until its signal aborts', async () => {
  const controller = new AbortController();
  const seen: string[] = [];
  const following = (async () => {
    for await (const event of client.events({
      signal: controller.signal,
      types: ['proxy'],
      proxy: 'evented',
      since: 0,
    })) {
      seen.push(`${event.type} ${(event.data as { proxy: { name: string } }).proxy.name}`);
      if (seen.length === 2) controller.abort();
    }
  })();
  await client.createProxy({ name: 'evented', listen: '127.0.0.1:0', upstream: echo.address });
  await client.deleteProxy('evented');
  await following;
  assert.deepEqual(seen, ['proxy.created evented', 'proxy.deleted evented']);
});

test('a url with a trailing slash reaches a server with a token', async () => {
  const server = await startServer({ token: 'generate' });
  try {
    for (const url of [`${server.url}/`, `${server.url}//`, `${server.url.slice('http://'.length)}/`]) {
      const slashed = createClient({ url, token: server.token });
      assert.equal(slashed.url, server.url);
      assert.deepEqual(await slashed.proxies(), {});
    }
  } finally {
    await server.stop();
  }
});

test('a url with a path the server does not serve says so, and a plain 404 without one does not', async () => {
  await assert.rejects(createClient({ url: `${harness.url}/api` }).proxies(), {
    code: 'FAULTLINE_ERR_NOT_FOUND',
    reason: 'list proxies: HTTP 404: 404 page not found',
    hint: `the server URL ${harness.url}/api has the path /api, and the server has no such route under it: a faultline server answers at the root of its address (give it as ${harness.url}); a reverse proxy in front must forward /api to that root`,
  });
  await assert.rejects(client.proxy('absent'), (error: FaultlineApiError) => !error.hint?.includes('path'));
});

test('urls without a scheme get http://', () => {
  assert.equal(normalizeUrl('localhost:8474/'), 'http://localhost:8474');
  assert.equal(normalizeUrl('https://chaos.example:8474'), 'https://chaos.example:8474');
});

test('events() types each event by its type, and the events.lost notice has no id', async () => {
  const controller = new AbortController();
  await client.createProxy({ name: 'narrowed', listen: '127.0.0.1:0', upstream: echo.address });
  const seen: string[] = [];
  // An id no event has had yet: the server says what was lost, then replays what it keeps.
  for await (const event of client.events({ signal: controller.signal, since: 1_000_000 })) {
    // Each branch compiles only if the event's type narrows its data.
    if (event.type === 'events.lost') {
      assert.equal(event.id, undefined);
      assert.equal(event.data.lost, null);
      seen.push(`${event.type} ${event.data.message.split(':')[0]}`);
    } else if (event.type === 'proxy.created' && event.data.proxy.name === 'narrowed') {
      assert.ok(Number.isSafeInteger(event.id));
      seen.push(`${event.type} ${event.data.proxy.name}`);
      controller.abort();
    }
  }
  assert.deepEqual(seen, ['events.lost no event has had the id 1000000 yet', 'proxy.created narrowed']);
  await client.deleteProxy('narrowed');
});

test('events({ since: 0 }) shows what happened before the loop began (docs/cli.md)', async () => {
  await client.createProxy({ name: 'earlier', listen: '127.0.0.1:0', upstream: echo.address });
  const controller = new AbortController();
  let first: string | undefined;
  for await (const event of client.events({ signal: controller.signal, since: 0, proxy: 'earlier' })) {
    if (event.type === 'proxy.created') first = event.data.proxy.name;
    controller.abort();
  }
  assert.equal(first, 'earlier');
  await client.deleteProxy('earlier');
});
