import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { FaultProxy } from '../src/proxy/proxy.js';
import { createProxy, startHarness, waitFor } from './helpers.js';
import { collectEvents } from './http-helpers.js';
import { Orders, type Order, startOrdersServer } from './grpc-helpers.js';

// What test/http-stop-faults.test.ts proves for HTTP/1.1, on HTTP/2 and gRPC: halt and reset
// release what delays hold, and a client that leaves while held is reported as having left.
const harness = await startHarness({ seed: 4 });
const events = collectEvents(harness);

/** An HTTP/2 upstream that answers "h2 <path>" and records each request's path and headers. */
const seen: Array<{ path: string; headers: http2.IncomingHttpHeaders }> = [];
const h2server = http2.createServer();
h2server.on('stream', (stream, headers) => {
  seen.push({ path: String(headers[':path']), headers });
  stream.on('error', () => undefined);
  stream.respond({ ':status': 200 });
  stream.end(`h2 ${String(headers[':path'])}`);
});
h2server.listen(0, '127.0.0.1');
await once(h2server, 'listening');
after(() => h2server.close());
const h2upstream = `127.0.0.1:${(h2server.address() as net.AddressInfo).port}`;

const { port: grpcPort, calls: grpcCalls } = await startOrdersServer();

type GetClient = grpc.Client & {
  Get(
    request: object,
    callback: (error: grpc.ServiceError | null, value: Order) => void,
  ): grpc.ClientUnaryCall;
};
const grpcClient = (port: number) => {
  const client = new Orders(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as GetClient;
  after(() => client.close());
  return client;
};
const get = (client: GetClient, id: number) =>
  new Promise<Order>((resolve, reject) =>
    client.Get({ id }, (error, value) => (error ? reject(error) : resolve(value))),
  );

const heldOn = (name: string) => () => (harness.engine.get(name) as FaultProxy).heldRequests === 1;
const addToxic = async (proxy: string, toxic: object) => {
  const added = await harness.api('POST', `/proxies/${proxy}/toxics`, toxic);
  assert.equal(added.status, 200, added.text);
};

/** Opens an HTTP/2 session to a proxy, closed after the file. */
function h2session(port: number): http2.ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  after(() => session.close());
  return session;
}

/** One request on the session: the status and body it gets. */
async function exchange(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
): Promise<[number, string]> {
  const stream = session.request(headers);
  const [response] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  let body = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) body += chunk as string;
  return [Number(response[':status']), body];
}

describe('halt and reset release what delays hold on http2', () => {
  it('halt releases a header-delayed stream, which goes upstream unfaulted and without the fault headers', async () => {
    const proxy = await createProxy(harness, 'h2halted', h2upstream, {
      protocol: 'http2',
      header_faults: true,
    });
    const session = h2session(proxy.port);
    const held = exchange(session, {
      ':path': '/held',
      'x-faultline-delay': '60000',
      'x-faultline-abort': '503',
    });
    await waitFor(heldOn('h2halted'), 'the stream to be held');
    const halt = await harness.api('POST', '/halt');
    assert.equal(halt.status, 200, halt.text);
    assert.deepEqual(halt.json, {
      undone: [
        { kind: 'toxic', what: 'switched header-driven faults off on proxy h2halted (header_faults: false)' },
        {
          kind: 'toxic',
          what: "released 1 request that a delay (a toxic's or a header's) held on proxy h2halted: it goes on with no further fault",
        },
      ],
      left: [],
      failed: [],
    });
    assert.deepEqual(await held, [200, 'h2 /held']);
    const upstreamSaw = seen.find((request) => request.path === '/held')?.headers ?? {};
    assert.deepEqual(
      Object.keys(upstreamSaw).filter((name) => name.startsWith('x-faultline-')),
      [],
      'the fault headers the request was planned with reached the upstream',
    );
    // Off means off: the header is now an ordinary one, passed to the upstream on the same session.
    assert.deepEqual(await exchange(session, { ':path': '/after', 'x-faultline-abort': '503' }), [
      200,
      'h2 /after',
    ]);
    assert.equal(seen.at(-1)?.headers['x-faultline-abort'], '503');
  });

  it('reset releases a gRPC call a delay toxic holds, without the grpc_status behind it', async () => {
    const proxy = await createProxy(harness, 'grpcReset', `127.0.0.1:${grpcPort}`, { protocol: 'http2' });
    await addToxic('grpcReset', { name: 'slow', type: 'http_delay', attributes: { delay: 60000 } });
    await addToxic('grpcReset', { name: 'down', type: 'grpc_status', attributes: { code: 14 } });
    const client = grpcClient(proxy.port);
    const call = get(client, 7);
    await waitFor(heldOn('grpcReset'), 'the call to be held');
    assert.equal((await harness.api('POST', '/reset')).status, 204);
    assert.deepEqual(await call, { id: 7, item: 'book' });
    assert.deepEqual(grpcCalls, ['Get 7']);
  });

  it('halt releases an answer a response delay holds and sends it without the rewrite', async () => {
    const proxy = await createProxy(harness, 'h2answer', h2upstream, { protocol: 'http2' });
    await addToxic('h2answer', {
      name: 'late',
      type: 'http_delay',
      attributes: { stage: 'response', delay: 60000 },
    });
    await addToxic('h2answer', {
      name: 'teapot',
      type: 'http_modify',
      attributes: { status: 418, body: 'no' },
    });
    const held = exchange(h2session(proxy.port), { ':path': '/late' });
    await waitFor(heldOn('h2answer'), 'the answer to be held');
    const halt = await harness.api('POST', '/halt');
    assert.deepEqual(
      halt.json.undone.map((item: { what: string }) => item.what),
      [
        "released 1 request that a delay (a toxic's or a header's) held on proxy h2answer: it goes on with no further fault",
        'removed the http_delay toxic late on proxy h2answer',
        'removed the http_modify toxic teapot on proxy h2answer',
      ],
    );
    assert.deepEqual(await held, [200, 'h2 /late']);
  });
});

