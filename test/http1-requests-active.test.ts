import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import {
  connect,
  createProxy,
  readAll,
  startHarness,
  startHttpApp,
  startTcpServer,
  waitFor,
} from './helpers.js';
import { requestsActiveOn } from './http-helpers.js';

const harness = await startHarness({ seed: 39 });
/** The upstream's answers not yet sent: a test ends them, or they end with their connection. */
const parked: ServerResponse[] = [];
const upstream = await startHttpApp((request, response) => {
  request.resume();
  if (request.url?.startsWith('/now')) return void response.end('now');
  parked.push(response);
});
const proxy = await createProxy(harness, 'watch', upstream.origin.slice('http://'.length), {
  protocol: 'http',
});
const clients: net.Socket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const response of parked.splice(0)) response.end('late');
  await harness.api('DELETE', '/proxies/watch/toxics/hold');
  await harness.api('DELETE', '/proxies/watch/toxics/cut');
  await waitFor(async () => (await requestsActive()) === 0, 'the gauge to go back to 0 between tests');
});

/** The watch proxy's faultline_http_requests_active. */
const requestsActive = () => requestsActiveOn(harness, 'watch');

async function client(): Promise<net.Socket> {
  const socket = await connect(proxy.port);
  socket.on('error', () => undefined);
  clients.push(socket);
  return socket;
}

