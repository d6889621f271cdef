import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import { after, describe, it } from 'node:test';
import { request } from 'undici';
import { createProxy, startHarness } from './helpers.js';
import { h2ProxyTo, startHttpUpstream } from './http-helpers.js';

/**
 * An http_abort answer is typed as Envoy's fault filter types its own abort (text/plain), on
 * HTTP/1.1 and HTTP/2 alike, unless the toxic's headers say otherwise.
 */
const harness = await startHarness();
const upstream = await startHttpUpstream();
const plain = await createProxy(harness, 'plain', upstream.address, { protocol: 'http' });
const h2 = await h2ProxyTo(harness, 'h2', (stream) => {
  stream.respond({ ':status': 200 });
  stream.end('upstream');
});

const abortOn = async (proxy: string, name: string, path: string, attributes: object) => {
  const reply = await harness.api('POST', `/proxies/${proxy}/toxics`, {
    name,
    type: 'http_abort',
    attributes: { ...attributes, match: { path } },
  });
  assert.equal(reply.status, 200, reply.text);
};

const h1 = async (path: string) => {
  const reply = await request(`http://127.0.0.1:${plain.port}${path}`);
  return { status: reply.statusCode, type: reply.headers['content-type'], body: await reply.body.text() };
};

const overH2 = async (path: string) => {
  const session = http2.connect(`http://127.0.0.1:${h2.port}`);
  after(() => session.close());
  const stream = session.request({ ':path': path });
  const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  let body = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) body += chunk as string;
  return { status: Number(headers[':status']), type: headers['content-type'], body };
};

await abortOn('plain', 'down', '/down', { status: 503, body: 'try later' });
await abortOn('plain', 'empty', '/empty', { status: 500 });
await abortOn('plain', 'json', '/json', {
  status: 429,
  body: '{"error":"slow down"}',
  headers: { 'Content-Type': 'application/json' },
});
await abortOn('plain', 'none', '/none', { status: 204 });
await abortOn('h2', 'down', '/down', { status: 503, body: 'try later' });
await abortOn('h2', 'json', '/json', {
  status: 429,
  body: '{"error":"slow down"}',
  headers: { 'content-type': 'application/json' },
});

describe('http_abort answers with a content-type', () => {
  it('is text/plain on HTTP/1.1, with a body or without', async () => {
    assert.deepEqual(await h1('/down'), {
      status: 503,
      type: 'text/plain; charset=utf-8',
      body: 'try later',
    });
    assert.deepEqual(await h1('/empty'), { status: 500, type: 'text/plain; charset=utf-8', body: '' });
  });

  it("is the toxic's own when its headers set one, in any case", async () => {
    assert.deepEqual(await h1('/json'), {
      status: 429,
      type: 'application/json',
      body: '{"error":"slow down"}',
    });
  });

  it('is absent on a 204, which carries no content', async () => {
    assert.deepEqual(await h1('/none'), { status: 204, type: undefined, body: '' });
  });

  it('is text/plain on HTTP/2 too, unless the toxic sets its own', async () => {
    assert.deepEqual(await overH2('/down'), {
      status: 503,
      type: 'text/plain; charset=utf-8',
      body: 'try later',
    });
    assert.deepEqual(await overH2('/json'), {
      status: 429,
      type: 'application/json',
      body: '{"error":"slow down"}',
    });
  });
});
