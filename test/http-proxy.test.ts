import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { Client, Pool, request } from 'undici';
import WebSocket, { WebSocketServer } from 'ws';
import { describe as describeEvent } from '../src/cli/watch-command.js';
import { parseProxyCreate } from '../src/model/proxy-spec.js';
import { parseToxicCreate } from '../src/model/toxic.js';
import { createEngine } from '../src/proxy/engine.js';
import { defaultLimits } from '../src/proxy/limits.js';
import { createProxy, readAll, startHarness, startTcpServer, waitFor } from './helpers.js';
import { collectEvents, startHttpUpstream } from './http-helpers.js';

const harness = await startHarness({ seed: 7 });
const upstream = await startHttpUpstream();
const proxy = await createProxy(harness, 'api', upstream.address, { protocol: 'http' });
const origin = `http://127.0.0.1:${proxy.port}`;
const pool = new Pool(origin, { connections: 4 });

const addToxic = async (body: object) => {
  const reply = await harness.api('POST', '/proxies/api/toxics', body);
  assert.equal(reply.status, 200, reply.text);
  return reply.json;
};
const removeToxic = (name: string) => harness.api('DELETE', `/proxies/api/toxics/${name}`);

describe('http proxy: forwarding', () => {
  it('shows protocol http in its JSON', async () => {
    const shown = await harness.api('GET', '/proxies/api');
    assert.equal(shown.json.protocol, 'http');
    assert.deepEqual(Object.keys(shown.json), [
      'name',
      'listen',
      'upstream',
      'enabled',
      'protocol',
      'Logger',
      'toxics',
    ]);
  });

  it('forwards a GET over keep-alive and keeps the upstream headers', async () => {
    const reply = await pool.request({ path: '/hello?x=1', method: 'GET' });
    assert.equal(reply.statusCode, 200);
    assert.equal(reply.headers['x-upstream'], 'yes');
    assert.equal(await reply.body.text(), 'ok GET /hello?x=1');
  });

  it('carries a 1 MiB chunked request body and a 1 MiB chunked response intact', async () => {
    const body = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < body.length; i += 1) body[i] = (i * 31) % 251;
    async function* chunks() {
      for (let i = 0; i < body.length; i += 10_000) yield body.subarray(i, i + 10_000);
    }
    const echoed = await pool.request({ path: '/echo', method: 'POST', body: Readable.from(chunks()) });
    assert.equal(echoed.statusCode, 200);
    const back = Buffer.from(await echoed.body.arrayBuffer());
    assert.equal(back.length, body.length);
    assert.ok(back.equals(body), 'the echoed body differs from what was sent');
    const big = await pool.request({ path: `/big/${1024 * 1024}`, method: 'GET' });
    assert.equal(big.headers['transfer-encoding'], 'chunked');
    assert.equal(Buffer.from(await big.body.arrayBuffer()).length, 1024 * 1024);
  });

  it('answers pipelined requests in order on one connection', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    const requests = ['/p/1', '/p/2', '/p/3']
      .map((path, i) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${i === 2 ? 'Connection: close\r\n' : ''}\r\n`)
      .join('');
    socket.write(requests);
    const text = (await readAll(socket)).toString();
    const bodies = [...text.matchAll(/ok GET (\/p\/\d)/g)].map((found) => found[1]);
    assert.deepEqual(bodies, ['/p/1', '/p/2', '/p/3']);
  });

  it('answers Expect: 100-continue and forwards the body', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
    );
    const [first] = (await once(socket, 'data')) as [Buffer];
    assert.match(first.toString(), /^HTTP\/1\.1 100 Continue\r\n/);
    socket.write('hello');
    const rest = (await readAll(socket)).toString();
    assert.match(rest, /HTTP\/1\.1 200 OK/);
    assert.match(rest, /hello/);
  });

  it('passes a WebSocket upgrade through as bytes', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo:${String(data)}`)));
    const wsProxy = await createProxy(harness, 'ws', `127.0.0.1:${(wss.address() as net.AddressInfo).port}`, {
      protocol: 'http',
    });
    const client = new WebSocket(`ws://127.0.0.1:${wsProxy.port}/chat`);
    await once(client, 'open');
    client.send('hi');
    const [message] = (await once(client, 'message')) as [Buffer];
    assert.equal(String(message), 'echo:hi');
    client.close();
    await once(client, 'close');
    wss.close();
  });

  it('answers 502 with a body and an event when the upstream does not speak HTTP', async () => {
    const events = collectEvents(harness);
    const garbage = await startTcpServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    const bad = await createProxy(harness, 'notHttp', garbage.address, { protocol: 'http' });
    const reply = await request(`http://127.0.0.1:${bad.port}/orders`);
    assert.equal(reply.statusCode, 502);
    const text = await reply.body.text();
    assert.match(
      text,
      new RegExp(`^faultline: the upstream ${garbage.address} did not answer with HTTP \\(`),
    );
    await waitFor(
      () => events.some((event) => event.type === 'http.upstream_failed'),
      'the upstream failure event',
    );
    const failed = events.find((event) => event.type === 'http.upstream_failed');
    assert.equal(failed?.type === 'http.upstream_failed' && failed.path, '/orders');
    assert.equal(failed?.type === 'http.upstream_failed' && failed.status, 502);
  });

  it('an upstream that closes without answering is said to have closed, with the hint an HTTPS upstream needs', async () => {
    // A TLS server sent plain HTTP closes the connection without a byte, as this one does.
    const closing = await startTcpServer((socket) => socket.once('data', () => socket.destroy()));
    const proxy = await createProxy(harness, 'closes', closing.address, { protocol: 'http' });
    const reply = await request(`http://127.0.0.1:${proxy.port}/orders`);
    assert.equal(reply.statusCode, 502);
    assert.equal(
      await reply.body.text(),
      `faultline: the upstream ${closing.address} closed the connection without answering (UND_ERR_SOCKET: other side closed); an HTTPS upstream does that to plain HTTP: if it speaks TLS, give the proxy upstream_tls (faultline create --upstream-tls)\n`,
    );
  });

  it('a byte toxic added while a keep-alive connection is open applies to its next request', async () => {
    const client = new Client(origin);
    const first = await client.request({ path: '/first', method: 'GET' });
    await first.body.text();
    await addToxic({ name: 'later_slow', type: 'latency', attributes: { latency: 300 } });
    const started = performance.now();
    const second = await client.request({ path: '/second', method: 'GET' });
    assert.equal(await second.body.text(), 'ok GET /second');
    assert.ok(performance.now() - started >= 290, 'the second request did not go through the latency toxic');
    await removeToxic('later_slow');
    await client.close();
  });

  it('adding a byte toxic never resets the next request of a keep-alive node http.Agent', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: proxy.port, path, agent }, (reply) => {
            let text = '';
            reply.setEncoding('utf8');
            reply.on('data', (chunk: string) => (text += chunk));
            reply.on('end', () => resolve(`${reply.statusCode} ${text}`));
          })
          .on('error', reject);
      });
    try {
      await get('/warm');
      const answers: string[] = [];
      for (let round = 0; round < 20; round += 1) {
        await addToxic({ name: 'tiny', type: 'latency', attributes: { latency: 1 } });
        answers.push(await get(`/round/${round}`));
        await removeToxic('tiny');
        answers.push(await get(`/after/${round}`));
      }
      const expected = Array.from({ length: 20 }, (_, round) => [
        `200 ok GET /round/${round}`,
        `200 ok GET /after/${round}`,
      ]).flat();
      assert.deepEqual(answers, expected);
    } finally {
      agent.destroy();
    }
  });

  it('a byte toxic added while a WebSocket is open applies to its next message', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo:${String(data)}`)));
    const wsProxy = await createProxy(
      harness,
      'wslate',
      `127.0.0.1:${(wss.address() as net.AddressInfo).port}`,
      {
        protocol: 'http',
      },
    );
    const client = new WebSocket(`ws://127.0.0.1:${wsProxy.port}/chat`);
    await once(client, 'open');
    client.send('one');
    const [first] = (await once(client, 'message')) as [Buffer];
    assert.equal(String(first), 'echo:one');
    const added = await harness.api('POST', '/proxies/wslate/toxics', {
      name: 'ws_slow',
      type: 'latency',
      attributes: { latency: 300 },
    });
    assert.equal(added.status, 200, added.text);
    const started = performance.now();
    client.send('two');
    const [second] = (await once(client, 'message')) as [Buffer];
    assert.equal(String(second), 'echo:two');
    assert.ok(performance.now() - started >= 290, 'the open WebSocket did not go through the latency toxic');
    client.close();
    await once(client, 'close');
    wss.close();
  });

  it('byte toxics still act on the connection of an http proxy', async () => {
    await addToxic({ name: 'slow', type: 'latency', attributes: { latency: 300 } });
    const started = performance.now();
    const reply = await request(`${origin}/slow`);
    await reply.body.text();
    assert.ok(performance.now() - started >= 290, 'the response came back before the 300 ms latency');
    await removeToxic('slow');
  });
});

