import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { describe as describeEvent } from '../src/cli/watch-command.js';
import type { EngineEvent } from '../src/model/events.js';
import { createProxy, startHarness, waitFor } from './helpers.js';
import { collectEvents, h2ProxyTo } from './http-helpers.js';

/**
 * The faults on an answer are reported as its headers go out, with the status the client got,
 * as Envoy's fault filter counts them (http-endless-answer-report). An answer the upstream cuts
 * after its headers is then an `http.upstream_failed` event of its own, saying `cut` with the
 * bytes the client got (Envoy's access log: UR/UC); the client sees the cut too. A client that
 * leaves before the headers is reported as having left, with no status (Envoy: code 0, DC).
 */
const harness = await startHarness({ seed: 5 });
const events = collectEvents(harness);

/**
 * Answers 200 with 100 bytes announced (or chunked), sends ten, and waits: the test cuts it.
 * /silent never answers; /paced answers whole.
 */
let answering: http.ServerResponse | undefined;
let silent = 0;
const upstream = http.createServer((request, response) => {
  request.resume();
  if (request.url === '/silent') {
    silent += 1;
    return;
  }
  if (request.url === '/paced') {
    response.end('whole');
    return;
  }
  const chunked = request.url?.includes('chunked') === true;
  response.writeHead(200, chunked ? {} : { 'content-length': '100' });
  response.write('ten bytes.');
  answering = response;
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
after(() => {
  upstream.closeAllConnections();
  upstream.close();
});
const upstreamAddress = `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;

const streamed = await createProxy(harness, 'streamed', upstreamAddress, { protocol: 'http' });
const held = await createProxy(harness, 'held', upstreamAddress, { protocol: 'http' });
const addToxic = async (proxy: string, toxic: object) => {
  const reply = await harness.api('POST', `/proxies/${proxy}/toxics`, toxic);
  assert.equal(reply.status, 200, reply.text);
};
const tag = { name: 'tag', type: 'http_modify', attributes: { response_headers: { 'x-tag': 'y' } } };
await addToxic('streamed', tag);
await addToxic('held', { name: 'late', type: 'http_delay', attributes: { stage: 'response', delay: 1 } });

/**
 * An http2 proxy named `name`, tagging answers, in front of an h2 upstream answering with
 * `answer`; then a request for `path` through it, its body gathered as text in `received.body`.
 */
async function taggedH2Request(
  name: string,
  answer: (stream: http2.ServerHttp2Stream) => void,
  path: string,
) {
  const h2 = await h2ProxyTo(harness, name, (stream) => {
    stream.on('error', () => undefined);
    answer(stream);
  });
  await addToxic(name, tag);
  const session = http2.connect(`http://127.0.0.1:${h2.port}`);
  session.on('error', () => undefined);
  after(() => session.close());
  const stream = session.request({ ':path': path });
  const received = { body: '' };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (received.body += chunk));
  return { session, stream, received };
}

/**
 * Sends one request on a raw socket; once the client has the first ten bytes of the body, the
 * upstream's socket is destroyed (or, with `leave`, the client's). Resolves with what came back.
 */
async function rawExchange(port: number, path: string, leave = false): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  await waitFor(() => /ten bytes\.(\r\n)?$/.test(text), 'the first ten bytes of the body');
  const closed = once(socket, 'close');
  if (leave) socket.destroy();
  else answering?.socket?.destroy();
  await closed;
  return text;
}

async function faultEvent(proxy: string, path: string) {
  const find = () =>
    events.find((event) => event.type === 'http.fault' && event.proxy === proxy && event.path === path);
  await waitFor(() => find() !== undefined, `the http.fault event of ${path}`);
  const event = find();
  assert.ok(event?.type === 'http.fault');
  return event;
}

async function cutEvent(proxy: string, path: string) {
  const find = () =>
    events.find(
      (event) => event.type === 'http.upstream_failed' && event.proxy === proxy && event.path === path,
    );
  await waitFor(() => find() !== undefined, `the http.upstream_failed event of ${path}`);
  const event = find();
  assert.ok(event?.type === 'http.upstream_failed');
  return event;
}

/** The http.fault events of `path` on `proxy`: a request's fault is reported once. */
const faultsOf = (proxy: string, path: string) =>
  events.filter((event) => event.type === 'http.fault' && event.proxy === proxy && event.path === path);

