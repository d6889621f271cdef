import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import type { EngineEvent } from '../src/model/events.js';
import { createProxy, startHarness, waitFor } from './helpers.js';
import { collectEvents, h2ProxyTo } from './http-helpers.js';

/**
 * A fault on an answer that never ends (server-sent events, a long poll) is reported once it has
 * acted, when the answer's headers went to the client, as Envoy's fault filter counts its faults
 * at the headers: not when the body ends, which for such an answer is never.
 */
const harness = await startHarness({ seed: 3 });
const events = collectEvents(harness);

/** An SSE upstream: the headers and one event, then the stream stays open until the file ends. */
const open = new Set<{ end(): void }>();
const upstream = http.createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.write('data: one\n\n');
  open.add(response);
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
after(() => {
  upstream.closeAllConnections();
  upstream.close();
});
const upstreamAddress = `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;

/** An h2 SSE upstream, as above, and an http2 proxy in front of it. */
async function h2Proxy(name: string) {
  return h2ProxyTo(
    harness,
    name,
    (stream) => {
      stream.on('error', () => undefined);
      stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
      stream.write('data: one\n\n');
      open.add(stream);
    },
    { header_faults: true },
  );
}

async function addToxic(proxy: string, toxic: object) {
  const reply = await harness.api('POST', `/proxies/${proxy}/toxics`, toxic);
  assert.equal(reply.status, 200, reply.text);
}

const faultsOf = (proxy: string) =>
  events.filter((event): event is Extract<EngineEvent, { type: 'http.fault' }> => {
    return event.type === 'http.fault' && event.proxy === proxy;
  });

/** GETs /events over HTTP/1.1 and resolves once the first event came; the answer stays open. */
async function firstEvent(port: number, headers: http.OutgoingHttpHeaders = {}) {
  const request = http.get({ host: '127.0.0.1', port, path: '/events', headers });
  request.on('error', () => undefined);
  after(() => request.destroy());
  const [response] = (await once(request, 'response')) as [http.IncomingMessage];
  const [chunk] = (await once(response, 'data')) as [Buffer];
  assert.equal(chunk.toString(), 'data: one\n\n');
  return response;
}

/** Opens /events over HTTP/2 and resolves once the first event came; the stream stays open. */
async function firstH2Event(port: number, headers: http2.OutgoingHttpHeaders = {}) {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  after(() => session.destroy());
  const stream = session.request({ ':path': '/events', ...headers });
  stream.on('error', () => undefined);
  const [chunk] = (await once(stream, 'data')) as [Buffer];
  assert.equal(chunk.toString(), 'data: one\n\n');
  return stream;
}

/** The http.fault of `proxy`, once it came: the answer it is about is still open. */
async function reportedWhileOpen(proxy: string, stillOpen: () => boolean) {
  await waitFor(() => faultsOf(proxy).length > 0, `the http.fault of ${proxy} while its answer is open`);
  assert.ok(stillOpen(), 'the answer is still open');
  assert.equal(faultsOf(proxy).length, 1);
  return faultsOf(proxy)[0]!;
}

async function counted(proxy: string, toxic: string, type: string, outcome: string) {
  const metrics = await (await fetch(`${harness.url}/metrics`)).text();
  assert.match(
    metrics,
    new RegExp(
      `faultline_http_faults_total\\{proxy="${proxy}",toxic="${toxic}",type="${type}",method="GET",outcome="${outcome}"\\} 1\\n`,
    ),
  );
}

describe('a fault on an answer that never ends is reported once it acted', { timeout: 30_000 }, () => {
  it('http: http_modify of the response headers, while the stream is open', async () => {
    const proxy = await createProxy(harness, 'sse_tagged', upstreamAddress, { protocol: 'http' });
    await addToxic(proxy.name, {
      name: 'tag',
      type: 'http_modify',
      attributes: { response_headers: { 'x-tag': 'on' } },
    });
    const response = await firstEvent(proxy.port);
    assert.equal(response.headers['x-tag'], 'on');
    const fault = await reportedWhileOpen(proxy.name, () => !response.complete);
    assert.deepEqual(
      [fault.toxic, fault.action, fault.status, fault.path],
      ['tag', 'modify', 200, '/events'],
    );
    await counted(proxy.name, 'tag', 'http_modify', '200');
  });

  it('http: a response http_delay, once it held the answer, with how long', async () => {
    const proxy = await createProxy(harness, 'sse_late', upstreamAddress, { protocol: 'http' });
    await addToxic(proxy.name, {
      name: 'late',
      type: 'http_delay',
      attributes: { stage: 'response', delay: 20 },
    });
    const response = await firstEvent(proxy.port);
    const fault = await reportedWhileOpen(proxy.name, () => !response.complete);
    assert.deepEqual([fault.action, fault.status], ['delay_response', 200]);
    assert.ok((fault.heldMs ?? 0) >= 20, `held ${fault.heldMs} ms`);
    await counted(proxy.name, 'late', 'http_delay', '200');
  });

  it('http: a response rate limit, once the paced answer began', async () => {
    const proxy = await createProxy(harness, 'sse_paced', upstreamAddress, {
      protocol: 'http',
      header_faults: true,
    });
    const response = await firstEvent(proxy.port, { 'x-faultline-throughput': '1000' });
    const fault = await reportedWhileOpen(proxy.name, () => !response.complete);
    assert.deepEqual([fault.action, fault.status], ['throttle_response', 200]);
  });

  it('http2: http_modify of the response headers, while the stream is open', async () => {
    const proxy = await h2Proxy('sse_h2_tagged');
    await addToxic(proxy.name, {
      name: 'tag',
      type: 'http_modify',
      attributes: { response_headers: { 'x-tag': 'on' } },
    });
    const stream = await firstH2Event(proxy.port);
    const fault = await reportedWhileOpen(proxy.name, () => !stream.closed && !stream.readableEnded);
    assert.deepEqual([fault.toxic, fault.action, fault.status], ['tag', 'modify', 200]);
    await counted(proxy.name, 'tag', 'http_modify', '200');
  });

  it('http2: a response http_delay, once it held the answer', async () => {
    const proxy = await h2Proxy('sse_h2_late');
    await addToxic(proxy.name, {
      name: 'late',
      type: 'http_delay',
      attributes: { stage: 'response', delay: 20 },
    });
    const stream = await firstH2Event(proxy.port);
    const fault = await reportedWhileOpen(proxy.name, () => !stream.closed && !stream.readableEnded);
    assert.deepEqual([fault.action, fault.status], ['delay_response', 200]);
    assert.ok((fault.heldMs ?? 0) >= 20, `held ${fault.heldMs} ms`);
  });

  it('http2: a response rate limit, once the paced answer began', async () => {
    const proxy = await h2Proxy('sse_h2_paced');
    const stream = await firstH2Event(proxy.port, { 'x-faultline-throughput': '1000' });
    const fault = await reportedWhileOpen(proxy.name, () => !stream.closed && !stream.readableEnded);
    assert.deepEqual([fault.action, fault.status], ['throttle_response', 200]);
  });
});

/**
 * An SSE upstream that sends its headers at once (flushHeaders) and its first event only later:
 * an EventSource opens on the headers. Through a fault they reach the client at once too, as
 * without one (and as through Envoy), not with the first event.
 */
const quiet = http.createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.flushHeaders();
});
quiet.listen(0, '127.0.0.1');
await once(quiet, 'listening');
after(() => {
  quiet.closeAllConnections();
  quiet.close();
});
const quietAddress = `127.0.0.1:${(quiet.address() as net.AddressInfo).port}`;

describe(
  'the headers of an answer whose body comes later go to the client at once',
  { timeout: 30_000 },
  () => {
    const toxics = {
      modify: { name: 'tag', type: 'http_modify', attributes: { response_headers: { 'x-tag': 'on' } } },
      delay: { name: 'late', type: 'http_delay', attributes: { stage: 'response', delay: 10 } },
    };
    for (const [kind, toxic] of Object.entries(toxics)) {
      it(`http: with an ${toxic.type} (${kind}), reported as they go`, async () => {
        const proxy = await createProxy(harness, `quiet_${kind}`, quietAddress, { protocol: 'http' });
        await addToxic(proxy.name, toxic);
        const request = http.get({ host: '127.0.0.1', port: proxy.port, path: '/events' });
        request.on('error', () => undefined);
        after(() => request.destroy());
        const [response] = (await once(request, 'response')) as [http.IncomingMessage];
        assert.equal(response.statusCode, 200);
        const fault = await reportedWhileOpen(proxy.name, () => !response.complete);
        assert.equal(fault.status, 200);
      });

      it(`http2: with an ${toxic.type} (${kind}), reported as they go`, async () => {
        const proxy = await h2ProxyTo(harness, `quiet_h2_${kind}`, (stream) => {
          stream.on('error', () => undefined);
          stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
          open.add(stream);
        });
        await addToxic(proxy.name, toxic);
        const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
        session.on('error', () => undefined);
        after(() => session.destroy());
        const stream = session.request({ ':path': '/events' });
        stream.on('error', () => undefined);
        const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
        assert.equal(headers[':status'], 200);
        const fault = await reportedWhileOpen(proxy.name, () => !stream.closed && !stream.readableEnded);
        assert.equal(fault.status, 200);
      });
    }
  },
);
