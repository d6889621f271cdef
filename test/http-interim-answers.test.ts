import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import { createProxy, startHarness } from './helpers.js';
import { h2ProxyTo } from './http-helpers.js';

const hint = '</style.css>; rel=preload; as=style';

/** An HTTP/1.1 upstream that sends 103 Early Hints, then its answer. */
async function startHintingUpstream(): Promise<number> {
  const server = http.createServer((request, response) => {
    request.resume();
    response.writeEarlyHints({ link: hint });
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('page');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

/** A GET over HTTP/1.1: the 1xx answers the client saw (status and link), then the final status and body. */
function getWithInterim(
  port: number,
  path: string,
): Promise<{ interim: string[]; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const interim: string[] = [];
    const request = http.get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ interim, status: response.statusCode ?? 0, body }));
    });
    request.on('information', (info: http.InformationEvent) =>
      interim.push(`${info.statusCode} ${String(info.headers.link)}`),
    );
    request.on('error', reject);
  });
}

/** A GET over HTTP/2: the 1xx header blocks the client saw, then the final status and body. */
async function h2GetWithInterim(port: number, path: string) {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const stream = session.request({ ':path': path });
    const interim: string[] = [];
    stream.on('headers', (headers) => interim.push(`${headers[':status']} ${String(headers.link)}`));
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    let body = '';
    stream.setEncoding('utf8');
    for await (const chunk of stream) body += chunk as string;
    return { interim, status: Number(headers[':status']), body };
  } finally {
    session.close();
  }
}

const harness = await startHarness({ seed: 5 });

describe('1xx informational answers (103 Early Hints) through the proxy', () => {
  it('an http proxy passes them on, with a toxic forwarding, holding or rewriting the answer; not before an answer a toxic replaces', async () => {
    const upstreamPort = await startHintingUpstream();
    const proxy = await createProxy(harness, 'hints', `127.0.0.1:${upstreamPort}`, { protocol: 'http' });
    const early = [`103 ${hint}`];
    const toxics = [
      {
        name: 'tag',
        type: 'http_modify',
        attributes: { response_headers: { 'x-tag': 'yes' }, match: { path: '/tag' } },
      },
      {
        name: 'slow',
        type: 'http_delay',
        attributes: { stage: 'response', delay: 20, match: { path: '/slow' } },
      },
      { name: 'teapot', type: 'http_modify', attributes: { status: 418, match: { path: '/teapot' } } },
      { name: 'other', type: 'http_modify', attributes: { body: 'replaced', match: { path: '/other' } } },
    ];
    for (const toxic of toxics) {
      const added = await harness.api('POST', '/proxies/hints/toxics', toxic);
      assert.equal(added.status, 200, added.text);
    }
    assert.deepEqual(await getWithInterim(proxy.port, '/plain'), {
      interim: early,
      status: 200,
      body: 'page',
    });
    assert.deepEqual(await getWithInterim(proxy.port, '/tag'), { interim: early, status: 200, body: 'page' });
    assert.deepEqual(await getWithInterim(proxy.port, '/slow'), {
      interim: early,
      status: 200,
      body: 'page',
    });
    assert.deepEqual(await getWithInterim(proxy.port, '/teapot'), { interim: [], status: 418, body: 'page' });
    assert.deepEqual(await getWithInterim(proxy.port, '/other'), {
      interim: [],
      status: 200,
      body: 'replaced',
    });
  });

  it('an http2 proxy passes them on before the answer; not before an answer a toxic replaces', async () => {
    const proxy = await h2ProxyTo(harness, 'h2hints', (stream) => {
      stream.on('error', () => undefined);
      stream.additionalHeaders({ ':status': 103, link: hint });
      stream.respond({ ':status': 200 });
      stream.end('page');
    });
    for (const toxic of [
      {
        name: 'tag2',
        type: 'http_modify',
        attributes: { response_headers: { 'x-tag': 'yes' }, match: { path: '/tag' } },
      },
      { name: 'other2', type: 'http_modify', attributes: { body: 'replaced', match: { path: '/other' } } },
    ]) {
      const added = await harness.api('POST', '/proxies/h2hints/toxics', toxic);
      assert.equal(added.status, 200, added.text);
    }
    const early = [`103 ${hint}`];
    assert.deepEqual(await h2GetWithInterim(proxy.port, '/plain'), {
      interim: early,
      status: 200,
      body: 'page',
    });
    assert.deepEqual(await h2GetWithInterim(proxy.port, '/tag'), {
      interim: early,
      status: 200,
      body: 'page',
    });
    assert.deepEqual(await h2GetWithInterim(proxy.port, '/other'), {
      interim: [],
      status: 200,
      body: 'replaced',
    });
  });
});