function get(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nhost: watch\r\n${extra}\r\n`;
}

/** Reads the socket until `count` answers ending in `body` came (each answer's body is one word). */
function answers(socket: net.Socket, body: string, count: number): Promise<string> {
  let text = '';
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.split(body).length - 1 >= count) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
  });
}

async function addToxic(name: string, type: string, attributes: object): Promise<void> {
  const reply = await harness.api('POST', '/proxies/watch/toxics', { name, type, attributes });
  assert.equal(reply.status, 200, reply.text);
}

describe('faultline_http_requests_active on an http proxy: HTTP/1.1 requests in flight now', () => {
  it('is 0 with no request, 1 while the upstream holds the answer, 0 once the answer came', async () => {
    assert.equal(await requestsActive(), 0);
    const socket = await client();
    socket.write(get('/slow'));
    await waitFor(() => parked.length === 1, 'the request to reach the upstream');
    assert.equal(await requestsActive(), 1);
    const answered = answers(socket, 'done', 1);
    parked.shift()!.end('done');
    await answered;
    await waitFor(async () => (await requestsActive()) === 0, 'the answered request to leave the gauge');
  });

  it('goes back to 0 when the client aborts a request the upstream holds', async () => {
    const socket = await client();
    socket.write(get('/slow'));
    await waitFor(() => parked.length === 1, 'the request to reach the upstream');
    assert.equal(await requestsActive(), 1);
    socket.destroy();
    await waitFor(async () => (await requestsActive()) === 0, 'the aborted request to leave the gauge');
  });

  it('counts pipelined requests on one keep-alive connection, each until its answer, and the connection reused after', async () => {
    const socket = await client();
    socket.write(get('/a') + get('/b') + get('/c'));
    await waitFor(() => parked.length === 3, 'the three requests to reach the upstream');
    assert.equal(await requestsActive(), 3);
    const first = answers(socket, 'one', 1);
    parked.shift()!.end('one');
    await first;
    await waitFor(async () => (await requestsActive()) === 2, 'the first answer to leave the gauge');
    const rest = answers(socket, 'two', 2);
    parked.shift()!.end('two');
    parked.shift()!.end('two');
    await rest;
    await waitFor(async () => (await requestsActive()) === 0, 'the pipelined answers to leave the gauge');
    const again = answers(socket, 'now', 1);
    socket.write(get('/now'));
    await again;
    await waitFor(async () => (await requestsActive()) === 0, 'the reused connection to leave 0');
  });

  it('counts many parallel requests on their own connections, and all leave', async () => {
    const sockets = await Promise.all(Array.from({ length: 40 }, () => client()));
    for (const socket of sockets) socket.write(get('/slow'));
    await waitFor(() => parked.length === 40, 'the 40 requests to reach the upstream');
    assert.equal(await requestsActive(), 40);
    const answered = sockets.map((socket) => answers(socket, 'done', 1));
    for (const response of parked.splice(0, 20)) response.end('done');
    await Promise.all(answered.slice(0, 20));
    await waitFor(async () => (await requestsActive()) === 20, 'half the answers to leave the gauge');
    for (const socket of sockets.slice(20)) socket.destroy();
    await waitFor(async () => (await requestsActive()) === 0, 'the aborted half to leave the gauge');
  });

  it('counts a request a request delay holds, and its client abort brings 0', async () => {
    await addToxic('hold', 'http_delay', { stage: 'request', delay: 600_000 });
    const socket = await client();
    socket.write(get('/slow'));
    await waitFor(async () => (await requestsActive()) === 1, 'the held request to show');
    assert.equal(parked.length, 0, 'the request is held before the upstream');
    socket.destroy();
    await waitFor(async () => (await requestsActive()) === 0, 'the aborted request to leave the gauge');
  });

  it('counts an answer a response delay holds until the client gets it', async () => {
    await addToxic('hold', 'http_delay', { stage: 'response', delay: 600_000 });
    const socket = await client();
    socket.write(get('/now'));
    await waitFor(async () => (await requestsActive()) === 1, 'the held answer to show');
    const answered = answers(socket, 'now', 1);
    await harness.api('DELETE', '/proxies/watch/toxics/hold');
    await answered;
    await waitFor(async () => (await requestsActive()) === 0, 'the released answer to leave the gauge');
  });

  it('counts pipelined requests queued behind a held one, and all leave when the client aborts', async () => {
    await addToxic('hold', 'http_delay', { stage: 'request', delay: 600_000 });
    const socket = await client();
    socket.write(get('/a') + get('/b') + get('/c'));
    await waitFor(async () => (await requestsActive()) === 3, 'the three held requests to show');
    socket.destroy();
    await waitFor(async () => (await requestsActive()) === 0, 'the queued requests to leave the gauge');
  });

  it('goes back to 0 after a fault that resets the connection, and after one that answers', async () => {
    await addToxic('cut', 'http_abort', { action: 'reset' });
    const reset = await client();
    const gone = readAll(reset).catch(() => Buffer.alloc(0));
    reset.write(get('/a'));
    await gone;
    await waitFor(async () => (await requestsActive()) === 0, 'the reset request to leave the gauge');
    await harness.api('DELETE', '/proxies/watch/toxics/cut');
    await addToxic('cut', 'http_abort', { action: 'respond', status: 503, body: 'down' });
    const socket = await client();
    const answered = answers(socket, 'down', 2);
    socket.write(get('/a') + get('/b'));
    await answered;
    await waitFor(async () => (await requestsActive()) === 0, 'the answered aborts to leave the gauge');
  });

  it('goes back to 0 when the upstream fails the request, on the pass-through and the full path', async () => {
    for (const path of ['pass-through', 'full']) {
      if (path === 'full') await addToxic('hold', 'http_delay', { stage: 'request', delay: 0 });
      const socket = await client();
      socket.write(get('/slow'));
      await waitFor(() => parked.length === 1, `the request (${path}) to reach the upstream`);
      assert.equal(await requestsActive(), 1);
      const failed = answers(socket, '502', 1);
      parked.shift()!.socket!.destroy();
      await failed;
      await waitFor(async () => (await requestsActive()) === 0, `the failed request (${path}) to leave`);
    }
  });

  it('goes back to 0 when the proxy is disabled under held requests', async () => {
    const socket = await client();
    socket.write(get('/slow'));
    await waitFor(() => parked.length === 1, 'the request to reach the upstream');
    await addToxic('hold', 'http_delay', { stage: 'request', delay: 600_000 });
    const other = await client();
    other.write(get('/slow'));
    await waitFor(async () => (await requestsActive()) === 2, 'both held requests to show');
    assert.equal((await harness.api('POST', '/proxies/watch', { enabled: false })).status, 200);
    await waitFor(async () => (await requestsActive()) === 0, 'the disabled proxy to have none in flight');
    assert.equal((await harness.api('POST', '/proxies/watch', { enabled: true })).status, 200);
  });

  it('counts an Upgrade (WebSocket) while its connection is open', async () => {
    const tunnel = await startTcpServer((socket) => {
      socket.once('data', () =>
        socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n'),
      );
    });
    await createProxy(harness, 'tunnel', tunnel.address, { protocol: 'http' });
    const tunnelActive = async () =>
      Number(
        (await harness.api('GET', '/metrics')).text
          .split('\n')
          .find((row) => row.startsWith('faultline_http_requests_active{proxy="tunnel"} '))
          ?.split(' ')[1],
      );
    for (const path of ['pass-through', 'full']) {
      if (path === 'full')
        await harness.api('POST', '/proxies/tunnel/toxics', { type: 'http_delay', attributes: {} });
      const socket = await connect(
        Number((await harness.api('GET', '/proxies/tunnel')).json.listen.split(':').pop()),
      );
      socket.on('error', () => undefined);
      const upgraded = answers(socket, '\r\n\r\n', 1);
      socket.write(get('/ws', 'upgrade: websocket\r\nconnection: upgrade\r\n'));
      await upgraded;
      await waitFor(async () => (await tunnelActive()) === 1, `the open WebSocket (${path}) to show`);
      socket.destroy();
      await waitFor(
        async () => (await tunnelActive()) === 0,
        `the closed WebSocket (${path}) to leave the gauge`,
      );
    }
    await harness.api('DELETE', '/proxies/tunnel');
  });
});
