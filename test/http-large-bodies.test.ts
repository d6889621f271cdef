import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import { Pool } from 'undici';
import { describe as describeEvent } from '../src/cli/watch-command.js';
import type { EngineEvent } from '../src/model/events.js';
import { createProxy, startHarness } from './helpers.js';
import { collectEvents, startHttpUpstream } from './http-helpers.js';

/** One byte over the 16 MiB a JSON patch may hold. */
const OVER_LIMIT = 16 * 1024 * 1024 + 1;

const harness = await startHarness({ seed: 11 });
const events = collectEvents(harness);
const upstream = await startHttpUpstream();
const h1 = await createProxy(harness, 'h1', upstream.address, { protocol: 'http' });
const pool = new Pool(`http://127.0.0.1:${h1.port}`, { connections: 2 });
after(() => pool.close());

/** An h2c upstream: /big/N answers N bytes in 64 KiB pieces; /text answers "plain words". */
async function startHttp2Upstream(): Promise<string> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    if (path === '/text') {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end('plain words');
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    const piece = Buffer.alloc(64 * 1024, 0x20);
    let left = Number(path.slice('/big/'.length));
    const write = () => {
      while (left > 0) {
        const part = piece.subarray(0, Math.min(left, piece.length));
        left -= part.length;
        if (!stream.write(part)) return void stream.once('drain', write);
      }
      stream.end();
    };
    stream.on('error', () => undefined);
    write();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

const h2 = await createProxy(harness, 'h2', await startHttp2Upstream(), { protocol: 'http2' });
const h2Session = http2.connect(`http://127.0.0.1:${h2.port}`);
after(() => h2Session.close());

async function addToxic(proxy: string, body: object): Promise<void> {
  const reply = await harness.api('POST', `/proxies/${proxy}/toxics`, body);
  assert.equal(reply.status, 200, reply.text);
}
const removeToxic = (proxy: string, name: string) =>
  harness.api('DELETE', `/proxies/${proxy}/toxics/${name}`);

/** Status, byte count and the first bytes of an HTTP/1.1 answer, read as it streams. */
async function getHttp1(path: string) {
  const reply = await pool.request({ path, method: 'GET' });
  let size = 0;
  let head = '';
  for await (const chunk of reply.body as AsyncIterable<Buffer>) {
    if (head.length < 16) head += chunk.subarray(0, 16).toString('latin1');
    size += chunk.length;
  }
  return { status: reply.statusCode, size, head: head.slice(0, 16), length: reply.headers['content-length'] };
}

async function getHttp2(path: string) {
  const stream = h2Session.request({ ':path': path });
  const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  let size = 0;
  let head = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (head.length < 16) head += chunk.subarray(0, 16).toString('latin1');
    size += chunk.length;
  }
  return { status: headers[':status'], size, head: head.slice(0, 16), length: headers['content-length'] };
}

const faultsOf = (toxic: string) =>
  events.filter(
    (event): event is Extract<EngineEvent, { type: 'http.fault' }> =>
      event.type === 'http.fault' && event.toxic === toxic,
  );