describe('a client that leaves while a delay holds it, on http2 and gRPC', () => {
  it('an http.fault event and a metric say the client left; a held request never reaches the upstream', async () => {
    const asked = await createProxy(harness, 'h2left', h2upstream, {
      protocol: 'http2',
      header_faults: true,
    });
    const answered = await createProxy(harness, 'h2leftLate', h2upstream, { protocol: 'http2' });
    await addToxic('h2leftLate', {
      name: 'late',
      type: 'http_delay',
      attributes: { stage: 'response', delay: 60000 },
    });
    const seenBefore = seen.length;
    // The client cancels its stream (RST_STREAM CANCEL) while the proxy holds it.
    for (const [name, port, headers] of [
      ['h2left', asked.port, { ':path': '/gone', 'x-faultline-delay': '60000' }],
      ['h2leftLate', answered.port, { ':path': '/answered' }],
    ] as const) {
      const stream = h2session(port).request(headers);
      stream.on('error', () => undefined);
      await waitFor(heldOn(name), `${headers[':path']} to be held`);
      stream.close(http2.constants.NGHTTP2_CANCEL);
    }
    const left = () =>
      events.filter(
        (event) => event.type === 'http.fault' && (event.proxy === 'h2left' || event.proxy === 'h2leftLate'),
      );
    await waitFor(() => left().length === 2, 'two http.fault events');
    assert.deepEqual(
      left().map((event) => {
        const { clientLeftAfterMs, connection, ...rest } = event as Extract<
          typeof event,
          { type: 'http.fault' }
        > & { clientLeftAfterMs: number };
        assert.ok(clientLeftAfterMs >= 0 && clientLeftAfterMs < 60000, `held ${clientLeftAfterMs} ms`);
        assert.ok(connection > 0, 'the event names the connection');
        return rest;
      }),
      [
        {
          type: 'http.fault',
          proxy: 'h2left',
          toxic: 'x-faultline-delay',
          toxicType: 'header',
          method: 'GET',
          path: '/gone',
          action: 'delay_request',
          rstCode: http2.constants.NGHTTP2_CANCEL,
        },
        {
          type: 'http.fault',
          proxy: 'h2leftLate',
          toxic: 'late',
          toxicType: 'http_delay',
          method: 'GET',
          path: '/answered',
          action: 'delay_response',
          rstCode: http2.constants.NGHTTP2_CANCEL,
        },
      ],
    );
    assert.deepEqual(
      seen.slice(seenBefore).map((request) => request.path),
      ['/answered'],
    );
    await waitFor(
      () => (harness.engine.get('h2leftLate') as FaultProxy).heldRequests === 0,
      'the hold to end',
    );
    const metrics = (await harness.api('GET', '/metrics')).text;
    assert.match(
      metrics,
      /^faultline_http_faults_total\{proxy="h2left",toxic="x-faultline-delay",type="header",method="GET",outcome="client left"\} 1$/m,
    );
    assert.match(
      metrics,
      /^faultline_http_faults_total\{proxy="h2leftLate",toxic="late",type="http_delay",method="GET",outcome="client left"\} 1$/m,
    );
  });

  it('a gRPC call cancelled while held is reported as left, and never reaches the gRPC server', async () => {
    const proxy = await createProxy(harness, 'grpcLeft', `127.0.0.1:${grpcPort}`, { protocol: 'http2' });
    await addToxic('grpcLeft', { name: 'slow', type: 'http_delay', attributes: { delay: 60000 } });
    const client = grpcClient(proxy.port);
    const callsBefore = grpcCalls.length;
    let call!: grpc.ClientUnaryCall;
    const outcome = new Promise<grpc.ServiceError | null>((resolve) => {
      call = client.Get({ id: 9 }, (error) => resolve(error));
    });
    await waitFor(heldOn('grpcLeft'), 'the call to be held');
    call.cancel();
    assert.equal((await outcome)?.code, grpc.status.CANCELLED);
    await waitFor(
      () => events.some((event) => event.type === 'http.fault' && event.proxy === 'grpcLeft'),
      'the http.fault event',
    );
    const fault = events.find((event) => event.type === 'http.fault' && event.proxy === 'grpcLeft');
    assert.deepEqual(fault && { ...fault, connection: 0, clientLeftAfterMs: 0 }, {
      type: 'http.fault',
      proxy: 'grpcLeft',
      toxic: 'slow',
      toxicType: 'http_delay',
      connection: 0,
      method: 'POST',
      path: '/shop.Orders/Get',
      action: 'delay_request',
      clientLeftAfterMs: 0,
      rstCode: http2.constants.NGHTTP2_CANCEL,
    });
    assert.equal(grpcCalls.length, callsBefore);
    // The connection is still good: the next call (after the toxic goes) succeeds.
    assert.equal((await harness.api('DELETE', '/proxies/grpcLeft/toxics/slow')).status, 204);
    assert.deepEqual(await get(client, 10), { id: 10, item: 'book' });
  });
});
