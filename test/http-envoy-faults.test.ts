import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { request } from 'undici';
import { FakeClock } from './fake-clock.js';
import { createProxy, startHarness, waitFor } from './helpers.js';
import { collectEvents, startHttpUpstream } from './http-helpers.js';
import { ordersClient, type Order, startOrdersServer } from './grpc-helpers.js';

/**
 * faultline's header-driven faults against Envoy's fault filter, configured as its docs show
 * (header_abort, header_delay and header_limit, each with percentage 100): what a test suite
 * written against an Envoy sees, it sees here. docs/http-faults.md, "Compared with Envoy".
 */

const harness = await startHarness({ seed: 11 });
const events = collectEvents(harness);
const upstream = await startHttpUpstream();
const proxy = await createProxy(harness, 'envoyLike', upstream.address, {
  protocol: 'http',
  header_faults: true,
});
const origin = `http://127.0.0.1:${proxy.port}`;

/** Requests the upstream saw from now on: an abort must leave this at 0. */
const seenSince = () => {
  const before = upstream.seen.length;
  return () => upstream.seen.length - before;
};

describe('Envoy fault headers on an http proxy', () => {
  it("x-envoy-fault-abort-request answers Envoy's local reply: the status, text/plain 'fault filter abort'", async () => {
    const seen = seenSince();
    const reply = await request(`${origin}/orders`, { headers: { 'x-envoy-fault-abort-request': '429' } });
    assert.deepEqual(
      [
        reply.statusCode,
        reply.headers['content-type'],
        reply.headers['content-length'],
        await reply.body.text(),
      ],
      [429, 'text/plain', '18', 'fault filter abort'],
    );
    assert.equal(seen(), 0, 'an abort never reaches the upstream');
  });

  it("a local answer carries a Date, as Envoy's and RFC 9110 §6.6.1 ask; a forwarded one keeps the upstream's or gets one", async () => {
    const aborted = await request(`${origin}/d`, { headers: { 'x-envoy-fault-abort-request': '503' } });
    await aborted.body.text();
    assert.match(String(aborted.headers.date), /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const upstreamDate = 'Tue, 01 Dec 2026 10:00:00 GMT';
    const dated = http.createServer((_, response) => {
      response.sendDate = false;
      response.setHeader('date', upstreamDate);
      response.end('dated');
    });
    const undated = http.createServer((_, response) => {
      response.sendDate = false;
      response.end('undated');
    });
    for (const server of [dated, undated]) {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      after(() => server.close());
    }
    const address = (server: http.Server) => `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    // Header faults on, as on every proxy of this file: answers go the full way (node:http).
    const full = { protocol: 'http', header_faults: true };
    const viaDated = await createProxy(harness, 'datedUpstream', address(dated), full);
    const viaUndated = await createProxy(harness, 'undatedUpstream', address(undated), full);
    const kept = await request(`http://127.0.0.1:${viaDated.port}/`);
    assert.deepEqual([kept.headers.date, await kept.body.text()], [upstreamDate, 'dated']);
    const added = await request(`http://127.0.0.1:${viaUndated.port}/`);
    assert.equal(await added.body.text(), 'undated');
    assert.match(String(added.headers.date), /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    // With no HTTP fault to apply, the answer passes through as the upstream sent it, as on a tcp proxy.
    const bytes = await createProxy(harness, 'undatedBytes', address(undated), { protocol: 'http' });
    const passed = await request(`http://127.0.0.1:${bytes.port}/`);
    assert.deepEqual([passed.headers.date, await passed.body.text()], [undefined, 'undated']);
  });

  it('any status from 200 to 599 is answered, as Envoy takes [200, 600)', async () => {
    for (const status of [200, 301, 418, 599]) {
      const reply = await request(`${origin}/s`, {
        headers: { 'x-envoy-fault-abort-request': String(status) },
      });
      assert.deepEqual([reply.statusCode, await reply.body.text()], [status, 'fault filter abort']);
    }
  });

  it('a status outside [200, 600) is a 400 naming the header (Envoy would ignore it and forward the request)', async () => {
    const seen = seenSince();
    for (const value of ['199', '600', '5O3']) {
      const reply = await request(`${origin}/s`, { headers: { 'x-envoy-fault-abort-request': value } });
      assert.deepEqual(
        [reply.statusCode, await reply.body.text()],
        [
          400,
          `faultline: invalid x-envoy-fault-abort-request header: received "${value}"; expected an HTTP status from 200 to 599 (header-driven faults are on for this proxy)\n`,
        ],
      );
    }
    assert.equal(seen(), 0);
  });

  it('whitespace around a value is trimmed, as HTTP parsers and Envoy do', async () => {
    const reply = await request(`${origin}/s`, { headers: { 'x-envoy-fault-abort-request': '  503\t' } });
    assert.deepEqual([reply.statusCode, await reply.body.text()], [503, 'fault filter abort']);
  });

  it('a header sent twice reaches faultline joined by node (503, 504), which is a 400 (Envoy takes the first)', async () => {
    const reply = await request(`${origin}/twice`, {
      headers: ['x-envoy-fault-abort-request', '503', 'x-envoy-fault-abort-request', '504'],
    });
    assert.deepEqual(
      [reply.statusCode, await reply.body.text()],
      [
        400,
        'faultline: invalid x-envoy-fault-abort-request header: received "503, 504"; expected an HTTP status from 200 to 599 (header-driven faults are on for this proxy)\n',
      ],
    );
  });

  it('x-envoy-fault-delay-request holds the request before it goes upstream, then forwards it', async () => {
    const started = performance.now();
    let upstreamAt = 0;
    const seen = seenSince();
    const watcher = waitFor(() => seen() === 1, 'the delayed request reaches the upstream').then(
      () => (upstreamAt = performance.now()),
    );
    const reply = await request(`${origin}/slow`, { headers: { 'x-envoy-fault-delay-request': '200' } });
    await watcher;
    assert.deepEqual([reply.statusCode, await reply.body.text()], [200, 'ok GET /slow']);
    assert.ok(upstreamAt - started >= 195, `the upstream saw it after ${upstreamAt - started} ms, not 200`);
  });

  it('a delay of 0 is no fault: forwarded at once, no event', async () => {
    const before = events.filter((event) => event.type === 'http.fault').length;
    const reply = await request(`${origin}/zero`, { headers: { 'x-envoy-fault-delay-request': '0' } });
    assert.deepEqual([reply.statusCode, await reply.body.text()], [200, 'ok GET /zero']);
    assert.equal(events.filter((event) => event.type === 'http.fault').length, before);
  });

  it('delay and abort together: the delay first, then the abort, and nothing goes upstream', async () => {
    const seen = seenSince();
    const started = performance.now();
    const reply = await request(`${origin}/both`, {
      headers: { 'x-envoy-fault-delay-request': '150', 'x-envoy-fault-abort-request': '503' },
    });
    const elapsed = performance.now() - started;
    assert.deepEqual([reply.statusCode, await reply.body.text()], [503, 'fault filter abort']);
    assert.ok(elapsed >= 145, `answered after ${elapsed} ms, before the 150 ms delay`);
    assert.equal(seen(), 0);
    const fired = events.filter((event) => event.type === 'http.fault' && event.path === '/both');
    assert.deepEqual(
      fired.map((event) => (event.type === 'http.fault' ? [event.toxic, event.action, event.status] : [])),
      [
        ['x-envoy-fault-delay-request', 'delay_request', 503],
        ['x-envoy-fault-abort-request', 'abort', 503],
      ],
    );
  });

  it('percentage 0 never fires and 100 always does; the fault headers never reach the upstream', async () => {
    for (let i = 0; i < 5; i += 1) {
      const spared = await request(`${origin}/p0`, {
        headers: { 'x-envoy-fault-abort-request': '503', 'x-envoy-fault-abort-request-percentage': '0' },
      });
      assert.deepEqual([spared.statusCode, await spared.body.text()], [200, 'ok GET /p0']);
      const hit = await request(`${origin}/p100`, {
        headers: { 'x-envoy-fault-abort-request': '503', 'x-envoy-fault-abort-request-percentage': '100' },
      });
      assert.equal(hit.statusCode, 503);
      await hit.body.text();
    }
    const forwarded = upstream.seen.at(-1)?.headers ?? {};
    assert.deepEqual(
      Object.keys(forwarded).filter((name) => name.startsWith('x-envoy-fault')),
      [],
    );
  });

  it('a percentage is out of 100: 50 fails about half of 400 requests, and the seed repeats it', async () => {
    let failed = 0;
    for (let i = 0; i < 400; i += 1) {
      const reply = await request(`${origin}/half`, {
        headers: { 'x-envoy-fault-abort-request': '503', 'x-envoy-fault-abort-request-percentage': '50' },
      });
      await reply.body.text();
      if (reply.statusCode === 503) failed += 1;
    }
    // Binomial(400, 0.5): 150..250 is more than 10 standard deviations wide.
    assert.ok(failed > 150 && failed < 250, `${failed} of 400 failed`);
  });

  it('a percentage above 100 is a 400 (Envoy caps it at the configured numerator)', async () => {
    const reply = await request(`${origin}/p`, {
      headers: { 'x-envoy-fault-abort-request': '503', 'x-envoy-fault-abort-request-percentage': '150' },
    });
    assert.deepEqual(
      [reply.statusCode, await reply.body.text()],
      [
        400,
        'faultline: invalid x-envoy-fault-abort-request-percentage header: received "150"; expected a whole percentage from 0 to 100 (header-driven faults are on for this proxy)\n',
      ],
    );
  });

  it('x-envoy-fault-abort-grpc-request on a request that is no gRPC call is a 400 saying so', async () => {
    const reply = await request(`${origin}/plain`, { headers: { 'x-envoy-fault-abort-grpc-request': '14' } });
    assert.deepEqual(
      [reply.statusCode, await reply.body.text()],
      [
        400,
        'faultline: x-envoy-fault-abort-grpc-request (received "14") answers gRPC calls only (content-type application/grpc or application/grpc+...), and this request has no content-type; send an HTTP status with x-envoy-fault-abort-request instead (header-driven faults are on for this proxy)\n',
      ],
    );
  });

  it('x-envoy-fault-throughput-response paces the answer, over 180 ms for 4 KiB at 16 KiB/s; the body is whole', async () => {
    const started = performance.now();
    const reply = await request(`${origin}/big/4096`, {
      headers: { 'x-envoy-fault-throughput-response': '16' },
    });
    const body = Buffer.from(await reply.body.arrayBuffer());
    const elapsed = performance.now() - started;
    assert.deepEqual([reply.statusCode, body.length, body.every((byte) => byte === 7)], [200, 4096, true]);
    // A slice of 1 KiB at once, then 3 more a sixteenth of a second apart: 187.5 ms at least.
    assert.ok(elapsed >= 180, `the 4 KiB answer came in ${elapsed} ms`);
    const fired = events.find((event) => event.type === 'http.fault' && event.path === '/big/4096');
    assert.deepEqual(
      fired?.type === 'http.fault' ? [fired.toxic, fired.toxicType, fired.action, fired.status] : [],
      ['x-envoy-fault-throughput-response', 'header', 'throttle_response', 200],
    );
  });
});

describe('the response rate limit on an answer a toxic rewrote', () => {
  it('an http_modify body of 4 KiB is paced too: over 180 ms at 16 KiB/s, with its own length', async () => {
    const toxic = {
      name: 'rewrite',
      type: 'http_modify',
      attributes: { body: 'r'.repeat(4096), match: { path: '/rewritten' } },
    };
    assert.equal((await harness.api('POST', '/proxies/envoyLike/toxics', toxic)).status, 200);
    after(() => harness.api('DELETE', '/proxies/envoyLike/toxics/rewrite'));
    const started = performance.now();
    const reply = await request(`${origin}/rewritten`, {
      headers: { 'x-envoy-fault-throughput-response': '16' },
    });
    const body = await reply.body.text();
    const elapsed = performance.now() - started;
    assert.deepEqual(
      [reply.statusCode, reply.headers['content-length'], body],
      [200, '4096', 'r'.repeat(4096)],
    );
    assert.ok(elapsed >= 180, `the rewritten 4 KiB answer came in ${elapsed} ms`);
  });
});

describe("Envoy's response rate limit, slice by slice, on a clock the test moves", () => {
  it('at 1 KiB/s a 128-byte answer comes as 64 bytes at once and 64 more 62.5 ms later (Envoy: ResponseRateLimit)', async () => {
    const clock = new FakeClock();
    const paced = await startHarness({ seed: 1, clock });
    const pacedProxy = await createProxy(paced, 'paced', upstream.address, {
      protocol: 'http',
      header_faults: true,
    });
    let received = 0;
    let ended = false;
    const client = http.get(
      {
        host: '127.0.0.1',
        port: pacedProxy.port,
        path: '/big/128',
        agent: false,
        headers: { 'x-envoy-fault-throughput-response': '1' },
      },
      (response) => {
        response.on('data', (chunk: Buffer) => (received += chunk.length));
        response.on('end', () => (ended = true));
      },
    );
    after(() => client.destroy());
    await waitFor(() => received === 64, 'the first slice');
    await waitFor(() => clock.pending === 1, 'the throttle waits for the next slice');
    await clock.advance(62);
    assert.deepEqual([received, ended, clock.pending], [64, false, 1]);
    await clock.advance(1);
    await waitFor(() => ended, 'the answer ends');
    assert.equal(received, 128);
  });
});

describe('the response rate limit ends with reset, or with the client', () => {
  it('POST /reset lets the rest of a paced answer go at once; a client that leaves ends the pacing', async () => {
    const clock = new FakeClock();
    const paced = await startHarness({ seed: 4, clock });
    const pacedProxy = await createProxy(paced, 'pacedReset', upstream.address, {
      protocol: 'http',
      header_faults: true,
    });
    const fetchPaced = (path: string, onData: (bytes: number) => void, onEnd: () => void) => {
      const client = http.get(
        {
          host: '127.0.0.1',
          port: pacedProxy.port,
          path,
          agent: false,
          headers: { 'x-envoy-fault-throughput-response': '1' },
        },
        (response) => {
          response.on('data', (chunk: Buffer) => onData(chunk.length));
          response.on('end', onEnd);
        },
      );
      client.on('error', () => undefined);
      after(() => client.destroy());
      return client;
    };
    let received = 0;
    let ended = false;
    fetchPaced(
      '/big/4096',
      (bytes) => (received += bytes),
      () => (ended = true),
    );
    await waitFor(() => received === 64 && clock.pending === 1, 'the first slice, then the throttle waits');
    assert.equal((await paced.api('POST', '/reset')).status, 204);
    await waitFor(() => ended, 'the rest of the answer, without the clock moving');
    assert.deepEqual([received, clock.pending], [4096, 0]);

    let leftAfter = 0;
    const leaving = fetchPaced(
      '/big/4096',
      (bytes) => (leftAfter += bytes),
      () => undefined,
    );
    await waitFor(() => leftAfter === 64 && clock.pending === 1, 'the first slice of the second answer');
    leaving.destroy();
    await waitFor(() => clock.pending === 0, 'the throttle stops when its client leaves');
  });
});

describe('a delay does not count against the upstream response timeout', () => {
  it('a 600 ms header delay in front of a 300 ms upstream response timeout still gets the answer', async () => {
    const strict = await startHarness({ seed: 2, limits: { upstreamResponseTimeoutMs: 300 } });
    const strictProxy = await createProxy(strict, 'strict', upstream.address, {
      protocol: 'http',
      header_faults: true,
    });
    const reply = await request(`http://127.0.0.1:${strictProxy.port}/late`, {
      headers: { 'x-envoy-fault-delay-request': '600' },
    });
    assert.deepEqual([reply.statusCode, await reply.body.text()], [200, 'ok GET /late']);
  });
});

// ---- HTTP/2 and gRPC ----

const grpcUpstream = await startOrdersServer();
const grpcProxy = await createProxy(harness, 'envoyGrpc', `127.0.0.1:${grpcUpstream.port}`, {
  protocol: 'http2',
  header_faults: true,
});
const grpcClient = ordersClient(grpcProxy.port);

function get(headers: Record<string, string>): Promise<Order> {
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
  return new Promise((resolve, reject) =>
    (
      grpcClient as unknown as {
        Get(r: object, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v: Order) => void): void;
      }
    ).Get({ id: 4 }, metadata, (error, value) => (error ? reject(error) : resolve(value))),
  );
}

/** One raw HTTP/2 gRPC-shaped request through the proxy: the response headers, whether trailers came. */
async function rawGrpc(headers: http2.OutgoingHttpHeaders) {
  const session = http2.connect(`http://127.0.0.1:${grpcProxy.port}`);
  session.on('error', () => undefined);
  try {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/shop.Orders/Get',
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    stream.end();
    let trailers = false;
    stream.on('trailers', () => (trailers = true));
    const [response, flags] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders, number];
    stream.resume();
    await once(stream, 'close');
    return { response, endedWithHeaders: (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0, trailers };
  } finally {
    session.close();
  }
}

describe('Envoy fault headers on gRPC calls (http2 proxy, @grpc/grpc-js client)', () => {
  it("x-envoy-fault-abort-grpc-request: trailers-only, HTTP 200, application/grpc, grpc-message 'fault filter abort'", async () => {
    const before = grpcUpstream.calls.length;
    const { response, endedWithHeaders, trailers } = await rawGrpc({
      'x-envoy-fault-abort-grpc-request': '5',
    });
    assert.deepEqual(
      [
        response[':status'],
        response['content-type'],
        response['grpc-status'],
        response['grpc-message'],
        endedWithHeaders,
        trailers,
      ],
      [200, 'application/grpc', '5', 'fault filter abort', true, false],
    );
    await assert.rejects(get({ 'x-envoy-fault-abort-grpc-request': '5' }), {
      code: grpc.status.NOT_FOUND,
      details: 'fault filter abort',
    });
    assert.equal(grpcUpstream.calls.length, before, 'no call reached the upstream');
  });

  it('x-envoy-fault-abort-request on a gRPC call is answered in gRPC terms: 503 → 14 UNAVAILABLE', async () => {
    await assert.rejects(get({ 'x-envoy-fault-abort-request': '503' }), {
      code: grpc.status.UNAVAILABLE,
      details: 'fault filter abort',
    });
    const { response } = await rawGrpc({ 'x-envoy-fault-abort-request': '404' });
    assert.deepEqual([response[':status'], response['grpc-status']], [200, '12']);
  });

  it('a gRPC status beyond 16 is sent as asked, as Envoy allows for testing undefined codes', async () => {
    const { response } = await rawGrpc({ 'x-envoy-fault-abort-grpc-request': '17' });
    assert.deepEqual([response[':status'], response['grpc-status']], [200, '17']);
  });

  it('a delayed gRPC call succeeds after the delay; the abort percentage 0 spares the call', async () => {
    const started = performance.now();
    const order = await get({ 'x-envoy-fault-delay-request': '120' });
    assert.deepEqual(order, { id: 4, item: 'book' });
    assert.ok(performance.now() - started >= 115);
    const spared = await get({
      'x-envoy-fault-abort-grpc-request': '14',
      'x-envoy-fault-abort-request-percentage': '0',
    });
    assert.deepEqual(spared, { id: 4, item: 'book' });
  });
});

describe('x-envoy-fault-throughput-response on an http2 proxy', () => {
  it('paces the stream: 4 KiB at 16 KiB/s takes over 180 ms, whole, and the trailers follow', async () => {
    const server = http2.createServer();
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-done': 'yes' }));
      stream.end(Buffer.alloc(4096, 9));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    after(() => server.close());
    const h2Proxy = await createProxy(
      harness,
      'envoyH2',
      `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      {
        protocol: 'http2',
        header_faults: true,
      },
    );
    const session = http2.connect(`http://127.0.0.1:${h2Proxy.port}`);
    after(() => session.close());
    const started = performance.now();
    const stream = session.request({ ':path': '/file', 'x-envoy-fault-throughput-response': '16' });
    let trailer: unknown;
    stream.on('trailers', (trailers: http2.IncomingHttpHeaders) => (trailer = trailers['x-done']));
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const elapsed = performance.now() - started;
    const body = Buffer.concat(chunks);
    assert.deepEqual([body.length, body.every((byte) => byte === 9), trailer], [4096, true, 'yes']);
    assert.ok(elapsed >= 180, `the 4 KiB answer came in ${elapsed} ms`);
  });
});