describe('http proxy: request toxics', () => {
  it('exactly the first 3 matching POSTs fail, the 4th succeeds, a GET on the same path is untouched', async () => {
    const events = collectEvents(harness);
    await addToxic({
      name: 'orders_fail',
      type: 'http_abort',
      attributes: {
        status: 503,
        body: 'try later',
        match: { method: 'POST', path: '/v1/orders/*' },
        first: 3,
      },
    });
    const get = await pool.request({ path: '/v1/orders/1', method: 'GET' });
    assert.equal(get.statusCode, 200);
    await get.body.text();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const post = await pool.request({ path: `/v1/orders/${i}`, method: 'POST', body: 'x' });
      statuses.push(post.statusCode);
      await post.body.text();
    }
    assert.deepEqual(statuses, [503, 503, 503, 200]);
    assert.equal(
      upstream.seen.filter((seen) => seen.method === 'POST' && seen.url.startsWith('/v1/orders/')).length,
      1,
    );
    const fault = events.find((event) => event.type === 'http.fault');
    assert.ok(fault);
    const line = describeEvent({ time: '2026-01-01T00:00:00.000Z', data: fault } as never);
    assert.match(line, /api\s+POST \/v1\/orders\/0 → 503 \(http_abort orders_fail\)$/);
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    assert.match(
      metrics,
      /^faultline_http_faults_total\{proxy="api",toxic="orders_fail",type="http_abort",method="POST",outcome="503"\} 3$/m,
    );
    await removeToxic('orders_fail');
  });

  it('a toxic added later applies to a keep-alive connection opened before it', async () => {
    const client = new Client(origin);
    const before = await client.request({ path: '/before', method: 'GET' });
    assert.equal(before.statusCode, 200);
    await before.body.text();
    await addToxic({ name: 'late', type: 'http_abort', attributes: { status: 500 } });
    const after = await client.request({ path: '/after', method: 'GET' });
    assert.equal(after.statusCode, 500);
    await after.body.text();
    await removeToxic('late');
    await client.close();
  });

  it('http_modify sets headers, the status and merges a JSON patch into the body', async () => {
    await addToxic({
      name: 'rewrite',
      type: 'http_modify',
      attributes: {
        request_headers: { 'x-injected': 'yes' },
        response_headers: { 'x-modified': '1', 'x-upstream': null },
        status: 207,
        json_patch: { status: 'refunded', items: null },
        match: { path: '/json' },
      },
    });
    const reply = await pool.request({ path: '/json', method: 'GET' });
    assert.equal(reply.statusCode, 207);
    assert.equal(reply.headers['x-modified'], '1');
    assert.equal(reply.headers['x-upstream'], undefined);
    assert.deepEqual(await reply.body.json(), { id: 7, status: 'refunded' });
    assert.equal(upstream.seen.at(-1)?.headers['x-injected'], 'yes');
    await removeToxic('rewrite');
  });

  it('http_modify removes the Date header: node does not add one of its own in its place', async () => {
    await addToxic({
      name: 'undated',
      type: 'http_modify',
      attributes: { response_headers: { Date: null } },
    });
    for (const path of ['/streamed', '/json']) {
      const reply = await pool.request({ path, method: 'GET' });
      assert.equal(reply.headers.date, undefined, `${path} has a date`);
      await reply.body.text();
    }
    await removeToxic('undated');
    await addToxic({
      name: 'patched',
      type: 'http_modify',
      attributes: { response_headers: { date: null }, json_patch: { a: 1 } },
    });
    const patched = await pool.request({ path: '/json', method: 'GET' });
    assert.equal(patched.headers.date, undefined);
    await patched.body.text();
    await removeToxic('patched');
    const dated = await pool.request({ path: '/json', method: 'GET' });
    assert.equal(typeof dated.headers.date, 'string');
    await dated.body.text();
  });

  it("a patched or replaced body drops the upstream body's ETag and digest, unless the toxic sets its own", async () => {
    const untouched = await pool.request({ path: '/tagged', method: 'GET' });
    assert.deepEqual(
      [untouched.headers.etag, untouched.headers['content-digest']],
      ['"v7"', 'sha-256=:old:'],
    );
    await untouched.body.text();
    await addToxic({
      name: 'patch',
      type: 'http_modify',
      attributes: { json_patch: { status: 'refunded' } },
    });
    const patched = await pool.request({ path: '/tagged', method: 'GET' });
    assert.deepEqual([patched.headers.etag, patched.headers['content-digest']], [undefined, undefined]);
    assert.equal(((await patched.body.json()) as { status: string }).status, 'refunded');
    await removeToxic('patch');
    await addToxic({
      name: 'replace',
      type: 'http_modify',
      attributes: { body: 'gone', response_headers: { etag: '"mine"' } },
    });
    const replaced = await pool.request({ path: '/tagged', method: 'GET' });
    assert.deepEqual([replaced.headers.etag, replaced.headers['content-digest']], ['"mine"', undefined]);
    assert.equal(await replaced.body.text(), 'gone');
    await removeToxic('replace');
  });

  it('a delay says how long it held the request or the answer, in the event and in watch', async () => {
    const events = collectEvents(harness);
    await addToxic({
      name: 'slowUp',
      type: 'http_delay',
      attributes: { delay: 150, match: { path: '/held' } },
    });
    await addToxic({
      name: 'slowDown',
      type: 'http_delay',
      attributes: { stage: 'response', delay: 100, match: { path: '/held' } },
    });
    const reply = await pool.request({ path: '/held', method: 'GET' });
    assert.equal(reply.statusCode, 200);
    await reply.body.text();
    await waitFor(
      () => events.filter((event) => event.type === 'http.fault' && event.path === '/held').length === 2,
      'both delays reported',
    );
    const held = events.filter((event) => event.type === 'http.fault' && event.path === '/held');
    const [request, answer] = held.map((event) => (event.type === 'http.fault' ? event.heldMs : undefined));
    assert.ok(request !== undefined && request >= 150 && request < 60000, `request held ${request} ms`);
    assert.ok(answer !== undefined && answer >= 100 && answer < 60000, `answer held ${answer} ms`);
    const lines = held.map((event) =>
      describeEvent({ time: '2026-01-01T00:00:00.000Z', data: event } as never),
    );
    assert.match(lines[0] ?? '', new RegExp(`GET /held → 200 \\(http_delay slowUp, held ${request} ms\\)$`));
    assert.match(lines[1] ?? '', new RegExp(`GET /held → 200 \\(http_delay slowDown, held ${answer} ms\\)$`));
    await removeToxic('slowUp');
    await removeToxic('slowDown');
  });

  it('two http_modify toxics on one request: only the one that set the status is credited with it', async () => {
    const events = collectEvents(harness);
    await addToxic({ name: 'm1', type: 'http_modify', attributes: { response_headers: { 'x-m1': 'yes' } } });
    await addToxic({ name: 'm2', type: 'http_modify', attributes: { status: 418 } });
    const reply = await pool.request({ path: '/teapot', method: 'GET' });
    assert.equal(reply.statusCode, 418);
    assert.equal(reply.headers['x-m1'], 'yes');
    await reply.body.text();
    await waitFor(
      () => events.filter((event) => event.type === 'http.fault' && event.path === '/teapot').length === 2,
      'an http.fault event for each toxic',
    );
    const fired = events.filter((event) => event.type === 'http.fault' && event.path === '/teapot');
    assert.deepEqual(
      fired.map((event) =>
        event.type === 'http.fault' ? [event.toxic, event.action, event.status, event.statusBy] : [],
      ),
      [
        ['m1', 'modify', 418, 'm2'],
        ['m2', 'modify', 418, 'm2'],
      ],
    );
    const lines = fired.map((event) =>
      describeEvent({ time: '2026-01-01T00:00:00.000Z', data: event } as never),
    );
    assert.match(lines[0]!, /GET \/teapot → 418 set by m2 \(http_modify m1: modify\)$/);
    assert.match(lines[1]!, /GET \/teapot → 418 \(http_modify m2\)$/);
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    assert.match(
      metrics,
      /^faultline_http_faults_total\{proxy="api",toxic="m1",type="http_modify",method="GET",outcome="modify"\} 1$/m,
    );
    assert.match(
      metrics,
      /^faultline_http_faults_total\{proxy="api",toxic="m2",type="http_modify",method="GET",outcome="418"\} 1$/m,
    );
    await removeToxic('m1');
    await removeToxic('m2');
  });

  it('http_delay holds the response at least the delay; http_abort reset resets the connection', async () => {
    await addToxic({ name: 'hold', type: 'http_delay', attributes: { stage: 'response', delay: 250 } });
    const started = performance.now();
    const held = await request(`${origin}/held`);
    await held.body.text();
    assert.ok(performance.now() - started >= 240, 'the response was not held');
    await removeToxic('hold');
    await addToxic({ name: 'cut', type: 'http_abort', attributes: { action: 'reset' } });
    await assert.rejects(request(`${origin}/cut`), { code: 'ECONNRESET' });
    await removeToxic('cut');
  });

  it('header-driven faults are off by default: the headers reach the upstream untouched', async () => {
    const reply = await pool.request({
      path: '/hdr',
      method: 'GET',
      headers: { 'x-faultline-abort': '503' },
    });
    assert.equal(reply.statusCode, 200);
    await reply.body.text();
    assert.equal(upstream.seen.at(-1)?.headers['x-faultline-abort'], '503');
  });

  it('with header_faults on, x-faultline-abort answers that status and a bad value is a 400 naming it', async () => {
    const on = await createProxy(harness, 'chooser', upstream.address, {
      protocol: 'http',
      header_faults: true,
    });
    const chosen = await request(`http://127.0.0.1:${on.port}/x`, {
      headers: { 'x-faultline-abort': '429' },
    });
    assert.equal(chosen.statusCode, 429);
    await chosen.body.text();
    const bad = await request(`http://127.0.0.1:${on.port}/x`, { headers: { 'x-faultline-delay': 'soon' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(
      await bad.body.text(),
      'faultline: invalid x-faultline-delay header: received "soon"; expected a whole number of milliseconds from 0 to 86400000 (header-driven faults are on for this proxy)\n',
    );
    const delayed = await request(`http://127.0.0.1:${on.port}/y`, { headers: { 'x-faultline-delay': '1' } });
    assert.equal(delayed.statusCode, 200);
    await delayed.body.text();
    assert.equal(upstream.seen.at(-1)?.url, '/y');
    assert.equal(upstream.seen.at(-1)?.headers['x-faultline-delay'], undefined);
  });

  it("Envoy's fault headers work unchanged, with their percentages, and never reach the upstream", async () => {
    const on = await createProxy(harness, 'envoyHeaders', upstream.address, {
      protocol: 'http',
      header_faults: true,
    });
    const url = `http://127.0.0.1:${on.port}`;
    const aborted = await request(`${url}/a`, {
      headers: { 'x-envoy-fault-abort-request': '503', 'x-envoy-fault-abort-request-percentage': '100' },
    });
    assert.deepEqual([aborted.statusCode, await aborted.body.text()], [503, 'fault filter abort']);
    const spared = await request(`${url}/b`, {
      headers: {
        'x-envoy-fault-abort-request': '503',
        'x-envoy-fault-abort-request-percentage': '0',
        'x-envoy-fault-delay-request': '1',
      },
    });
    assert.deepEqual([spared.statusCode, await spared.body.text()], [200, 'ok GET /b']);
    const seen = upstream.seen.at(-1)?.headers ?? {};
    assert.deepEqual(
      Object.keys(seen).filter((name) => name.startsWith('x-envoy-')),
      [],
      'the fault headers were consumed',
    );
    const throttled = await request(`${url}/c`, { headers: { 'x-envoy-fault-throughput-response': '64' } });
    assert.deepEqual([throttled.statusCode, await throttled.body.text()], [200, 'ok GET /c']);
  });

  it('x-faultline-grpc-status answers only gRPC calls: on a plain GET it is a 400 saying so', async () => {
    const on = await createProxy(harness, 'grpcHeader', upstream.address, {
      protocol: 'http',
      header_faults: true,
    });
    const plain = await request(`http://127.0.0.1:${on.port}/plain`, {
      headers: { 'x-faultline-grpc-status': '3' },
    });
    assert.deepEqual(
      [plain.statusCode, plain.headers['grpc-status'], await plain.body.text()],
      [
        400,
        undefined,
        'faultline: x-faultline-grpc-status (received "3") answers gRPC calls only (content-type application/grpc or application/grpc+...), and this request has no content-type; send an HTTP status with x-faultline-abort instead (header-driven faults are on for this proxy)\n',
      ],
    );
    const call = await request(`http://127.0.0.1:${on.port}/shop.Orders/Get`, {
      method: 'POST',
      headers: { 'x-faultline-grpc-status': '3', 'content-type': 'application/grpc+proto' },
      body: '',
    });
    await call.body.text();
    assert.deepEqual(
      [
        call.statusCode,
        call.headers['content-type'],
        call.headers['grpc-status'],
        call.headers['grpc-message'],
      ],
      [200, 'application/grpc', '3', 'asked for with x-faultline-grpc-status'],
    );
  });

  it('http_abort on an Upgrade request answers with the standard reason phrase and its headers', async () => {
    await addToxic({
      name: 'no_ws',
      type: 'http_abort',
      attributes: { status: 403, body: 'no sockets', headers: { 'x-why': 'test' }, match: { path: '/ws' } },
    });
    const socket = net.connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const text = (await readAll(socket)).toString();
    await removeToxic('no_ws');
    assert.equal(
      text,
      'HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\nx-why: test\r\ncontent-length: 10\r\nconnection: close\r\n\r\nno sockets',
    );
  });

  it('toxics added and removed while requests flow: none lost, duplicated or answered twice', async () => {
    const total = 300;
    const before = upstream.seen.length;
    const answers = new Map<string, number[]>();
    let running = true;
    const churn = (async () => {
      let round = 0;
      while (running && round < 200) {
        round += 1;
        await addToxic({ name: 'churn_delay', type: 'http_delay', attributes: { delay: 1 } });
        await addToxic({ name: 'churn_abort', type: 'http_abort', attributes: { status: 503, every: 2 } });
        await removeToxic('churn_delay');
        await removeToxic('churn_abort');
      }
    })();
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = worker; i < total; i += 8) {
          const id = `/flow/${i}`;
          const reply = await pool.request({ path: id, method: 'GET' });
          await reply.body.text();
          answers.set(id, [...(answers.get(id) ?? []), reply.statusCode]);
        }
      }),
    );
    running = false;
    await churn;
    const reached = upstream.seen.slice(before).map((seen) => seen.url);
    assert.equal(new Set(reached).size, reached.length, 'a request reached the upstream twice');
    assert.equal(answers.size, total);
    for (const [id, statuses] of answers) {
      assert.equal(statuses.length, 1, `${id} was answered ${statuses.length} times`);
      const [status] = statuses;
      assert.ok(status === 200 || status === 503, `${id} got ${status}`);
      assert.equal(
        reached.includes(id),
        status === 200,
        `${id}: status ${status} but reached upstream: ${reached.includes(id)}`,
      );
    }
  });
});

