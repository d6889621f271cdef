import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { createProxy, readAll, startHarness, waitFor } from './helpers.js';
import { collectEvents } from './http-helpers.js';

/**
 * The edges of an HTTP/1.1 message a reverse proxy must get right: headers the Connection
 * header names stay on their hop, trailers follow a chunked body, `Expect: 100-continue` is
 * answered by what the proxy will do, and an answer the upstream cuts is reported as cut.
 * Each runs on the streamed path (no toxic) and on the held one (a response delay holds it).
 */
let toCut: http.ServerResponse | undefined;
const seen: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
const upstream = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    seen.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
    const url = (request.url ?? '').replace(/^\/held/, '');
    if (url === '/hop') {
      response.writeHead(200, {
        connection: 'x-upstream-hop',
        'x-upstream-hop': 'for the proxy only',
        'x-kept': 'yes',
        'content-length': '2',
      });
      response.end('ok');
    } else if (url === '/trailers') {
      response.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      response.write('all of ');
      response.addTrailers({ 'x-checksum': 'sha256=abc123' });
      response.end('the body');
    } else if (url === '/cut') {
      // Cut by the test once the client has the first ten bytes.
      response.writeHead(200, { 'content-length': '100' });
      response.write('ten bytes.');
      toCut = response;
    } else if (url === '/not-modified') {
      // RFC 9110 §8.6: a 304 may give the length its 200 would have had; it has no body.
      response.writeHead(304, { etag: '"v1"', 'content-length': '99' });
      response.end();
    } else if (url === '/cut-at-once') {
      response.writeHead(200, { 'content-length': '100' });
      response.write('ten bytes.', () => response.socket?.destroy());
    } else response.end(`got ${Buffer.concat(chunks).toString()}`);
  });
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
after(() => {
  upstream.closeAllConnections();
  upstream.close();
});
const harness = await startHarness({ seed: 11 });
const events = collectEvents(harness);
const proxy = await createProxy(
  harness,
  'edges',
  `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`,
  {
    protocol: 'http',
  },
);
const added = await harness.api('POST', '/proxies/edges/toxics', {
  name: 'held',
  type: 'http_delay',
  attributes: { stage: 'response', delay: 1, match: { path: '/held/*' } },
});
assert.equal(added.status, 200, added.text);

/** Sends `text` on a new connection and reads until the proxy closes it. */
async function exchange(text: string): Promise<string> {
  const socket = net.connect(proxy.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(text);
  return (await readAll(socket)).toString('latin1');
}

function get(path: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port: proxy.port, path, agent: false }, resolve);
    request.once('error', reject);
  });
}