const watched = (event: EngineEvent) =>
  describeEvent({ time: '2026-01-01T00:00:00.000Z', data: event } as never);

const metrics = async () => (await fetch(`${harness.url}/metrics`)).text();

describe('http: an answer the upstream cuts after its headers', () => {
  for (const proxy of [streamed, held]) {
    it(`closes the client's connection short of its length, and an http.upstream_failed says cut (${proxy.name})`, async () => {
      const text = await rawExchange(proxy.port, '/cut');
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*content-length: 100\r\n[\s\S]*\r\n\r\nten bytes\.$/i);
      const event = await faultEvent(proxy.name, '/cut');
      assert.deepEqual([event.status, event.cut, event.bodyBytes], [200, undefined, undefined]);
      const cut = await cutEvent(proxy.name, '/cut');
      assert.deepEqual([cut.status, cut.cut, cut.bodyBytes], [200, true, 10]);
      assert.match(watched(cut), /GET \/cut → 200 cut after 10 bytes of the body \(/);
      assert.equal(faultsOf(proxy.name, '/cut').length, 1);
    });

    it(`ends a chunked answer without its last chunk, and says cut (${proxy.name})`, async () => {
      const text = await rawExchange(proxy.port, '/chunked');
      assert.match(text, /transfer-encoding: chunked\r\n[\s\S]*\r\na\r\nten bytes\.\r\n$/i);
      const cut = await cutEvent(proxy.name, '/chunked');
      assert.deepEqual([cut.status, cut.cut, cut.bodyBytes], [200, true, 10]);
      assert.equal(faultsOf(proxy.name, '/chunked').length, 1);
    });
  }

  it('counts the faults by the status that went out, and the cuts as upstream failures', async () => {
    const text = await metrics();
    assert.match(
      text,
      /^faultline_http_faults_total\{proxy="streamed",toxic="tag",type="http_modify",method="GET",outcome="200"\} 2$/m,
    );
    assert.match(
      text,
      /^faultline_http_faults_total\{proxy="held",toxic="late",type="http_delay",method="GET",outcome="200"\} 2$/m,
    );
    assert.match(
      text,
      /^faultline_http_upstream_failures_total\{proxy="streamed",status="200",cut="true"\} 2$/m,
    );
    assert.match(text, /^faultline_http_upstream_failures_total\{proxy="held",status="200",cut="true"\} 2$/m);
  });
});

describe('http: a client that leaves in the middle of its answer', () => {
  it('was reported as its headers went out, and is not reported again', async () => {
    for (const proxy of [streamed, held]) {
      await rawExchange(proxy.port, '/left', true);
      const event = await faultEvent(proxy.name, '/left');
      assert.deepEqual([event.status, event.clientLeft], [200, undefined]);
      assert.equal(faultsOf(proxy.name, '/left').length, 1);
    }
    const failed = events.filter((event) => event.type === 'http.upstream_failed' && event.path === '/left');
    assert.deepEqual(failed, [], 'a client that left is no failure of the upstream');
  });
});