describe('http proxy: seeded decisions', () => {
  it('toxicity is rolled per request from the seed: the same seed answers the same requests the same way', async () => {
    const statusesWith = async (seed: number) => {
      const engine = createEngine({ seed, busyPollMicroseconds: 0 });
      try {
        const created = await engine.create(
          parseProxyCreate({ name: 'seeded', upstream: upstream.address, protocol: 'http' }),
        );
        await created.addToxic(
          parseToxicCreate({ name: 'coin', type: 'http_abort', toxicity: 0.5, attributes: { status: 503 } }),
        );
        const client = new Client(`http://${created.listen}`);
        const statuses: number[] = [];
        for (let i = 0; i < 24; i += 1) {
          const reply = await client.request({ path: `/coin/${i}`, method: 'GET' });
          statuses.push(reply.statusCode);
          await reply.body.text();
        }
        await client.close();
        return statuses.join(',');
      } finally {
        engine.close();
      }
    };
    const first = await statusesWith(11);
    assert.equal(await statusesWith(11), first);
    assert.ok(first.includes('503') && first.includes('200'), `toxicity 0.5 gave ${first}`);
  });
});

describe('http proxy: upstream response timeout', () => {
  it('answers 504 with a body and an event when the upstream takes the request and never answers', async () => {
    const patient = await startHarness({ seed: 5, limits: { upstreamResponseTimeoutMs: 300 } });
    const events = collectEvents(patient);
    const silent = await startTcpServer((socket) => socket.resume());
    const slow = await createProxy(patient, 'silent', silent.address, { protocol: 'http' });
    const reply = await request(`http://127.0.0.1:${slow.port}/orders/1`);
    assert.equal(reply.statusCode, 504);
    assert.equal(
      await reply.body.text(),
      `faultline: the upstream ${silent.address} sent no response headers within 300 ms (the upstream response timeout)\n`,
    );
    await waitFor(
      () => events.some((event) => event.type === 'http.upstream_failed'),
      'the upstream failure event',
    );
    const failed = events.find((event) => event.type === 'http.upstream_failed');
    assert.equal(failed?.type === 'http.upstream_failed' && failed.path, '/orders/1');
    assert.equal(failed?.type === 'http.upstream_failed' && failed.status, 504);
    const line = describeEvent({ time: '2026-01-01T00:00:00.000Z', data: failed } as never);
    assert.match(line, /GET \/orders\/1 → 504: upstream /);
  });

  it('waits 60 s for response headers by default', () => {
    assert.equal(defaultLimits.upstreamResponseTimeoutMs, 60_000);
  });
});
