import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, describe, it, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { describe as describeEvent } from '../src/cli/watch-command.js';
import { clockTime } from '../src/model/clock-time.js';
import type { EngineEvent } from '../src/model/events.js';
import { readFirstBytes } from '../src/proxy/first-bytes.js';
import { http1Opening, http2Opening } from '../src/proxy/http/opening.js';
import { shownRequestLine } from '../src/proxy/http/report.js';
import { MemorySocket } from '../src/proxy/memory-socket.js';
import { connect, createProxy, readAll, startHarness, waitFor } from './helpers.js';
import { collectEvents, h2get, startHttpUpstream } from './http-helpers.js';
import { ordersClient } from './grpc-helpers.js';

// A client that speaks the other HTTP (curl without --http2-prior-knowledge to an http2 proxy,
// a gRPC client to an http proxy) gets an answer saying so, in a form it can read, never a
// silent close; bytes that are no HTTP at all close the connection, and an event says so.
const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const harness = await startHarness({ seed: 5 });
const events = collectEvents(harness);
/** A server whose clients have 200 ms, not 60 s, to say what they speak. */
const patient = await startHarness({ seed: 5, limits: { clientHeadersTimeoutMs: 200 } });
const patientEvents = collectEvents(patient);

const h2upstream = http2.createServer();
h2upstream.on('stream', (stream, headers) => {
  stream.respond({ ':status': 200 });
  stream.end(`h2 ${String(headers[':path'])}`);
});
h2upstream.listen(0, '127.0.0.1');
await once(h2upstream, 'listening');
after(() => h2upstream.close());
const h2address = `127.0.0.1:${(h2upstream.address() as net.AddressInfo).port}`;
const h1upstream = await startHttpUpstream();

const mismatches = (proxy: string) =>
  events.filter(
    (event): event is Extract<EngineEvent, { type: 'protocol.mismatch' }> =>
      event.type === 'protocol.mismatch' && event.proxy === proxy,
  );

/** Sends `bytes` on a new connection and reads what comes back until the proxy closes it. */
async function exchangeRaw(port: number, bytes: string | Buffer): Promise<string> {
  const socket = await connect(port);
  const reply = readAll(socket);
  socket.write(bytes);
  return (await reply).toString('latin1');
}

