import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import { closedPort, createProxy, readAll, startHarness, startTcpServer, waitFor } from './helpers.js';
import { collectEvents, startHttpUpstream } from './http-helpers.js';

/**
 * An http proxy with no HTTP fault to apply passes each connection's bytes through, while a
 * parser finds where requests and answers end: a toxic added later then takes the connection's
 * next request, which only works if every boundary before it was found (HEAD, chunked, 1xx,
 * pipelining, answers read to the close).
 */
const harness = await startHarness({ seed: 5 });
const events = collectEvents(harness);
const upstream = await startHttpUpstream();
const proxy = await createProxy(harness, 'bytes', upstream.address, { protocol: 'http' });

const abortAll = async () => {
  const added = await harness.api('POST', '/proxies/bytes/toxics', {
    name: 'all',
    type: 'http_abort',
    attributes: { status: 503, body: 'faulted' },
  });
  assert.equal(added.status, 200, added.text);
};
const removeAbort = async () =>
  assert.equal((await harness.api('DELETE', '/proxies/bytes/toxics/all')).status, 204);

/** Reads from `socket` until `done` holds for what came since the last call; the socket stays open. */
function readUntil(socket: net.Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += String(chunk);
      if (!done(text)) return;
      socket.off('data', onData).off('close', onClose);
      resolve(text);
    };
    const onClose = () => reject(new Error(`the connection closed after ${JSON.stringify(text)}`));
    socket.on('data', onData).once('close', onClose);
  });
}

async function open(port = proxy.port): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  return socket;
}

/** After the answers read so far, a toxic added now takes the connection's next request. */
async function nextIsFaulted(socket: net.Socket): Promise<void> {
  const before = upstream.seen.length;
  await abortAll();
  try {
    socket.write('GET /after HTTP/1.1\r\nhost: x\r\n\r\n');
    const answer = await readUntil(socket, (text) => text.endsWith('faulted'));
    assert.match(answer, /^HTTP\/1\.1 503 /);
    assert.equal(upstream.seen.length, before, 'the faulted request reached the upstream');
  } finally {
    await removeAbort();
    socket.destroy();
  }
}

