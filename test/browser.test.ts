import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { browserScript } from '../src/browser/bundle.js';
import { launchChromium } from './helpers.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** A page that loads four items, two with fetch and two with XHR, and shows each result. */
const page = `<!doctype html><html><head><title>shop</title></head><body><ul id="results"></ul>
<script>
const started = performance.now();
const show = (id, text, ok) => { const li = document.createElement('li'); li.id = id; li.className = ok ? 'ok' : 'error'; li.textContent = text; document.getElementById('results').append(li); };
const viaFetch = (n) => fetch('/api/item/' + n).then((r) => { if (!r.ok) throw new Error('status ' + r.status); return r.json(); });
const viaXhr = (n) => new Promise((resolve, reject) => { const x = new XMLHttpRequest(); x.open('GET', '/api/item/' + n);
  x.onload = () => (x.status === 200 ? resolve(JSON.parse(x.responseText)) : reject(new Error('status ' + x.status)));
  x.onerror = () => reject(new Error('network error')); x.send(); });
(async () => {
  for (const [n, load] of [[1, viaFetch], [2, viaFetch], [3, viaXhr], [4, viaXhr]]) {
    try { const item = await load(n); show('r' + n, 'ok ' + item.id, true); } catch (e) { show('r' + n, 'error: ' + e.message, false); }
  }
  document.body.dataset.elapsed = String(Math.round(performance.now() - started));
  document.body.dataset.done = 'yes';
})();
</script></body></html>`;
const children: ChildProcess[] = [];
const server = http.createServer((request, response) => {
  if (request.url?.startsWith('/api/item/')) {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    return response.end(JSON.stringify({ id: Number(request.url.split('/').pop()) }));
  }
  response.writeHead(200, { 'Content-Type': 'text/html' });
  response.end(page);
});
const sockets = new WebSocketServer({ server });
sockets.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo ${data}`)));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const app = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser: Browser = await launchChromium();
after(async () => {
  await browser.close();
  for (const child of children) if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
  for (const client of sockets.clients) client.terminate();
  sockets.close();
  server.closeAllConnections();
  server.close();
});

async function results(target: Page, url: string) {
  await target.goto(url);
  await target.waitForSelector('body[data-done="yes"]', { timeout: 20_000 });
  const items = await target.$$eval('#results li', (nodes) =>
    nodes.map((node) => [node.id, node.className, node.textContent]),
  );
  return { items, elapsed: Number(await target.getAttribute('body', 'data-elapsed')) };
}

describe('the browser script in headless Chromium', () => {
  test('without faults every item loads', async () => {
    const tab = await browser.newPage();
    const { items } = await results(tab, app);
    assert.deepEqual(
      items.map(([, state]) => state),
      ['ok', 'ok', 'ok', 'ok'],
    );
    await tab.close();
  });

  test('a 150 ms delay on /api/ makes the page finish at least 4 × 150 ms later, with every item loaded', async () => {
    const plain = await browser.newPage();
    const baseline = (await results(plain, app)).elapsed;
    await plain.close();
    const tab = await browser.newPage();
    const logs: string[] = [];
    tab.on('console', (message) => logs.push(message.text()));
    await tab.addInitScript(browserScript([{ delay: 150, url: '/api/' }]));
    const { items, elapsed } = await results(tab, app);
    assert.deepEqual(
      items.map(([, state]) => state),
      ['ok', 'ok', 'ok', 'ok'],
    );
    assert.ok(elapsed >= 600, `the page took ${elapsed} ms (baseline ${baseline} ms)`);
    assert.ok(
      logs.some((line) =>
        line.startsWith(
          '[faultline] installed 1 fault(s): delays requests whose URL matches "/api/" by 150 ms',
        ),
      ),
    );
    assert.equal(
      logs.filter((line) => line.startsWith('[faultline] fetch') || line.startsWith('[faultline] xhr'))
        .length,
      4,
    );
    await tab.close();
  });

  test('a status fault reaches fetch and XHR alike; uninstall() restores the originals', async () => {
    const tab = await browser.newPage();
    await tab.addInitScript(browserScript([{ status: 503, url: '/api/' }]));
    const { items } = await results(tab, app);
    assert.deepEqual(
      items.map(([, , text]) => text),
      ['error: status 503', 'error: status 503', 'error: status 503', 'error: status 503'],
    );
    const after = await tab.evaluate(async () => {
      (globalThis as unknown as { faultline: { uninstall(): void } }).faultline.uninstall();
      return (await fetch('/api/item/9')).status;
    });
    assert.equal(after, 200);
    await tab.close();
  });

  test('uninstall() lets what a delay holds go on at once, with no further fault: fetch, XHR and WebSocket messages', async () => {
    const tab = await browser.newPage();
    const hour = 3_600_000;
    await tab.addInitScript(
      browserScript([
        { delay: hour, status: 503, url: '/api/' },
        { delay: hour, url: '/held$' },
      ]),
    );
    await tab.goto(app);
    const seen = await tab.evaluate(
      (address) =>
        new Promise<string[]>((resolve) => {
          const uninstall = () =>
            (globalThis as unknown as { faultline: { uninstall(): void } }).faultline.uninstall();
          const socket = new WebSocket(address);
          const messages: string[] = [];
          const record = (message: string) => {
            messages.push(message);
            if (messages.length === 4) resolve(messages);
          };
          socket.onmessage = (event) => record(String(event.data));
          socket.onopen = () => {
            const viaFetch = fetch('/api/item/1').then((response) => `fetch ${response.status}`);
            interface Request {
              status: number;
              onloadend: () => void;
              open(method: string, url: string): void;
              send(): void;
            }
            const Xhr = (globalThis as unknown as { XMLHttpRequest: new () => Request }).XMLHttpRequest;
            const viaXhr = new Promise<string>((done) => {
              const request = new Xhr();
              request.open('GET', '/api/item/2');
              request.onloadend = () => done(`xhr ${request.status}`);
              request.send();
            });
            socket.send('held');
            uninstall();
            socket.send('after');
            void viaFetch.then(record, (error: Error) => record(`fetch ${error.message}`));
            void viaXhr.then(record);
          };
          setTimeout(() => resolve([...messages, 'still held after 20 s']), 20_000);
        }),
      `${app.replace('http', 'ws')}/held`,
    );
    assert.deepEqual(seen.sort(), ['echo after', 'echo held', 'fetch 200', 'xhr 200']);
    await tab.close();
  });

  test('abort looks like an abort: XHR fires abort (not error) and ends UNSENT with status 0; fetch rejects with an AbortError', async () => {
    const tab = await browser.newPage();
    await tab.addInitScript(browserScript([{ abort: true, url: '/api/' }]));
    await tab.goto(app);
    const seen = await tab.evaluate(async () => {
      interface Target {
        addEventListener(type: string, listener: () => void): void;
      }
      interface Request extends Target {
        readyState: number;
        status: number;
        upload: Target;
        open(method: string, url: string): void;
        send(body: string | null): void;
        abort(): void;
      }
      const Xhr = (globalThis as unknown as { XMLHttpRequest: new () => Request }).XMLHttpRequest;
      /** The events a request fires, with readyState and status at each; `abort` aborts it at once. */
      const xhr = (url: string, body: string | null, abort: boolean) =>
        new Promise<string[]>((resolve) => {
          const request = new Xhr();
          const events: string[] = [];
          const note =
            (type: string, where = '') =>
            () =>
              events.push(`${where}${type} ${request.readyState} ${request.status}`);
          request.open(body === null ? 'GET' : 'POST', url);
          for (const type of ['readystatechange', 'load', 'error', 'abort', 'timeout'])
            request.addEventListener(type, note(type));
          for (const type of ['abort', 'error', 'loadend'])
            request.upload.addEventListener(type, note(type, 'upload '));
          request.addEventListener('loadend', () => {
            events.push(`loadend ${request.readyState} ${request.status}`);
            queueMicrotask(() => resolve([...events, `after ${request.readyState} ${request.status}`]));
          });
          request.send(body);
          if (abort) request.abort();
        });
      const fetched = await fetch('/api/item/1').then(
        () => 'resolved',
        (error: Error) => `${error.name} ${error instanceof DOMException}`,
      );
      return {
        get: await xhr('/api/item/1', null, false),
        post: await xhr('/api/item/1', 'payload', false),
        realGet: await xhr('/other/1', null, true),
        realPost: await xhr('/other/1', 'payload', true),
        fetched,
      };
    });
    // Chromium fires the upload's events too, with or without a body, when the page listens there.
    const aborted = [
      'readystatechange 4 0',
      'upload abort 4 0',
      'upload loadend 4 0',
      'abort 4 0',
      'loadend 4 0',
      'after 0 0',
    ];
    assert.deepEqual(seen, {
      get: aborted,
      post: aborted,
      realGet: aborted,
      realPost: aborted,
      fetched: 'AbortError true',
    });
    await tab.close();
  });

  test('WebSocket: an error or status fault closes the socket before it opens; without it, messages flow', async () => {
    const tab = await browser.newPage();
    const talk = (url: string) =>
      tab.evaluate(
        (address) =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(address);
            socket.onopen = () => socket.send('hi');
            socket.onmessage = (event) => resolve(String(event.data));
            socket.onclose = () => resolve('closed');
          }),
        url,
      );
    await tab.addInitScript(
      browserScript([
        { error: 'refused', url: '/chaos$' },
        { status: 503, url: '/unavailable$' },
      ]),
    );
    await tab.goto(app);
    const ws = app.replace('http', 'ws');
    assert.equal(await talk(`${ws}/chaos`), 'closed');
    assert.equal(await talk(`${ws}/unavailable`), 'closed', 'a status answer to the handshake fails it');
    assert.equal(await talk(`${ws}/calm`), 'echo hi');
    await tab.close();
  });
});

describe('faultline browser-proxy', () => {
  test("injects the script into the app's pages: an error on every second request shows as errors for exactly those items", async () => {
    const proxy = spawn(
      process.execPath,
      [cli, 'browser-proxy', '--target', app, '--port', '0', '--error', '--every', '2', '--url', '/api/'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(proxy);
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      proxy.stderr!.on('data', (chunk) => {
        stderr += chunk;
        const match = /browser-proxy on (http:\/\/\S+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      proxy.once('exit', (code) => reject(new Error(`browser-proxy exited ${code}: ${stderr}`)));
    });
    assert.match(
      stderr,
      /fails requests whose URL matches "\/api\/" with network error \(faultline\), on every 2nd request/,
    );
    const tab = await browser.newPage();
    const { items } = await results(tab, url);
    assert.deepEqual(items, [
      ['r1', 'ok', 'ok 1'],
      ['r2', 'error', 'error: Failed to fetch (faultline)'],
      ['r3', 'ok', 'ok 3'],
      ['r4', 'error', 'error: network error'],
    ]);
    await tab.close();
  });
});
