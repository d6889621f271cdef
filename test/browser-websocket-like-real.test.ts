import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { startHttpApp } from './helpers.js';
import { openPageWithFaults, startBrowser } from './browser-helpers.js';

/**
 * The real things, served by the app: /real/refused answers the handshake with 503, /real/echo
 * is a `ws` echo server; and a port nobody listens on refuses the connection.
 */
const { server, origin: app } = await startHttpApp((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/html' });
  response.end('<!doctype html><html><head></head><body></body></html>');
});
const echo = new WebSocketServer({ noServer: true });
after(() => echo.close());
server.on('upgrade', (request, socket, head) => {
  if (request.url === '/real/refused')
    return socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  echo.handleUpgrade(request, socket, head, (peer) =>
    peer.on('message', (data, binary) => peer.send(binary ? data : `echo ${String(data)}`)),
  );
});
const unused = createServer().listen(0, '127.0.0.1');
await once(unused, 'listening');
const deadPort = (unused.address() as { port: number }).port;
unused.close();
const ws = app.replace('http', 'ws');
const browser = await startBrowser();

/**
 * In the page: everything the page can see of a socket, in order: its state when made, send()
 * before it opens, a microtask and a task later, each event with readyState, bufferedAmount and
 * the CloseEvent's fields, then send() and close() after it closed. `talk` is sent once it opens.
 */
const lifeOf = (url: string, talk?: string, closeAtOnce = false) => `new Promise((resolve) => {
  const seen = [];
  const socket = new WebSocket(${JSON.stringify(url)});
  const state = () => 'readyState ' + socket.readyState + ' bufferedAmount ' + socket.bufferedAmount;
  seen.push('made ' + state() + ' protocol ' + JSON.stringify(socket.protocol) + ' extensions ' + JSON.stringify(socket.extensions));
  try { socket.send('early'); seen.push('send before open went ' + state()); }
  catch (error) { seen.push('send before open threw ' + error.name + ': ' + error.message); }
  if (${closeAtOnce}) { socket.close(); seen.push('closed by the page ' + state()); }
  queueMicrotask(() => seen.push('a microtask later ' + state()));
  setTimeout(() => seen.push('a task later ' + state()), 0);
  for (const type of ['open', 'message', 'error', 'close'])
    socket.addEventListener(type, (event) => {
      seen.push(type + ' ' + state() + (event instanceof CloseEvent
        ? ' code ' + event.code + ' reason ' + JSON.stringify(event.reason) + ' wasClean ' + event.wasClean : '')
        + (type === 'message' ? ' ' + event.data : ''));
      if (type === 'open' && ${JSON.stringify(talk ?? null)} !== null) {
        socket.send(${JSON.stringify(talk ?? '')});
        seen.push('sent ' + state());
      }
      if (type === 'message') socket.close(1000, 'done');
      if (type === 'close') setTimeout(() => {
        socket.send('after');
        seen.push('send after close ' + state());
        socket.close();
        seen.push('close after close ' + state());
        resolve(seen);
      }, 0);
    });
})`;

describe('browser WebSocket faults look, event by event, like the failures they stand for', () => {
  test('a refused handshake (status, error, abort): CONNECTING, send() throws, error then close 1006 after the task', async () => {
    const tab = await openPageWithFaults(browser, app, [
      { url: '/fake/status$', status: 503 },
      { url: '/fake/error$', error: 'refused' },
      { url: '/fake/abort$', abort: true },
    ]);
    const answered = (await tab.evaluate(lifeOf(`${ws}/real/refused`))) as string[];
    const refused = (await tab.evaluate(lifeOf(`ws://127.0.0.1:${deadPort}/`))) as string[];
    // A refused connection and a refused handshake look alike to the page.
    assert.deepEqual(refused, answered);
    for (const effect of ['status', 'error', 'abort'])
      assert.deepEqual(await tab.evaluate(lifeOf(`${ws}/fake/${effect}`)), answered, effect);
    // The page's close() before the refusal comes: CLOSING, then error and close 1006.
    const closed = (await tab.evaluate(lifeOf(`${ws}/real/refused`, undefined, true))) as string[];
    assert.ok(closed.includes('closed by the page readyState 2 bufferedAmount 0'), String(closed));
    assert.deepEqual(await tab.evaluate(lifeOf(`${ws}/fake/status`, undefined, true)), closed);
    await tab.close();
  });

  test('a delay: what a held message adds to bufferedAmount shows until it is sent, as on a slow network', async () => {
    const tab = await openPageWithFaults(browser, app, [{ url: '/fake/echo$', delay: 100 }]);
    const real = (await tab.evaluate(lifeOf(`${ws}/real/echo`, 'hello é'))) as string[];
    assert.ok(real.includes('sent readyState 1 bufferedAmount 8'), String(real));
    assert.deepEqual(await tab.evaluate(lifeOf(`${ws}/fake/echo`, 'hello é')), real);
    await tab.close();
  });

  test('close() refuses a bad code or a long reason, before the socket opens and after, as without the script', async () => {
    const tab = await openPageWithFaults(browser, app, [
      { url: '/fake/refused$', status: 503 },
      { url: '/fake/echo$', delay: 100 },
    ]);
    /** In the page: what close() does with bad arguments while CONNECTING, then once open (if it opens). */
    const closing = (url: string) => `new Promise((resolve) => {
      const seen = [];
      const socket = new WebSocket(${JSON.stringify(url)});
      const tryClose = (when, ...args) => {
        try { socket.close(...args); seen.push(when + ' closed ' + socket.readyState); }
        catch (error) { seen.push(when + ' ' + error.name + ': ' + error.message + ' ' + socket.readyState); }
      };
      for (const args of [[999], [1000, 'x'.repeat(124)], [4000.4, 'é'.repeat(62)]]) tryClose('connecting', ...args);
      socket.onopen = () => {
        socket.send('held');
        for (const args of [[1001], [5000, 'r'], [3000, 'é'.repeat(62)]]) tryClose('open', ...args);
        seen.push('open ' + socket.readyState + ' ' + socket.bufferedAmount);
        socket.close();
        resolve(seen);
      };
      socket.onclose = () => resolve(seen);
    })`;
    assert.deepEqual(
      await tab.evaluate(closing(`${ws}/fake/refused`)),
      await tab.evaluate(closing(`${ws}/real/refused`)),
    );
    // An echo socket opens, a held message in its bufferedAmount, and still refuses bad arguments.
    const real = (await tab.evaluate(closing(`${ws}/real/echo`))) as string[];
    assert.ok(real.includes('open 1 4'), String(real));
    assert.deepEqual(await tab.evaluate(closing(`${ws}/fake/echo`)), real);
    await tab.close();
  });
});