describe('http proxy pass-through: boundaries', () => {
  it('a HEAD answer announces a length and has no body', async () => {
    const socket = await open();
    socket.write('HEAD /json HTTP/1.1\r\nhost: x\r\n\r\n');
    const head = await readUntil(socket, (text) => text.includes('\r\n\r\n'));
    assert.match(head, /content-length: \d+/i);
    await nextIsFaulted(socket);
  });

  it('a chunked answer ends at its last chunk', async () => {
    const socket = await open();
    socket.write('GET /big/300000 HTTP/1.1\r\nhost: x\r\n\r\n');
    const answer = await readUntil(socket, (text) => text.endsWith('\r\n0\r\n\r\n'));
    assert.match(answer, /transfer-encoding: chunked/i);
    await nextIsFaulted(socket);
  });

  it('100 Continue is no answer: the final one after the body is', async () => {
    const socket = await open();
    socket.write('POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n');
    await readUntil(socket, (text) => text.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
    socket.write('hello');
    await readUntil(socket, (text) => text.endsWith('\r\n0\r\n\r\n'));
    await nextIsFaulted(socket);
  });

  it('pipelined requests are answered in order, a chunked request body between them', async () => {
    const socket = await open();
    socket.write(
      'GET /p/1 HTTP/1.1\r\nhost: x\r\n\r\n' +
        'POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
        'HEAD /json HTTP/1.1\r\nhost: x\r\n\r\nGET /p/3 HTTP/1.1\r\nhost: x\r\n\r\n',
    );
    // The upstream answers "ok <url>" chunked.
    const answers = await readUntil(socket, (text) => text.endsWith('ok GET /p/3\r\n0\r\n\r\n'));
    assert.equal(answers.match(/HTTP\/1\.1 200 OK/g)?.length, 4);
    assert.match(answers, /ok GET \/p\/1[\s\S]*abc[\s\S]*ok GET \/p\/3\r\n0\r\n\r\n$/);
    await nextIsFaulted(socket);
  });

  it("a request sent while an earlier one waits for its answer is the toxic's, once that answer is through", async () => {
    let release: (() => void) | undefined;
    const slow = await startTcpServer((socket) => {
      socket.once('data', () => {
        release = () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nslow');
      });
    });
    const slowProxy = await createProxy(harness, 'slowBytes', slow.address, { protocol: 'http' });
    const socket = await open(slowProxy.port);
    socket.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n');
    await waitFor(() => release !== undefined, 'the upstream to get /slow');
    const added = await harness.api('POST', '/proxies/slowBytes/toxics', {
      name: 'late',
      type: 'http_abort',
      attributes: { status: 503, body: 'faulted' },
    });
    assert.equal(added.status, 200, added.text);
    socket.write('GET /after HTTP/1.1\r\nhost: x\r\n\r\n');
    const reading = readUntil(socket, (text) => text.endsWith('faulted'));
    release!();
    const answers = await reading;
    assert.match(answers, /^HTTP\/1\.1 200 OK\r\n[\s\S]*slowHTTP\/1\.1 503 /);
    socket.destroy();
  });

  it('requests pipelined behind one that closes the connection go unanswered, with no failure reported', async () => {
    const socket = await open();
    socket.write(
      'GET /last HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\nGET /ignored HTTP/1.1\r\nhost: x\r\n\r\n',
    );
    const answers = String(await readAll(socket));
    assert.equal(answers.match(/HTTP\/1\.1 /g)?.length, 1, answers);
    assert.match(answers, /ok GET \/last/);
    assert.equal(
      events.some((event) => event.type === 'http.upstream_failed' && event.path === '/ignored'),
      false,
    );
  });

  it('an answer without a length ends with the connection, which the client sees close', async () => {
    const unbounded = await startTcpServer((socket) =>
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nall of it')),
    );
    const viaUnbounded = await createProxy(harness, 'unbounded', unbounded.address, { protocol: 'http' });
    const socket = await open(viaUnbounded.port);
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.match(String(await readAll(socket)), /\r\n\r\nall of it$/);
  });
});

describe('http proxy pass-through: switching', () => {
  it('header faults switched on take the next request of an open connection', async () => {
    const switching = await createProxy(harness, 'headerSwitch', upstream.address, { protocol: 'http' });
    const socket = await open(switching.port);
    socket.write('GET /before HTTP/1.1\r\nhost: x\r\nx-faultline-abort: 503\r\n\r\n');
    assert.match(await readUntil(socket, (text) => text.endsWith('0\r\n\r\n')), /^HTTP\/1\.1 200 /);
    const updated = await harness.api('POST', '/proxies/headerSwitch', { header_faults: true });
    assert.equal(updated.status, 200, updated.text);
    const before = upstream.seen.length;
    socket.write('GET /after HTTP/1.1\r\nhost: x\r\nx-faultline-abort: 503\r\n\r\n');
    assert.match(await readUntil(socket, (text) => /\r\n\r\n/.test(text)), /^HTTP\/1\.1 503 /);
    assert.equal(upstream.seen.length, before);
    socket.destroy();
  });

  it('a switched connection stays on the full path when the toxic goes; a new one passes through again', async () => {
    const socket = await open();
    socket.write('GET /one HTTP/1.1\r\nhost: x\r\n\r\n');
    await readUntil(socket, (text) => text.endsWith('0\r\n\r\n'));
    await abortAll();
    socket.write('GET /two HTTP/1.1\r\nhost: x\r\n\r\n');
    await readUntil(socket, (text) => text.endsWith('faulted'));
    await removeAbort();
    // The full path drops the upstream's hop-by-hop Keep-Alive; a pass-through answer keeps it.
    socket.write('GET /three HTTP/1.1\r\nhost: x\r\n\r\n');
    const full = await readUntil(socket, (text) => text.endsWith('0\r\n\r\n'));
    assert.match(full, /ok GET \/three/);
    assert.doesNotMatch(full, /keep-alive: timeout/i);
    socket.destroy();
    const fresh = await open();
    fresh.write('GET /four HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.match(await readUntil(fresh, (text) => text.endsWith('0\r\n\r\n')), /keep-alive: timeout/i);
    fresh.destroy();
  });
});

describe('http proxy pass-through: the upstream connection', () => {
  it('an upstream that closes an idle connection is dialled again for the next request', async () => {
    const closed: Array<Promise<unknown>> = [];
    const closing = await startTcpServer((socket) => {
      closed.push(once(socket, 'close'));
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
    });
    const viaClosing = await createProxy(harness, 'closing', closing.address, { protocol: 'http' });
    const socket = await open(viaClosing.port);
    socket.write('GET /1 HTTP/1.1\r\nhost: x\r\n\r\n');
    await readUntil(socket, (text) => text.endsWith('ok'));
    await waitFor(() => closed.length === 1, 'the first upstream connection');
    await closed[0];
    socket.write('GET /2 HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.match(await readUntil(socket, (text) => text.endsWith('ok')), /^HTTP\/1\.1 200 OK/);
    assert.equal(closed.length, 2);
    socket.destroy();
  });

  it('an upstream that cannot be reached gets a 502 saying so, and an event', async () => {
    const port = await closedPort();
    const unreachable = await createProxy(harness, 'unreachable', `127.0.0.1:${port}`, { protocol: 'http' });
    const socket = await open(unreachable.port);
    socket.write('GET /orders HTTP/1.1\r\nhost: x\r\n\r\n');
    const answer = String(await readAll(socket));
    assert.match(answer, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    assert.match(
      answer,
      new RegExp(
        `faultline: could not connect to the upstream 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): nothing listens on the upstream's port; start the upstream, or point the proxy at the right one \\(POST /proxies/unreachable .*\\)\\n$`,
      ),
    );
    await waitFor(
      () => events.some((event) => event.type === 'http.upstream_failed' && event.proxy === 'unreachable'),
      'the upstream failure event',
    );
  });

  it('an answer the upstream cuts in its body closes the client connection, and the event says after how many bytes', async () => {
    const cutting = await startTcpServer((socket) =>
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789', () => socket.destroy());
      }),
    );
    const viaCutting = await createProxy(harness, 'cutting', cutting.address, { protocol: 'http' });
    const socket = await open(viaCutting.port);
    socket.write('GET /cut HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.match(String(await readAll(socket)), /\r\n\r\n0123456789$/);
    await waitFor(
      () => events.some((event) => event.type === 'http.upstream_failed' && event.proxy === 'cutting'),
      'the cut event',
    );
    const cut = events.find((event) => event.type === 'http.upstream_failed' && event.proxy === 'cutting');
    assert.ok(cut?.type === 'http.upstream_failed');
    assert.deepEqual([cut.path, cut.status, cut.cut, cut.bodyBytes], ['/cut', 200, true, 10]);
  });
});

describe('http proxy pass-through: limits and ends', () => {
  it('a request head over 16 KiB goes to node:http, which refuses it (400) as on the full path', async () => {
    const socket = await open();
    socket.write(`GET /big-head HTTP/1.1\r\nhost: x\r\nx-filler: ${'a'.repeat(20 * 1024)}`);
    assert.match(String(await readAll(socket)), /^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('an answer head over 16 KiB is a 502 saying so, as on the full path', async () => {
    const huge = await startTcpServer((socket) =>
      socket.once('data', () => socket.write(`HTTP/1.1 200 OK\r\nx-filler: ${'a'.repeat(20 * 1024)}`)),
    );
    const viaHuge = await createProxy(harness, 'hugeHead', huge.address, { protocol: 'http' });
    const socket = await open(viaHuge.port);
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.match(String(await readAll(socket)), /^HTTP\/1\.1 502 [\s\S]*UND_ERR_HEADERS_OVERFLOW/);
  });

  it('a client that half-closes after its request still gets the answer, then the close', async () => {
    const socket = await open();
    socket.end('GET /half HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.match(String(await readAll(socket)), /^HTTP\/1\.1 200 OK[\s\S]*ok GET \/half/);
  });
});

describe('http proxy pass-through: what is not HTTP', () => {
  it('a malformed request is answered 400 by node:http, as on the full path', async () => {
    const socket = await open();
    socket.write('GET /x HTTP/1.1\r\nbad header\r\n\r\n');
    assert.match(String(await readAll(socket)), /^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('a request body that stops being HTTP resets the connection, and an event says why', async () => {
    const socket = await open();
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n');
    await closed;
    await waitFor(
      () => events.some((event) => event.type === 'protocol.mismatch' && event.proxy === 'bytes'),
      'the protocol.mismatch event',
    );
    const mismatch = events.find((event) => event.type === 'protocol.mismatch' && event.proxy === 'bytes');
    assert.ok(mismatch?.type === 'protocol.mismatch');
    assert.match(
      mismatch.detail ?? '',
      /^the body of POST \/echo HTTP\/1\.1 is not HTTP\/1\.1 \(HPE_INVALID_CHUNK_SIZE: /,
    );
  });
});

describe('http proxy pass-through: bytes cut anywhere', () => {
  it('pipelined requests in pieces of any size, a toxic added between two pieces: each answered once, none sent twice', async () => {
    const reached: string[] = [];
    const mixed = http.createServer((request, response) => {
      reached.push(request.url ?? '');
      let size = 0;
      request.on('data', (chunk: Buffer) => (size += chunk.length));
      request.on('end', () => {
        const kind = Number(request.url?.split('/')[2]) % 3;
        if (kind === 0)
          response.writeHead(200, { 'content-length': 6 }).end(`n=${String(size).padStart(4, '0')}`);
        else if (kind === 1) {
          response.writeHead(200);
          response.write('first');
          setImmediate(() => response.end(' then the rest'));
        } else response.writeHead(204).end();
      });
    });
    mixed.listen(0, '127.0.0.1');
    await once(mixed, 'listening');
    const viaMixed = await createProxy(
      harness,
      'pieces',
      `127.0.0.1:${(mixed.address() as net.AddressInfo).port}`,
      {
        protocol: 'http',
      },
    );
    let state = 7;
    const random = () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state / 0x7fffffff;
    };
    const perConnection = 8;
    let faulted = 0;
    for (let connection = 0; connection < 8; connection += 1) {
      let text = '';
      for (let index = 0; index < perConnection; index += 1) {
        const body = random() < 0.5 ? 'b'.repeat(Math.floor(random() * 3000)) : '';
        const method = random() < 0.2 ? 'HEAD' : body ? 'POST' : 'GET';
        const framing = !body
          ? '\r\n'
          : random() < 0.5
            ? `transfer-encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
            : `content-length: ${body.length}\r\n\r\n${body}`;
        text += `${method} /r/${index}/${connection} HTTP/1.1\r\nhost: x\r\n${framing}`;
      }
      const socket = await open(viaMixed.port);
      let answers = '';
      socket.on('data', (chunk: Buffer) => (answers += String(chunk)));
      const bytes = Buffer.from(text);
      const addAt = Math.floor(random() * 12);
      for (let offset = 0, piece = 0; offset < bytes.length; piece += 1) {
        const size = 1 + Math.floor(random() * (random() < 0.3 ? 5 : 700));
        socket.write(bytes.subarray(offset, offset + size));
        offset += size;
        if (piece === addAt) {
          const added = await harness.api('POST', '/proxies/pieces/toxics', {
            name: 'fifth',
            type: 'http_abort',
            attributes: { status: 503, match: { path: '/r/5/*' } },
          });
          assert.equal(added.status, 200, added.text);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      await waitFor(
        () => (answers.match(/HTTP\/1\.1 \d+/g) ?? []).length === perConnection,
        `the ${perConnection} answers of connection ${connection}`,
      );
      faulted += (answers.match(/HTTP\/1\.1 503/g) ?? []).length;
      await harness.api('DELETE', '/proxies/pieces/toxics/fifth');
      socket.destroy();
    }
    assert.equal(new Set(reached).size, reached.length, 'a request reached the upstream twice');
    assert.equal(reached.length + faulted, 8 * perConnection);
    mixed.closeAllConnections();
    mixed.close();
  });
});

describe('a client that never finishes a request head (slowloris)', () => {
  it('gets a 408 and the connection closes after the headers timeout, as on the full path', async () => {
    const strict = await startHarness({ seed: 5, limits: { clientHeadersTimeoutMs: 200 } });
    const slow = await createProxy(strict, 'slow', upstream.address, { protocol: 'http' });
    const socket = await open(slow.port);
    // One whole request first: the connection is a pass-through, and answers it as usual.
    socket.write('GET /first HTTP/1.1\r\nhost: x\r\n\r\n');
    await readUntil(socket, (text) => /^HTTP\/1\.1 200 [^]*\r\n\r\n/.test(text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += String(chunk)));
    const closed = once(socket, 'close');
    socket.write('GET /never-finished HTTP/1.1\r\nhost: x\r\nx-a: ');
    // A byte now and then, as slowloris sends, keeps nothing open past the timeout.
    const drip = setInterval(() => socket.write('a'), 50);
    await closed;
    clearInterval(drip);
    assert.match(answer, /HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(!upstream.seen.some((request) => request.url === '/never-finished'));
  });
});