describe('HTTP/1.x sent to an http2 proxy', () => {
  it('gets a 505 whose body says how to fix it, then the connection closes; an event, a metric and a watch line say so', async () => {
    const proxy = await createProxy(harness, 'h2only', h2address, { protocol: 'http2' });
    const body =
      'faultline: proxy "h2only" speaks HTTP/2 only (protocol http2: h2c with prior knowledge, as gRPC clients send it), and this connection sent HTTP/1.x; send HTTP/2 with prior knowledge (curl --http2-prior-knowledge), or create a proxy with protocol http for HTTP/1.1 clients\n';
    const reply = await exchangeRaw(proxy.port, 'GET /health HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.equal(
      reply,
      `HTTP/1.1 505 HTTP Version Not Supported\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
    );
    await waitFor(() => mismatches('h2only').length === 1, 'the protocol.mismatch event');
    const [event] = mismatches('h2only');
    assert.ok(event && event.connection > 0, 'the event names the connection');
    const opened = events.find(
      (other) =>
        other.type === 'connection.opened' &&
        other.proxy === 'h2only' &&
        other.connection === event.connection,
    );
    assert.match(event.client, /^127\.0\.0\.1:\d+$/);
    assert.equal(
      event.client,
      opened?.type === 'connection.opened' && opened.client,
      'the client as connection.opened names it, port included',
    );
    assert.deepEqual(
      { ...event, connection: 0, client: '' },
      {
        type: 'protocol.mismatch',
        proxy: 'h2only',
        connection: 0,
        client: '',
        received: 'HTTP/1.x',
        detail: 'GET /health HTTP/1.1',
        answer: '505',
      },
    );
    assert.equal(
      describeEvent({ time: '2026-01-01T00:00:00.000Z', data: event } as never),
      `${clockTime('2026-01-01T00:00:00.000Z')}  protocol.mismatch    h2only       connection #${event.connection} from ${event.client} sent HTTP/1.x (GET /health HTTP/1.1), which this proxy does not speak → 505`,
    );
    assert.match(
      (await harness.api('GET', '/metrics')).text,
      /^faultline_protocol_mismatches_total\{proxy="h2only",received="HTTP\/1\.x"\} 1$/m,
    );
    // The proxy still serves HTTP/2 as before.
    assert.deepEqual(await h2get(proxy.port, '/after'), [200, 'h2 /after']);
  });

  it('a request line and a preface that arrive in pieces are told apart as well as whole ones', async () => {
    const proxy = await createProxy(harness, 'h2sliced', h2address, { protocol: 'http2' });
    // The slicer cuts what the client sends into 5-byte pieces 1 ms apart: the preface comes in five.
    const sliced = await harness.api('POST', '/proxies/h2sliced/toxics', {
      name: 'pieces',
      type: 'slicer',
      stream: 'upstream',
      attributes: { average_size: 5, size_variation: 0, delay: 1000 },
    });
    assert.equal(sliced.status, 200, sliced.text);
    assert.deepEqual(await h2get(proxy.port, '/sliced'), [200, 'h2 /sliced']);
    const reply = await exchangeRaw(proxy.port, 'POST /orders/7 HTTP/1.0\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 505 HTTP Version Not Supported\r\n/);
    await waitFor(() => mismatches('h2sliced').length === 1, 'the protocol.mismatch event');
    assert.equal(mismatches('h2sliced')[0]?.detail, 'POST /orders/7 HTTP/1.0');
  });

  it("a request line's query, which may carry a credential, reaches no event or log: it shows as ?…", async () => {
    const proxy = await createProxy(harness, 'h2query', h2address, { protocol: 'http2' });
    const reply = await exchangeRaw(
      proxy.port,
      'GET /login?access_token=s3cr3t&x=1 HTTP/1.1\r\nhost: x\r\n\r\n',
    );
    assert.match(reply, /^HTTP\/1\.1 505 /);
    await waitFor(() => mismatches('h2query').length === 1, 'the protocol.mismatch event');
    assert.equal(mismatches('h2query')[0]?.detail, 'GET /login?… HTTP/1.1');
    assert.equal(shownRequestLine('GET /?a HTTP/1.1'), 'GET /?… HTTP/1.1');
    assert.equal(shownRequestLine('OPTIONS * HTTP/1.0'), 'OPTIONS * HTTP/1.0');
    assert.equal(shownRequestLine('GET http://h/p?k=v HTTP/1.1'), 'GET http://h/p?… HTTP/1.1');
  });

  it('a TLS handshake or bytes that are no HTTP close the connection with an event; a port check is no mismatch', async () => {
    const proxy = await createProxy(harness, 'h2bytes', h2address, { protocol: 'http2' });
    const clientHello = Buffer.from('160301020001', 'hex');
    assert.equal(await exchangeRaw(proxy.port, clientHello), '');
    assert.equal(await exchangeRaw(proxy.port, Buffer.from('\u0000\u0001binary\r\n')), '');
    const portCheck = await connect(proxy.port);
    const closed = readAll(portCheck);
    portCheck.end();
    assert.equal((await closed).length, 0);
    await waitFor(() => mismatches('h2bytes').length === 2, 'two protocol.mismatch events');
    assert.deepEqual(
      mismatches('h2bytes').map(({ received, detail, answer }) => ({ received, detail, answer })),
      [
        {
          received: 'TLS',
          detail: undefined,
          answer: 'closed: the proxy has no tls; connect with http://, or give the proxy tls',
        },
        {
          received: 'unknown',
          detail: '00 01 62 69 6e 61 72 79 0d 0a',
          answer: 'closed: neither the HTTP/2 preface nor an HTTP/1.x request',
        },
      ],
    );
    await waitFor(
      () =>
        events.filter((event) => event.type === 'connection.closed' && event.proxy === 'h2bytes').length ===
        3,
      'the three connections to close',
    );
    assert.equal(mismatches('h2bytes').length, 2, 'the port check was reported as a mismatch');
  });
});

describe('HTTP/2 sent to an http (HTTP/1.1) proxy', () => {
  it('an h2c client gets a 505 in HTTP/2 saying so, and a gRPC client status 12 with the same text', async () => {
    const proxy = await createProxy(harness, 'h1only', h1upstream.address, { protocol: 'http' });
    const text =
      'faultline: proxy "h1only" speaks HTTP/1.1 (protocol http), and this connection sent HTTP/2; create a proxy with protocol http2 for HTTP/2 and gRPC clients, or send HTTP/1.1 (without curl\'s --http2-prior-knowledge)';
    assert.deepEqual(await h2get(proxy.port, '/x'), [505, `${text}\n`]);

    const client = ordersClient(proxy.port);
    const call = new Promise((resolve, reject) =>
      (client as unknown as { Get(r: object, cb: (e: Error | null, v: unknown) => void): void }).Get(
        { id: 1 },
        (error, value) => (error ? reject(error) : resolve(value)),
      ),
    );
    await assert.rejects(call, { code: grpc.status.UNIMPLEMENTED, details: text });
    await waitFor(() => mismatches('h1only').length === 2, 'a protocol.mismatch event per connection');
    assert.deepEqual(
      mismatches('h1only').map(({ received, answer }) => ({ received, answer })),
      Array(2).fill({
        received: 'HTTP/2',
        answer: '505 on each stream (a gRPC call: status 12 UNIMPLEMENTED), then GOAWAY',
      }),
    );
    assert.deepEqual(h1upstream.seen, [], 'nothing reached the upstream');
    // HTTP/1.1 clients are served as before, and a request starting like the preface is HTTP/1.
    const reply = await exchangeRaw(
      proxy.port,
      'PROPFIND / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
    );
    assert.match(reply, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nd\r\nok PROPFIND \/\r\n0\r\n\r\n$/);
  });
});

describe('the first bytes of a connection', () => {
  test('readFirstBytes waits for the preface across pieces, then leaves every byte to the next reader', async () => {
    const [writer, reader] = MemorySocket.pair();
    const verdicts: string[] = [];
    readFirstBytes(reader, http2Opening, (opening) => verdicts.push(opening.kind));
    for (const piece of [PREFACE.slice(0, 3), PREFACE.slice(3, 20), `${PREFACE.slice(20)}frames`]) {
      writer.write(piece);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(verdicts, ['http2']);
    writer.end('!');
    let read = '';
    reader.setEncoding('latin1');
    reader.on('data', (chunk: string) => (read += chunk));
    reader.resume();
    await once(reader, 'end');
    assert.equal(read, `${PREFACE}frames!`);
  });

  test('a connection that ends early is decided on what came', async () => {
    const [writer, reader] = MemorySocket.pair();
    const heads: string[] = [];
    readFirstBytes(reader, http2Opening, (opening, head) => heads.push(`${opening.kind} ${head.toString()}`));
    writer.end('PRI * HT');
    await once(reader, 'end');
    assert.deepEqual(heads, ['other PRI * HT']);
  });

  test('http2Opening: the preface, an HTTP/1.x request line, TLS, other bytes, or wait for more', () => {
    const of = (text: string, ended = false) => http2Opening(Buffer.from(text, 'latin1'), ended);
    assert.deepEqual(of(`${PREFACE}x`), { kind: 'http2' });
    assert.equal(of(PREFACE.slice(0, 23)), undefined);
    assert.deepEqual(of('GET / HTTP/1.1\r\n'), { kind: 'http1', requestLine: 'GET / HTTP/1.1' });
    assert.deepEqual(of('OPTIONS * HTTP/1.0\n'), { kind: 'http1', requestLine: 'OPTIONS * HTTP/1.0' });
    for (const start of [
      'G',
      'GET',
      'GET ',
      'GET /a',
      'GET /a ',
      'GET /a HTTP/',
      'GET /a HTTP/1.1',
      'GET /a HTTP/1.1\r',
    ])
      assert.equal(of(start), undefined, `${JSON.stringify(start)} could still become a request line`);
    assert.deepEqual(of('GET /a HTTP/1.1', true), {
      kind: 'other',
      bytes: '47 45 54 20 2f 61 20 48 54 54 50 2f 31 2e 31',
    });
    assert.deepEqual(of('GET /a HTTP/2.0\r\n'), {
      kind: 'other',
      bytes: '47 45 54 20 2f 61 20 48 54 54 50 2f 32 2e 30 0d …',
    });
    assert.deepEqual(of('GET /a XTTP'), { kind: 'other', bytes: '47 45 54 20 2f 61 20 58 54 54 50' });
    assert.deepEqual(of('\u0016'), undefined);
    assert.deepEqual(of('\u0016\u0003'), { kind: 'tls' });
    assert.deepEqual(of('\u0016x'), { kind: 'other', bytes: '16 78' });
    assert.deepEqual(of('', true), { kind: 'nothing' });
    assert.deepEqual(of(`GET /${'a'.repeat(8192)}`), {
      kind: 'other',
      bytes: '47 45 54 20 2f 61 61 61 61 61 61 61 61 61 61 61 …',
    });
  });

  test('http1Opening: only the whole preface is HTTP/2; a part waits, anything else is HTTP/1', () => {
    const of = (text: string, ended = false) => http1Opening(Buffer.from(text, 'latin1'), ended);
    assert.equal(of(PREFACE), 'http2');
    assert.equal(of('PRI * HTTP/2'), undefined);
    assert.equal(of('PRI * HTTP/2', true), 'http1');
    assert.equal(of('PRIX'), 'http1');
    assert.equal(of('GET / HTTP/1.1\r\n'), 'http1');
  });
});

describe('first bytes that never decide what a connection speaks (slowloris)', () => {
  /** Sends `first`, then `drip` every 50 ms until the proxy closes the connection; what came back. */
  async function dripUntilClosed(port: number, first: string, drip: string): Promise<string> {
    const socket = await connect(port);
    const reply = readAll(socket);
    socket.write(first);
    const dripping = drip === '' ? undefined : setInterval(() => socket.write(drip), 50);
    try {
      return (await reply).toString('latin1');
    } finally {
      clearInterval(dripping);
    }
  }

  it('an http2 proxy: a request line that grows a byte at a time is closed after the headers timeout, with an event', async () => {
    const proxy = await createProxy(patient, 'h2drip', h2address, { protocol: 'http2' });
    assert.equal(await dripUntilClosed(proxy.port, 'GET /', 'a'), '');
    await waitFor(
      () => patientEvents.some((event) => event.type === 'protocol.mismatch' && event.proxy === 'h2drip'),
      'the protocol.mismatch event',
    );
  });

  it('an http2 proxy: half a preface is closed after the headers timeout', async () => {
    const proxy = await createProxy(patient, 'h2half', h2address, { protocol: 'http2' });
    assert.equal(await dripUntilClosed(proxy.port, PREFACE.slice(0, 16), ''), '');
  });

  it('an http proxy: half a preface is read as HTTP/1.1 after the headers timeout, an unfinished head: 408', async () => {
    const proxy = await createProxy(patient, 'h1half', h1upstream.address, { protocol: 'http' });
    assert.match(
      await dripUntilClosed(proxy.port, PREFACE.slice(0, 16), ''),
      /^HTTP\/1\.1 408 Request Timeout\r\n/,
    );
  });
});