describe('http: a client that leaves before the upstream answers', () => {
  it('is reported as having left before its answer, with no status (Envoy: code 0, DC)', async () => {
    for (const [index, proxy] of [streamed, held].entries()) {
      const socket = net.connect(proxy.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write('GET /silent HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor(() => silent === index + 1, 'the request at the upstream');
      socket.destroy();
      const event = await faultEvent(proxy.name, '/silent');
      assert.deepEqual([event.status, event.clientLeft, event.bodyBytes], [undefined, true, undefined]);
      assert.match(watched(event), /GET \/silent: the client left before its answer \(/);
    }
  });
});

describe('http2: an answer the upstream resets after its headers', () => {
  it('resets the client stream, and an http.upstream_failed says cut', async () => {
    const { stream, received } = await taggedH2Request(
      'h2cut',
      (upstream) => {
        upstream.respond({ ':status': 200 });
        // RST_STREAM INTERNAL_ERROR after the first ten bytes, with no END_STREAM before it.
        upstream.write('ten bytes.', () => upstream.destroy(new Error('the upstream failed')));
      },
      '/cut',
    );
    await assert.rejects(once(stream, 'end'), { code: 'ERR_HTTP2_STREAM_ERROR' });
    assert.equal(received.body, 'ten bytes.');
    const event = await faultEvent('h2cut', '/cut');
    assert.deepEqual([event.status, event.cut], [200, undefined]);
    const cut = await cutEvent('h2cut', '/cut');
    assert.deepEqual([cut.status, cut.cut, cut.bodyBytes], [200, true, 10]);
    assert.equal(faultsOf('h2cut', '/cut').length, 1);
    assert.match(
      await metrics(),
      /^faultline_http_faults_total\{proxy="h2cut",toxic="tag",type="http_modify",method="GET",outcome="200"\} 1$/m,
    );
  });
});

describe('http2: an answer the upstream ends short of its content-length', () => {
  it('resets the client stream, not a clean end, and an http.upstream_failed says cut', async () => {
    const { session, stream } = await taggedH2Request(
      'h2short',
      (upstream) => {
        upstream.respond({ ':status': 200, 'content-length': '100' });
        // node's close() after a write ends the stream cleanly, ten bytes into the hundred announced.
        upstream.write('ten bytes.', () => upstream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
      },
      '/short',
    );
    await assert.rejects(once(stream, 'end'), { code: 'ERR_HTTP2_STREAM_ERROR' });
    const event = await faultEvent('h2short', '/short');
    assert.deepEqual([event.status, event.cut], [200, undefined]);
    const failed = await cutEvent('h2short', '/short');
    assert.deepEqual([failed.status, failed.cut, failed.bodyBytes], [200, true, 10]);
    assert.match(failed.error, /ended its stream after 10 of the 100 bytes its content-length announced/);
    const head = session.request({ ':path': '/short', ':method': 'HEAD' });
    head.resume();
    await once(head, 'end');
  });
});

describe('http2: a client that cancels its stream in the middle of the answer', () => {
  it('was reported as its headers went out, and is not reported again', async () => {
    const { stream, received } = await taggedH2Request(
      'h2left',
      (upstream) => {
        upstream.respond({ ':status': 200 });
        upstream.write('ten bytes.');
      },
      '/left',
    );
    await waitFor(() => received.body === 'ten bytes.', 'the first ten bytes');
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await once(stream, 'close');
    const event = await faultEvent('h2left', '/left');
    assert.deepEqual([event.status, event.clientLeft], [200, undefined]);
    assert.equal(faultsOf('h2left', '/left').length, 1);
    assert.equal(
      events.some((event) => event.type === 'http.upstream_failed' && event.proxy === 'h2left'),
      false,
      'a client that left is no failure of the upstream',
    );
  });
});

describe('a client that leaves a paced, replaced body', () => {
  const swap = { name: 'swap', type: 'http_modify', attributes: { body: 'x'.repeat(64 * 1024) } };

  it('on http, was reported as its headers went out, once', async () => {
    const paced = await createProxy(harness, 'paced', upstreamAddress, {
      protocol: 'http',
      header_faults: true,
    });
    await addToxic('paced', swap);
    const socket = net.connect(paced.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /paced HTTP/1.1\r\nHost: x\r\nx-faultline-throughput: 1\r\n\r\n');
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    await waitFor(() => text.endsWith('xxxx'), 'the first slice of the body');
    const event = await faultEvent('paced', '/paced');
    socket.destroy();
    await once(socket, 'close');
    assert.deepEqual([event.status, event.action, event.clientLeft], [200, 'modify', undefined]);
    assert.equal(
      faultsOf('paced', '/paced').filter((fault) => fault.type === 'http.fault' && fault.toxic === 'swap')
        .length,
      1,
    );
  });

  it('on http2 too', async () => {
    const h2 = await h2ProxyTo(
      harness,
      'h2paced',
      (stream) => {
        stream.on('error', () => undefined);
        stream.respond({ ':status': 200 });
        stream.end('upstream');
      },
      { header_faults: true },
    );
    await addToxic('h2paced', swap);
    const session = http2.connect(`http://127.0.0.1:${h2.port}`);
    session.on('error', () => undefined);
    after(() => session.close());
    const stream = session.request({ ':path': '/paced', 'x-faultline-throughput': '1' });
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (body += chunk));
    await waitFor(() => body.length > 0, 'the first slice of the body');
    const event = await faultEvent('h2paced', '/paced');
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await once(stream, 'close');
    assert.deepEqual([event.status, event.action, event.clientLeft], [200, 'modify', undefined]);
    assert.equal(
      faultsOf('h2paced', '/paced').filter((fault) => fault.type === 'http.fault' && fault.toxic === 'swap')
        .length,
      1,
    );
  });
});