async function metric(proxy: string, toxic: string): Promise<string[]> {
  const text = await (await fetch(`${harness.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`faultline_http_faults_total{proxy="${proxy}",toxic="${toxic}"`));
}

describe('http_modify on bodies larger than a patch can hold', () => {
  it('http: a replacement body applies one byte over 16 MiB, with its own length', async () => {
    await addToxic('h1', { name: 'small', type: 'http_modify', attributes: { body: 'small' } });
    assert.deepEqual(await getHttp1(`/big/${OVER_LIMIT}`), {
      status: 200,
      size: 5,
      head: 'small',
      length: '5',
    });
    assert.deepEqual(
      faultsOf('small').map(({ action, status, skipped }) => ({ action, status, skipped })),
      [{ action: 'modify', status: 200, skipped: undefined }],
    );
    await removeToxic('h1', 'small');
    // the upstream connection was drained, not left half-read: the next request on the pool passes whole
    assert.deepEqual(await getHttp1('/big/10'), {
      status: 200,
      size: 10,
      head: '\x07'.repeat(10),
      length: undefined,
    });
  });

  it('http: a JSON patch on a body over 16 MiB passes it unchanged and the event and metric say so', async () => {
    await addToxic('h1', {
      name: 'patch',
      type: 'http_modify',
      attributes: { json_patch: { a: 1 }, response_headers: { 'x-patched': 'yes' } },
    });
    const reply = await getHttp1(`/big/${OVER_LIMIT}`);
    assert.deepEqual([reply.status, reply.size, reply.head], [200, OVER_LIMIT, '\x07'.repeat(16)]);
    assert.deepEqual(
      faultsOf('patch').map(({ action, status, skipped }) => ({ action, status, skipped })),
      [
        {
          action: 'modify',
          status: 200,
          skipped:
            'json_patch: the body is over the 16777216 bytes (16 MiB) a patch holds; it passed unchanged',
        },
      ],
    );
    const line = describeEvent({ time: '2026-01-01T00:00:00.000Z', data: faultsOf('patch')[0] } as never);
    assert.match(
      line,
      /GET \/big\/16777217 → 200 \(http_modify patch; skipped json_patch: the body is over the 16777216 bytes \(16 MiB\) a patch holds; it passed unchanged\)$/,
    );
    assert.deepEqual(await metric('h1', 'patch'), [
      'faultline_http_faults_total{proxy="h1",toxic="patch",type="http_modify",method="GET",outcome="skipped"} 1',
    ]);
    await removeToxic('h1', 'patch');
  });

  it('http: a JSON patch on a body that is not JSON passes it unchanged and says so', async () => {
    await addToxic('h1', { name: 'notjson', type: 'http_modify', attributes: { json_patch: { a: 1 } } });
    const reply = await pool.request({ path: '/plain', method: 'GET' });
    assert.equal(await reply.body.text(), 'ok GET /plain');
    assert.deepEqual(
      faultsOf('notjson').map(({ skipped }) => skipped),
      ['json_patch: the body is not JSON; it passed unchanged'],
    );
    await removeToxic('h1', 'notjson');
  });

  it('http2: a replacement body applies one byte over 16 MiB; a JSON patch there passes unchanged, saying so', async () => {
    await addToxic('h2', { name: 'small2', type: 'http_modify', attributes: { body: 'small' } });
    assert.deepEqual(await getHttp2(`/big/${OVER_LIMIT}`), {
      status: 200,
      size: 5,
      head: 'small',
      length: '5',
    });
    assert.deepEqual(
      faultsOf('small2').map(({ skipped }) => skipped),
      [undefined],
    );
    await removeToxic('h2', 'small2');
    await addToxic('h2', { name: 'patch2', type: 'http_modify', attributes: { json_patch: { a: 1 } } });
    const reply = await getHttp2(`/big/${OVER_LIMIT}`);
    assert.deepEqual([reply.status, reply.size, reply.head], [200, OVER_LIMIT, ' '.repeat(16)]);
    assert.deepEqual(
      faultsOf('patch2').map(({ skipped }) => skipped),
      ['json_patch: the body is over the 16777216 bytes (16 MiB) a patch holds; it passed unchanged'],
    );
    assert.deepEqual(await metric('h2', 'patch2'), [
      'faultline_http_faults_total{proxy="h2",toxic="patch2",type="http_modify",method="GET",outcome="skipped"} 1',
    ]);
    const text = await getHttp2('/text');
    assert.deepEqual([text.size, text.head], [11, 'plain words']);
    assert.deepEqual(
      faultsOf('patch2').map(({ skipped }) => skipped)[1],
      'json_patch: the body is not JSON; it passed unchanged',
    );
    await removeToxic('h2', 'patch2');
  });
});
