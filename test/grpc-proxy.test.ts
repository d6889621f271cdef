import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createProxy, closedPort, startHarness, startTcpServer, waitFor } from './helpers.js';
import { describe as describeWatchLine } from '../src/cli/watch-command.js';
import { collectEvents, h2Exchange, h2get, h2ProxyTo } from './http-helpers.js';
import { Orders, ordersClient, type Order, startOrdersServer } from './grpc-helpers.js';

function unary<T>(client: grpc.Client, method: string, request: object): Promise<T> {
  return new Promise((resolve, reject) => {
    (
      client as unknown as Record<
        string,
        (r: object, cb: (e: grpc.ServiceError | null, v: T) => void) => void
      >
    )[method]?.(request, (error, value) => (error ? reject(error) : resolve(value)));
  });
}

const harness = await startHarness({ seed: 3 });
const upstream = await startOrdersServer();
const proxy = await createProxy(harness, 'shop', `127.0.0.1:${upstream.port}`, { protocol: 'http2' });
const client = ordersClient(proxy.port);

describe('gRPC through an http2 proxy', () => {
  it('unary and server-streaming calls pass with their data and trailers', async () => {
    const order = await unary<Order>(client, 'Create', { id: 1, item: 'pen' });
    assert.deepEqual(order, { id: 1, item: 'pen' });
    const stream = (client as unknown as { Watch(r: object): grpc.ClientReadableStream<Order> }).Watch({
      id: 9,
    });
    const updates: Order[] = [];
    for await (const update of stream) updates.push(update as Order);
    assert.deepEqual(
      updates.map((update) => update.item),
      ['update 1', 'update 2', 'update 3'],
    );
  });

  it('grpc_status answers UNAVAILABLE with its message for the matched method; other methods succeed', async () => {
    const events = collectEvents(harness);
    const added = await harness.api('POST', '/proxies/shop/toxics', {
      name: 'payments_down',
      type: 'grpc_status',
      attributes: {
        code: 14,
        message: 'payments are down (100%)',
        match: { grpc_service: 'shop.Orders', grpc_method: 'Create' },
      },
    });
    assert.equal(added.status, 200, added.text);
    const before = upstream.calls.length;
    await assert.rejects(unary(client, 'Create', { id: 2, item: 'ink' }), {
      code: grpc.status.UNAVAILABLE,
      details: 'payments are down (100%)',
    });
    const got = await unary<Order>(client, 'Get', { id: 5 });
    assert.deepEqual(got, { id: 5, item: 'book' });
    assert.deepEqual(upstream.calls.slice(before), ['Get 5']);
    await waitFor(() => events.some((event) => event.type === 'http.fault'), 'the http.fault event');
    const fault = events.find((event) => event.type === 'http.fault');
    assert.deepEqual(fault && { ...fault, connection: 0 }, {
      type: 'http.fault',
      proxy: 'shop',
      toxic: 'payments_down',
      toxicType: 'grpc_status',
      connection: 0,
      method: 'POST',
      path: '/shop.Orders/Create',
      action: 'grpc_status',
      grpcCode: 14,
      statusBy: 'payments_down',
    });
    assert.equal((await harness.api('DELETE', '/proxies/shop/toxics/payments_down')).status, 204);
    assert.deepEqual(await unary<Order>(client, 'Create', { id: 3, item: 'pad' }), { id: 3, item: 'pad' });
  });

  it('a forwarded call the upstream ends with an error grpc-status is reported by that status, not HTTP 200', async () => {
    const events = collectEvents(harness);
    // Get fails trailers-only; Create sends a reply, then fails in its trailers; Watch succeeds.
    const failing = await h2ProxyTo(harness, 'shop_failing', (stream, headers) => {
      const method = String(headers[':path']).split('/').pop();
      stream.resume();
      const grpcHead = { ':status': 200, 'content-type': 'application/grpc' };
      if (method === 'Get') {
        stream.respond({ ...grpcHead, 'grpc-status': '14', 'grpc-message': 'no stock' }, { endStream: true });
        return;
      }
      stream.respond(grpcHead, { waitForTrailers: true });
      stream.on('wantTrailers', () =>
        stream.sendTrailers(
          method === 'Create' ? { 'grpc-status': '9', 'grpc-message': 'not now' } : { 'grpc-status': '0' },
        ),
      );
      stream.end(Buffer.alloc(5));
    });
    const added = await harness.api('POST', `/proxies/${failing.name}/toxics`, {
      name: 'tagged',
      type: 'http_modify',
      attributes: { response_headers: { 'x-seen-by': 'faultline' } },
    });
    assert.equal(added.status, 200, added.text);
    const viaFailing = new Orders(`127.0.0.1:${failing.port}`, grpc.credentials.createInsecure());
    after(() => viaFailing.close());
    await assert.rejects(unary(viaFailing, 'Get', { id: 1 }), {
      code: grpc.status.UNAVAILABLE,
      details: 'no stock',
    });
    await assert.rejects(unary(viaFailing, 'Create', { id: 2 }), {
      code: grpc.status.FAILED_PRECONDITION,
      details: 'not now',
    });
    const stream = (viaFailing as unknown as { Watch(r: object): grpc.ClientReadableStream<Order> }).Watch({
      id: 3,
    });
    for await (const update of stream) assert.ok(update);
    const faults = () =>
      events.filter((event) => event.type === 'http.fault' && event.proxy === failing.name);
    await waitFor(() => faults().length === 3, 'three http.fault events');
    assert.deepEqual(
      faults().map((event) => event.type === 'http.fault' && [event.path, event.status, event.grpcCode]),
      [
        ['/shop.Orders/Get', 200, 14],
        ['/shop.Orders/Create', 200, 9],
        ['/shop.Orders/Watch', 200, 0],
      ],
    );
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    for (const code of [14, 9, 0])
      assert.match(
        metrics,
        new RegExp(
          `faultline_http_faults_total\\{proxy="shop_failing",toxic="tagged",type="http_modify",method="POST",outcome="grpc ${code}"\\} 1`,
        ),
      );
  });

  it('a call whose upstream cannot be reached gets UNAVAILABLE with the reason, as Envoy answers it, not an HTTP 502', async () => {
    const events = collectEvents(harness);
    const refusingPort = await closedPort();
    const nowhere = await createProxy(harness, 'shop_nowhere', `127.0.0.1:${refusingPort}`, {
      protocol: 'http2',
    });
    const viaNowhere = new Orders(`127.0.0.1:${nowhere.port}`, grpc.credentials.createInsecure());
    after(() => viaNowhere.close());
    const reason =
      `faultline: could not connect to the upstream 127.0.0.1:${refusingPort} (ECONNREFUSED): nothing listens on the upstream's port; ` +
      'start the upstream, or point the proxy at the right one (POST /proxies/shop_nowhere {"upstream": "HOST:PORT"})';
    await assert.rejects(unary(viaNowhere, 'Get', { id: 1 }), {
      code: grpc.status.UNAVAILABLE,
      details: reason,
    });
    const failed = () =>
      events.find((event) => event.type === 'http.upstream_failed' && event.proxy === 'shop_nowhere');
    await waitFor(() => failed() !== undefined, 'the http.upstream_failed event');
    const event = failed();
    assert.ok(event?.type === 'http.upstream_failed');
    assert.deepEqual([event.status, event.grpcCode, event.error], [502, 14, reason]);
    assert.match(
      describeWatchLine({ time: '2026-01-01T00:00:00.000Z', data: event } as never),
      /POST \/shop\.Orders\/Get → gRPC 14 \(for 502\): upstream 127\.0\.0\.1:\d+ failed \(faultline: could not connect/,
    );
  });

  it('http_modify response_headers grpc-status and grpc-message change the status a call ends with, in its trailers', async () => {
    const events = collectEvents(harness);
    const edited = await createProxy(harness, 'shop_edited', `127.0.0.1:${upstream.port}`, {
      protocol: 'http2',
    });
    const added = await harness.api('POST', '/proxies/shop_edited/toxics', {
      name: 'fail_status',
      type: 'http_modify',
      attributes: { response_headers: { 'grpc-status': '14', 'grpc-message': 'edited' } },
    });
    assert.equal(added.status, 200, added.text);
    const viaEdited = new Orders(`127.0.0.1:${edited.port}`, grpc.credentials.createInsecure());
    after(() => viaEdited.close());
    await assert.rejects(unary(viaEdited, 'Get', { id: 4 }), {
      code: grpc.status.UNAVAILABLE,
      details: 'edited',
    });
    const faults = () =>
      events.filter((event) => event.type === 'http.fault' && event.proxy === 'shop_edited');
    await waitFor(() => faults().length === 1, 'the http.fault event');
    const fault = faults()[0];
    assert.deepEqual(fault?.type === 'http.fault' && [fault.status, fault.grpcCode], [200, 14]);
  });

  it('match.client picks calls by the address of the client connection, and events name the connection', async () => {
    const events = collectEvents(harness);
    const add = (name: string, client: string[]) =>
      harness.api('POST', '/proxies/shop/toxics', {
        name,
        type: 'grpc_status',
        attributes: { code: 4, message: name, match: { grpc_method: 'Get', client } },
      });
    assert.equal((await add('elsewhere', ['10.0.0.0/8'])).status, 200);
    assert.deepEqual(await unary<Order>(client, 'Get', { id: 8 }), { id: 8, item: 'book' });
    assert.equal((await add('here', ['127.0.0.1/32'])).status, 200);
    await assert.rejects(unary(client, 'Get', { id: 9 }), {
      code: grpc.status.DEADLINE_EXCEEDED,
      details: 'here',
    });
    await waitFor(() => events.some((event) => event.type === 'http.fault'), 'the http.fault event');
    const fault = events.find((event) => event.type === 'http.fault');
    assert.equal(fault?.type === 'http.fault' && fault.toxic, 'here');
    assert.ok(fault?.type === 'http.fault' && fault.connection > 0, 'the fault names the client connection');
    for (const name of ['elsewhere', 'here'])
      assert.equal((await harness.api('DELETE', `/proxies/shop/toxics/${name}`)).status, 204);
  });

  it('a byte toxic added while the client is connected applies to its next call on the same connection', async () => {
    assert.deepEqual(await unary<Order>(client, 'Get', { id: 8 }), { id: 8, item: 'book' });
    const added = await harness.api('POST', '/proxies/shop/toxics', {
      name: 'slow_wire',
      type: 'latency',
      attributes: { latency: 300 },
    });
    assert.equal(added.status, 200, added.text);
    const started = performance.now();
    assert.deepEqual(await unary<Order>(client, 'Get', { id: 9 }), { id: 9, item: 'book' });
    assert.ok(performance.now() - started >= 290, 'the call after the toxic did not go through it');
    assert.equal((await harness.api('DELETE', '/proxies/shop/toxics/slow_wire')).status, 204);
  });

  it('grpc_status is refused on an http proxy, and a code outside 0-16 is a 400', async () => {
    const httpProxy = await createProxy(harness, 'plainHttp', `127.0.0.1:${upstream.port}`, {
      protocol: 'http',
    });
    const onHttp = await harness.api('POST', `/proxies/${httpProxy.name}/toxics`, { type: 'grpc_status' });
    assert.equal(onHttp.status, 400);
    assert.equal(onHttp.json.error, 'toxic type grpc_status needs a proxy with protocol http2');
    for (const key of ['grpc_service', 'grpc_method']) {
      const matched = await harness.api('POST', `/proxies/${httpProxy.name}/toxics`, {
        type: 'http_abort',
        attributes: { match: { [key]: 'Get' } },
      });
      assert.equal(matched.status, 400);
      assert.deepEqual(
        [matched.json.error, matched.json.hint],
        [
          `match key ${key} needs an http2 proxy`,
          `toxic "http_abort_downstream": gRPC calls come over HTTP/2, and proxy "plainHttp" has protocol http, which answers HTTP/2 clients 505 (gRPC 12 UNIMPLEMENTED), so it would never match; create a proxy with "protocol": "http2" for gRPC`,
        ],
      );
    }
    const badCode = await harness.api('POST', '/proxies/shop/toxics', {
      type: 'grpc_status',
      attributes: { code: 20 },
    });
    assert.equal(badCode.status, 400);
    assert.equal(badCode.json.error, 'invalid attribute code of grpc_status toxic "grpc_status_downstream"');
  });
});

describe('HTTP/2 through an http2 proxy', () => {
  it('carries a request body, the response, and trailers; http_abort answers a status or resets the stream', async () => {
    const h2 = await h2ProxyTo(harness, 'h2', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'x-path': String(headers[':path']) }, { waitForTrailers: true });
        stream.on('wantTrailers', () =>
          stream.sendTrailers({ 'x-checksum': String(Buffer.concat(chunks).length) }),
        );
        stream.end(Buffer.concat(chunks));
      });
    });
    const session = http2.connect(`http://127.0.0.1:${h2.port}`);
    after(() => session.close());
    const exchange = (path: string, body: Buffer) =>
      new Promise<{ status: number; body: Buffer; trailers: http2.IncomingHttpHeaders }>(
        (resolve, reject) => {
          const stream = session.request({ ':method': 'POST', ':path': path });
          let status = 0;
          let trailers: http2.IncomingHttpHeaders = {};
          const chunks: Buffer[] = [];
          stream.on('response', (headers) => (status = Number(headers[':status'])));
          stream.on('trailers', (received) => (trailers = received));
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => resolve({ status, body: Buffer.concat(chunks), trailers }));
          stream.on('error', reject);
          stream.end(body);
        },
      );
    const payload = Buffer.alloc(1024 * 1024, 3);
    const passed = await exchange('/upload', payload);
    assert.equal(passed.status, 200);
    assert.ok(passed.body.equals(payload));
    assert.equal(passed.trailers['x-checksum'], String(payload.length));
    await harness.api('POST', '/proxies/h2/toxics', {
      name: 'teapot',
      type: 'http_abort',
      attributes: { status: 418, body: 'no', match: { path: '/tea' } },
    });
    const aborted = await exchange('/tea', Buffer.from('x'));
    assert.deepEqual([aborted.status, aborted.body.toString()], [418, 'no']);
    await harness.api('POST', '/proxies/h2/toxics', {
      name: 'rst',
      type: 'http_abort',
      attributes: { action: 'reset', match: { path: '/rst' } },
    });
    await assert.rejects(exchange('/rst', Buffer.from('x')), { code: 'ERR_HTTP2_STREAM_ERROR' });
    const after2 = await exchange('/upload', Buffer.from('still fine'));
    assert.equal(after2.body.toString(), 'still fine');
  });

  it('adding and removing a byte toxic while an h2 client keeps sending fails none of its requests', async () => {
    const busy = await h2ProxyTo(harness, 'h2busy', (stream) => {
      stream.on('error', () => undefined);
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
    const sessions: http2.ClientHttp2Session[] = [];
    let session!: http2.ClientHttp2Session;
    const connect = () => {
      session = http2.connect(`http://127.0.0.1:${busy.port}`);
      session.on('error', () => undefined);
      session.on('goaway', connect);
      sessions.push(session);
    };
    connect();
    const outcomes: string[] = [];
    const call = () =>
      new Promise<void>((resolve) => {
        const stream = session.request({ ':path': '/x' });
        let text = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (text += chunk));
        stream.on('end', () => resolve(void outcomes.push(text)));
        stream.on('error', (error: NodeJS.ErrnoException) => resolve(void outcomes.push(String(error.code))));
      });
    let sending = true;
    const senders = Array.from({ length: 8 }, async () => {
      for (let sent = 0; sending && sent < 2000; sent += 1) await call();
    });
    const rounds = async () => {
      for (let round = 0; round < 10; round += 1) {
        // Calls sent in the same turn as the toxic: in flight when the proxy reacts to it.
        const adding = harness.api('POST', '/proxies/h2busy/toxics', {
          name: 'tiny',
          type: 'latency',
          attributes: { latency: 1 },
        });
        const inFlight = Array.from({ length: 8 }, call);
        const added = await adding;
        assert.equal(added.status, 200, added.text);
        await Promise.all(inFlight);
        await waitFor(() => outcomes.length >= (round * 2 + 1) * 20, 'calls with the toxic');
        assert.equal((await harness.api('DELETE', '/proxies/h2busy/toxics/tiny')).status, 204);
        const old = session;
        connect();
        old.close();
        await waitFor(() => outcomes.length >= (round * 2 + 2) * 20, 'calls without the toxic');
      }
    };
    try {
      await rounds();
    } finally {
      sending = false;
      await Promise.all(senders);
      for (const opened of sessions) opened.close();
    }
    const failed = outcomes.filter((outcome) => outcome !== 'ok');
    assert.deepEqual(failed, []);
    assert.ok(outcomes.length >= 400, `only ${outcomes.length} calls were made`);
  });

  it('a grpc_status toxic with no match answers gRPC calls only: other requests reach the upstream', async () => {
    const mixed = await h2ProxyTo(harness, 'mixed', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end('upstream answer');
    });
    const added = await harness.api('POST', '/proxies/mixed/toxics', {
      name: 'everything_down',
      type: 'grpc_status',
      attributes: { code: 3 },
    });
    assert.equal(added.status, 200, added.text);
    const session = http2.connect(`http://127.0.0.1:${mixed.port}`);
    after(() => session.close());
    const ask = (headers: http2.OutgoingHttpHeaders) =>
      new Promise<string>((resolve, reject) => {
        const stream = session.request(headers);
        let head = '';
        let text = '';
        stream.on('response', (received) => {
          head = `${received[':status']} ${received['grpc-status'] ?? '-'}`;
        });
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (text += chunk));
        stream.on('end', () => resolve(`${head} ${text}`));
        stream.on('error', reject);
        stream.end();
      });
    assert.equal(await ask({ ':path': '/page' }), '200 - upstream answer');
    assert.equal(
      await ask({ ':method': 'POST', ':path': '/shop.Orders/Get', 'content-type': 'application/grpc' }),
      '200 3 ',
    );
  });

  it('an abort with 204 or 304, by a toxic or by a fault header, answers with no body and no length', async () => {
    const empty = await h2ProxyTo(
      harness,
      'empty',
      (stream) => {
        stream.respond({ ':status': 200 });
        stream.end('upstream answer');
      },
      { header_faults: true },
    );
    for (const status of [204, 304]) {
      const added = await harness.api('POST', '/proxies/empty/toxics', {
        name: `a${status}`,
        type: 'http_abort',
        attributes: { status, match: { path: `/${status}` } },
      });
      assert.equal(added.status, 200, added.text);
    }
    const session = http2.connect(`http://127.0.0.1:${empty.port}`);
    after(() => session.close());
    const ask = (headers: http2.OutgoingHttpHeaders) =>
      new Promise<string>((resolve, reject) => {
        const stream = session.request(headers);
        let head = '';
        let text = '';
        stream.on('response', (received) => {
          head = `${received[':status']} length ${received['content-length'] ?? 'none'}`;
        });
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (text += chunk));
        stream.on('end', () => resolve(`${head} body "${text}"`));
        stream.on('error', reject);
        stream.end();
      });
    assert.equal(await ask({ ':path': '/204' }), '204 length none body ""');
    assert.equal(await ask({ ':path': '/304' }), '304 length none body ""');
    for (const header of ['x-envoy-fault-abort-request', 'x-faultline-abort'])
      for (const status of ['204', '304'])
        assert.equal(await ask({ ':path': '/x', [header]: status }), `${status} length none body ""`);
    assert.equal(await ask({ ':path': '/x' }), '200 length none body "upstream answer"');
  });

  it('http_modify request_headers host sets the :authority an HTTP/2 request carries its host in', async () => {
    const vhost = await h2ProxyTo(harness, 'vhost', (stream, headers) => {
      stream.respond({ ':status': 200 });
      stream.end(JSON.stringify({ authority: headers[':authority'], host: headers.host ?? null }));
    });
    const added = await harness.api('POST', '/proxies/vhost/toxics', {
      name: 'other_host',
      type: 'http_modify',
      attributes: { request_headers: { Host: 'shop.example' } },
    });
    assert.equal(added.status, 200, added.text);
    const [status, body] = await h2get(vhost.port, '/');
    assert.equal(status, 200);
    assert.deepEqual(JSON.parse(body), { authority: 'shop.example', host: null });
  });

  it(
    'a stream the upstream refused (REFUSED_STREAM) is sent again with its body; one it dropped is a 502',
    { timeout: 20_000 },
    async () => {
      // nginx refuses the streams past its keepalive_requests, unprocessed (RFC 9113 §8.7).
      let refused = 0;
      const refusing = await h2ProxyTo(harness, 'refusing', (stream, headers) => {
        stream.on('error', () => undefined);
        const path = String(headers[':path']);
        const session = stream.session!;
        if (path === '/refuse' && !(session as { refusedOnce?: boolean }).refusedOnce) {
          (session as { refusedOnce?: boolean }).refusedOnce = true;
          refused += 1;
          stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
          return;
        }
        if (path === '/crash') {
          // An upstream that dies mid-request: its connection's streams close with CANCEL, no error.
          session.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          stream.respond({ ':status': 200 });
          stream.end(`${path} got ${Buffer.concat(chunks).toString()}`);
        });
      });
      const session = http2.connect(`http://127.0.0.1:${refusing.port}`);
      after(() => session.close());
      const post = (path: string) => h2Exchange(session, { ':method': 'POST', ':path': path }, 'the order');
      assert.equal(await post('/refuse'), '200 /refuse got the order');
      assert.equal(refused, 1, 'the upstream refused the first stream');
      const metrics = await (await fetch(`${harness.url}/metrics`)).text();
      assert.match(
        metrics,
        /faultline_http_upstream_retries_total\{proxy="refusing",reason="refused_stream"\} 1\n/,
      );
      assert.match(
        await post('/crash'),
        /^502 faultline: the upstream 127\.0\.0\.1:\d+ closed the stream without answering \(/,
      );
      assert.equal(await post('/after'), '200 /after got the order');
    },
  );

  it('a stream past the last stream id of an upstream GOAWAY is sent again on a new connection; one below it is a 502', async () => {
    // An upstream that sends GOAWAY ENHANCE_YOUR_CALM naming its first stream as the last it
    // processed: the second stream, past it, was never processed (RFC 9113 §6.8).
    let firstArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    const calm = await h2ProxyTo(harness, 'calm', (stream, headers) => {
      stream.on('error', () => undefined);
      const session = stream.session!;
      const path = String(headers[':path']);
      if (path === '/first') {
        firstArrived();
        return;
      }
      if (path === '/second' && (stream.id ?? 0) > 1) {
        session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 1);
        return;
      }
      stream.respond({ ':status': 200 });
      stream.end(`${path} on stream ${stream.id}`);
    });
    const session = http2.connect(`http://127.0.0.1:${calm.port}`);
    after(() => session.close());
    const get = (path: string) => h2Exchange(session, { ':path': path });
    const first = get('/first');
    await arrived;
    assert.equal(await get('/second'), '200 /second on stream 1');
    assert.match(
      await first,
      /^502 faultline: the upstream 127\.0\.0\.1:\d+ sent GOAWAY while the stream was in flight, and may have processed it, so it was not sent again \(ERR_HTTP2_SESSION_ERROR: /,
    );
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    assert.match(metrics, /faultline_http_upstream_retries_total\{proxy="calm",reason="goaway"\} 1\n/);
  });

  it('an abort answers alone: the rewrite and response delay planned before it are not reported as acting', async () => {
    const events = collectEvents(harness);
    const answered = await h2ProxyTo(harness, 'answered', (stream) => {
      stream.respond({ ':status': 200 });
      stream.end('upstream answer');
    });
    for (const toxic of [
      { name: 'tag', type: 'http_modify', attributes: { response_headers: { 'x-tag': 'yes' } } },
      { name: 'late', type: 'http_delay', attributes: { stage: 'response', delay: 50 } },
      { name: 'down', type: 'http_abort', attributes: { status: 503, body: 'down' } },
    ]) {
      const added = await harness.api('POST', '/proxies/answered/toxics', toxic);
      assert.equal(added.status, 200, added.text);
    }
    assert.deepEqual(await h2get(answered.port, '/x'), [503, 'down']);
    await waitFor(() => events.some((event) => event.type === 'http.fault'), 'the http.fault event');
    assert.deepEqual(
      events
        .filter((event) => event.type === 'http.fault')
        .map((event) => event.type === 'http.fault' && event.toxic),
      ['down'],
    );
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    const actions = metrics
      .split('\n')
      .filter((line) => line.startsWith('faultline_toxic_actions_total{proxy="answered"'))
      .map((line) => line.replace(/^.*toxic="(\w+)".* (\d+)$/, '$1 $2'));
    assert.deepEqual(actions, ['tag 0', 'late 0', 'down 1']);
  });

  it('answers 502 with a body when the upstream does not speak HTTP/2', async () => {
    const garbage = await startTcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const bad = await createProxy(harness, 'notH2', garbage.address, { protocol: 'http2' });
    const session = http2.connect(`http://127.0.0.1:${bad.port}`);
    after(() => session.close());
    const stream = session.request({ ':path': '/x' });
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    assert.equal(headers[':status'], 502);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    assert.match(
      Buffer.concat(chunks).toString(),
      new RegExp(`^faultline: the upstream ${garbage.address} did not answer with HTTP`),
    );
  });

  it('answers 502 saying it could not connect when nothing listens at the upstream, as the http proxy does', async () => {
    const refusingPort = await closedPort();
    const refused = await createProxy(harness, 'refusedH2', `127.0.0.1:${refusingPort}`, {
      protocol: 'http2',
    });
    const session = http2.connect(`http://127.0.0.1:${refused.port}`);
    after(() => session.close());
    const stream = session.request({ ':path': '/x' });
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    assert.equal(headers[':status'], 502);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    assert.equal(
      Buffer.concat(chunks).toString(),
      `faultline: could not connect to the upstream 127.0.0.1:${refusingPort} (ECONNREFUSED): nothing listens on the upstream's port; ` +
        'start the upstream, or point the proxy at the right one (POST /proxies/refusedH2 {"upstream": "HOST:PORT"})\n',
    );
  });

  it('an answer the upstream cuts mid-body is reset for the client too, and reported as cut', async () => {
    const events = collectEvents(harness);
    const h2 = await h2ProxyTo(harness, 'h2cut', (stream) => {
      stream.respond({ ':status': 200 });
      stream.on('error', () => undefined);
      // The upstream's connection goes in the middle of the answer: node ends the proxy's
      // upstream stream with code CANCEL and no error, which passed on as a whole answer.
      stream.write('ten bytes.', () => stream.session?.destroy());
    });
    const session = http2.connect(`http://127.0.0.1:${h2.port}`);
    after(() => session.close());
    const stream = session.request({ ':path': '/cut' });
    let body = '';
    stream.on('data', (chunk: Buffer) => (body += String(chunk)));
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    assert.equal(headers[':status'], 200);
    stream.on('error', () => undefined);
    await new Promise((resolve) => stream.once('close', resolve));
    assert.equal(body, 'ten bytes.');
    // INTERNAL_ERROR, not node's own CANCEL for the lost connection: a gRPC client reads CANCEL as a cancel of its own.
    assert.equal(
      stream.rstCode,
      http2.constants.NGHTTP2_INTERNAL_ERROR,
      'the client stream ended as if whole',
    );
    const cutEvent = () =>
      events.find((event) => event.type === 'http.upstream_failed' && event.proxy === 'h2cut');
    await waitFor(() => cutEvent() !== undefined, 'the event of the cut answer');
    const cut = cutEvent();
    assert.ok(cut?.type === 'http.upstream_failed');
    assert.deepEqual([cut.status, cut.cut, cut.bodyBytes], [200, true, 10]);
  });

  it("fault headers on a gRPC call (faultline's or Envoy's): a valid status is answered, an invalid one is INVALID_ARGUMENT with the reason", async () => {
    const headed = await createProxy(harness, 'shop_headers', `127.0.0.1:${upstream.port}`, {
      protocol: 'http2',
      header_faults: true,
    });
    const viaHeaders = new Orders(`127.0.0.1:${headed.port}`, grpc.credentials.createInsecure());
    after(() => viaHeaders.close());
    const call = (status: string, header = 'x-faultline-grpc-status') =>
      new Promise((resolve, reject) => {
        const metadata = new grpc.Metadata();
        metadata.set(header, status);
        (
          viaHeaders as unknown as Record<
            string,
            (r: object, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v: unknown) => void) => void
          >
        ).Create?.({ id: 7, item: 'cup' }, metadata, (error, value) =>
          error ? reject(error) : resolve(value),
        );
      });
    const before = upstream.calls.length;
    await assert.rejects(call('14'), { code: grpc.status.UNAVAILABLE });
    await assert.rejects(call('8', 'x-envoy-fault-abort-grpc-request'), {
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: 'fault filter abort',
    });
    await assert.rejects(call('-1'), {
      code: grpc.status.INVALID_ARGUMENT,
      details:
        'faultline: invalid x-faultline-grpc-status header: received "-1"; expected a gRPC status code from 0 to 4294967295 (header-driven faults are on for this proxy)',
    });
    assert.deepEqual(upstream.calls.slice(before), [], 'neither call reached the upstream');
  });
});