for (const prefix of ['', '/held']) {
  const how = prefix === '' ? 'streamed' : 'held';
  describe(`http proxy: message edges, ${how} answer`, () => {
    it('does not forward the headers a request Connection header names', async () => {
      await exchange(
        `GET ${prefix}/echo HTTP/1.1\r\nHost: x\r\nConnection: close, X-Client-Hop\r\nX-Client-Hop: for the proxy only\r\nX-End: kept\r\n\r\n`,
      );
      const headers = seen.findLast((request) => request.url === `${prefix}/echo`)?.headers;
      assert.equal(headers?.['x-end'], 'kept');
      assert.equal(
        headers?.['x-client-hop'],
        undefined,
        'a header the Connection header named was forwarded',
      );
    });

    it('does not forward the headers a response Connection header names', async () => {
      const response = await get(`${prefix}/hop`);
      response.resume();
      await once(response, 'end');
      assert.equal(response.headers['x-kept'], 'yes');
      assert.equal(response.headers['x-upstream-hop'], undefined);
    });

    it('forwards the trailers of a chunked answer and the Trailer header announcing them', async () => {
      const response = await get(`${prefix}/trailers`);
      let body = '';
      response.on('data', (chunk: Buffer) => (body += String(chunk)));
      await once(response, 'end');
      assert.equal(body, 'all of the body');
      assert.equal(response.headers.trailer, 'x-checksum');
      assert.deepEqual(response.trailers, { 'x-checksum': 'sha256=abc123' });
    });

    it('answers a HTTP/1.0 client, which cannot take trailers, without them', async () => {
      const text = await exchange(`GET ${prefix}/trailers HTTP/1.0\r\nHost: x\r\n\r\n`);
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.doesNotMatch(text, /trailer|x-checksum/i);
      assert.match(text, /\r\n\r\nall of the body$/);
    });

    it("passes a 304 whose Content-Length gives the 200's length, and the connection goes on", async () => {
      const text = await exchange(
        `GET ${prefix}/not-modified HTTP/1.1\r\nHost: x\r\n\r\nGET ${prefix}/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert.match(text, /^HTTP\/1\.1 304 Not Modified\r\n/);
      assert.match(text, /\r\netag: "v1"\r\n/i);
      assert.match(text, /\r\ncontent-length: 99\r\n/i);
      assert.match(text, /\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\ngot $/);
      const failed = events.filter(
        (event) => event.type === 'http.upstream_failed' && event.path === `${prefix}/not-modified`,
      );
      assert.deepEqual(failed, []);
    });

    it('reports an answer the upstream cuts after its headers, with the status and the bytes passed', async () => {
      const socket = net.connect(proxy.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(`GET ${prefix}/cut HTTP/1.1\r\nHost: x\r\n\r\n`);
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      await waitFor(() => text.endsWith('ten bytes.'), 'the first ten bytes of the answer');
      toCut?.socket?.destroy();
      await once(socket, 'close');
      assert.match(text, /^HTTP\/1\.1 200 OK\r\ncontent-length: 100\r\n[\s\S]*\r\n\r\nten bytes\.$/);
      const cutEvent = () =>
        events.find((event) => event.type === 'http.upstream_failed' && event.path === `${prefix}/cut`);
      await waitFor(() => cutEvent() !== undefined, 'the event of the cut answer');
      const cut = cutEvent();
      assert.ok(cut?.type === 'http.upstream_failed');
      assert.deepEqual([cut.status, cut.cut, cut.bodyBytes], [200, true, 10]);
      assert.match(
        cut.error,
        /^faultline: the upstream 127\.0\.0\.1:\d+ cut its answer after 10 bytes of the body \(/,
      );
    });
  });
}

describe('http proxy: a cut answer the proxy holds to rewrite', () => {
  it('is a 502 saying the upstream cut it, and the events say 502, not 200', async () => {
    const added = await harness.api('POST', '/proxies/edges/toxics', {
      name: 'rewrite',
      type: 'http_modify',
      attributes: { body: 'replaced', match: { path: '/cut-at-once' } },
    });
    assert.equal(added.status, 200, added.text);
    const text = await exchange('GET /cut-at-once HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(
      text,
      /^HTTP\/1\.1 502 Bad Gateway\r\n[\s\S]*\r\n\r\nfaultline: the upstream 127\.0\.0\.1:\d+ cut its answer after 10 bytes of the body \(/,
    );
    const failed = events.find(
      (event) => event.type === 'http.upstream_failed' && event.path === '/cut-at-once',
    );
    assert.ok(failed?.type === 'http.upstream_failed');
    assert.deepEqual([failed.status, failed.cut, failed.bodyBytes], [502, undefined, undefined]);
    const fault = events.find((event) => event.type === 'http.fault' && event.path === '/cut-at-once');
    assert.ok(fault?.type === 'http.fault');
    assert.equal(fault.status, 502);
    // The two cut answers of the suites above, and this 502.
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    assert.match(
      metrics,
      /^faultline_http_upstream_failures_total\{proxy="edges",status="200",cut="true"\} 2$/m,
    );
    assert.match(
      metrics,
      /^faultline_http_upstream_failures_total\{proxy="edges",status="502",cut="false"\} 1$/m,
    );
    assert.equal((await harness.api('DELETE', '/proxies/edges/toxics/rewrite')).status, 204);
  });
});

describe('http proxy: Expect: 100-continue', () => {
  it('an http_abort answers instead of 100 Continue, and closes the connection', async () => {
    const added = await harness.api('POST', '/proxies/edges/toxics', {
      name: 'refuse',
      type: 'http_abort',
      attributes: { status: 503, body: 'busy', match: { path: '/refused' } },
    });
    assert.equal(added.status, 200, added.text);
    const text = await exchange(
      'POST /refused HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
    );
    assert.match(text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.match(text, /\r\n\r\nbusy$/);
    assert.equal(seen.filter((request) => request.url === '/refused').length, 0);
    assert.equal((await harness.api('DELETE', '/proxies/edges/toxics/refuse')).status, 204);
  });

  it('a request delay holds the 100 Continue too', async () => {
    const added = await harness.api('POST', '/proxies/edges/toxics', {
      name: 'slow',
      type: 'http_delay',
      attributes: { delay: 400, match: { path: '/slow' } },
    });
    assert.equal(added.status, 200, added.text);
    const socket = net.connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    const sent = performance.now();
    socket.write(
      'POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
    );
    const [first] = (await once(socket, 'data')) as [Buffer];
    const waited = performance.now() - sent;
    assert.match(first.toString(), /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    assert.ok(waited >= 390, `100 Continue came after ${waited} ms, before the 400 ms delay`);
    socket.write('hello');
    const rest = (await readAll(socket)).toString();
    assert.match(rest, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n(7\r\n)?got hello/);
    assert.equal((await harness.api('DELETE', '/proxies/edges/toxics/slow')).status, 204);
  });
});
