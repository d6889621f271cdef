import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { browserScript } from '../src/browser/bundle.js';
import type { FaultSpec } from '../src/model/fault.js';
import type { FaultApplied } from '../src/model/fault-event.js';
import { closedPort, launchChromium, startHttpApp, waitFor } from './helpers.js';

/** The messages the app's sockets received; GET /close-sockets has the app close every socket. */
const received: string[] = [];
const { server, origin: app } = await startHttpApp((request, response) => {
  if (request.url === '/close-sockets') for (const client of sockets.clients) client.close(4000, 'bye');
  response.writeHead(200, { 'Content-Type': 'text/html' });
  response.end('<!doctype html><html><head></head><body></body></html>');
});
const sockets = new WebSocketServer({ server });
sockets.on('connection', (socket) =>
  socket.on('message', (data) => {
    received.push(String(data));
    socket.send(`echo ${String(data)}`);
  }),
);
const browser = await launchChromium();
after(async () => {
  await browser.close();
  for (const client of sockets.clients) client.terminate();
  sockets.close();
});
const ws = app.replace('http', 'ws');
const hour = 3_600_000;

async function pageWith(faults: FaultSpec[]) {
  const tab = await browser.newPage();
  const lines: string[] = [];
  tab.on('console', (message) => {
    if (message.text().startsWith('[faultline] websocket')) lines.push(message.text());
  });
  await tab.addInitScript(
    "window.__reports = []; addEventListener('faultline:fault', (event) => window.__reports.push(event.detail));",
  );
  await tab.addInitScript(browserScript(faults));
  await tab.goto(app);
  const reports = () =>
    tab.evaluate(() => {
      const page = globalThis as unknown as {
        __reports: FaultApplied[];
        faultline: { counts: Record<string, number> };
      };
      return { reports: page.__reports, counts: page.faultline.counts };
    });
  return { tab, lines, reports };
}

describe('browser WebSocket faults report what happened to the socket and its messages', () => {
  test('a delay is reported for each message it held and sent, and not for a socket that sent none', async () => {
    const { tab, reports } = await pageWith([{ name: 'slow-socket', delay: 20, url: '/live$' }]);
    const echoes = await tab.evaluate(
      (address) =>
        new Promise<string[]>((resolve) => {
          new WebSocket(address);
          const socket = new WebSocket(address);
          const seen: string[] = [];
          socket.onopen = () => ['a', 'b', 'c'].forEach((text) => socket.send(text));
          socket.onmessage = (event) => {
            seen.push(String(event.data));
            if (seen.length === 3) resolve(seen);
          };
        }),
      `${ws}/live`,
    );
    assert.deepEqual(echoes, ['echo a', 'echo b', 'echo c']);
    const { reports: seen, counts } = await reports();
    assert.deepEqual(
      seen.map(({ fault, target, effect, call, cutShort }) => [fault, target, effect, call.url, cutShort]),
      [
        ['slow-socket', 'websocket', 'delay', `${ws}/live`, undefined],
        ['slow-socket', 'websocket', 'delay', `${ws}/live`, undefined],
        ['slow-socket', 'websocket', 'delay', `${ws}/live`, undefined],
      ],
    );
    assert.deepEqual(counts, { 'slow-socket': 3 }, 'three messages held, on one of the two sockets');
    await tab.close();
  });

  test("the page's close() sends what a delay holds at once, ahead of the close, reported as cut short by the page", async () => {
    const { tab, lines, reports } = await pageWith([{ delay: hour, url: '/closed-by-page$' }]);
    const code = await tab.evaluate(
      (address) =>
        new Promise<number>((resolve) => {
          const socket = new WebSocket(address);
          socket.onopen = () => {
            socket.send('sent before close');
            socket.close(1000);
          };
          socket.onclose = (event) => resolve(event.code);
        }),
      `${ws}/closed-by-page`,
    );
    assert.equal(code, 1000);
    await waitFor(() => received.includes('sent before close'), 'the held message at the app');
    const { reports: seen } = await reports();
    assert.deepEqual(
      seen.map(({ effect, cutShort }) => [effect, cutShort?.by]),
      [['delay', 'app']],
    );
    await waitFor(() => lines.length === 1, 'the console line');
    assert.match(
      lines[0]!,
      /^\[faultline\] websocket GET \S+\/closed-by-page: the page closed the socket after \d+ ms of the 3600000 ms delay; the message went at once, ahead of the close$/,
    );
    await tab.close();
  });

  test('a socket its server closes during a delay: the held message is never sent, reported as cut short by the peer', async () => {
    const { tab, reports } = await pageWith([{ delay: hour, url: '/closed-by-app$' }]);
    const code = await tab.evaluate(
      (address) =>
        new Promise<number>((resolve) => {
          const socket = new WebSocket(address);
          socket.onopen = () => {
            socket.send('never sent');
            void fetch('/close-sockets');
          };
          socket.onclose = (event) => resolve(event.code);
        }),
      `${ws}/closed-by-app`,
    );
    assert.equal(code, 4000);
    const { reports: seen } = await reports();
    assert.deepEqual(
      seen.map(({ effect, cutShort }) => [effect, cutShort?.by]),
      [['delay', 'peer']],
    );
    assert.ok(!received.includes('never sent'));
    await tab.close();
  });

  test('send() before the socket opens throws, as without the script, and is not reported', async () => {
    const { tab, reports } = await pageWith([{ delay: hour, url: '/early$' }]);
    const thrown = await tab.evaluate((address) => {
      try {
        new WebSocket(address).send('too early');
        return 'sent';
      } catch (error) {
        return (error as Error).name;
      }
    }, `${ws}/early`);
    assert.equal(thrown, 'InvalidStateError');
    assert.deepEqual((await reports()).reports, []);
    await tab.close();
  });

  test('an error fault fails the handshake as a refused socket fails: CONNECTING, then error, then close 1006', async () => {
    const { tab, reports } = await pageWith([{ error: 'refused', url: '/refused$' }]);
    const states = (address: string) =>
      tab.evaluate(
        (url) =>
          new Promise<string[]>((resolve) => {
            const socket = new WebSocket(url);
            const seen = [`constructed ${socket.readyState}`];
            socket.onopen = () => seen.push('open');
            socket.onerror = () => seen.push(`error ${socket.readyState}`);
            socket.onclose = (event) => {
              seen.push(`close ${event.code} ${event.wasClean} ${socket.readyState}`);
              resolve(seen);
            };
          }),
        address,
      );
    const real = await states(`ws://127.0.0.1:${await closedPort()}/real`);
    assert.deepEqual(real, ['constructed 0', 'error 3', 'close 1006 false 3']);
    assert.deepEqual(await states(`${ws}/refused`), real);
    assert.deepEqual(
      (await reports()).reports.map(({ effect }) => effect),
      ['error'],
    );
    await tab.close();
  });

  test('a delay before an error holds the handshake for the delay, then fails it as a refused one; close() during it ends it as before an open', async () => {
    const { tab, lines, reports } = await pageWith([
      { delay: 300, error: 'refused', url: '/slow-refused$' },
      { delay: hour, error: 'refused', url: '/hung$' },
    ]);
    /** The socket's states and events; closed by the page after `closeAfter` ms (-1: never, 0: at once). */
    const states = (address: string, closeAfter: number) =>
      tab.evaluate(
        ([url, after]) =>
          new Promise<{ seen: string[]; elapsed: number }>((resolve) => {
            const started = performance.now();
            const socket = new WebSocket(url);
            const seen = [`constructed ${socket.readyState}`];
            const close = () => {
              socket.close();
              seen.push(`closing ${socket.readyState}`);
            };
            if (after === 0) close();
            else if (after > 0) setTimeout(close, after);
            socket.onopen = () => seen.push('open');
            socket.onmessage = () => seen.push('message');
            socket.onerror = () => seen.push(`error ${socket.readyState}`);
            socket.onclose = (event) => {
              seen.push(`close ${event.code} ${event.wasClean} ${socket.readyState}`);
              resolve({ seen, elapsed: performance.now() - started });
            };
          }),
        [address, closeAfter] as const,
      );
    const refused = await states(`${ws}/slow-refused`, -1);
    assert.deepEqual(refused.seen, ['constructed 0', 'error 3', 'close 1006 false 3']);
    assert.ok(refused.elapsed >= 250, `failed after ${refused.elapsed} ms, before the 300 ms delay`);
    const realClosed = await states(`${ws}/real`, 0);
    assert.deepEqual(realClosed.seen, ['constructed 0', 'closing 2', 'error 3', 'close 1006 false 3']);
    assert.deepEqual((await states(`${ws}/hung`, 50)).seen, realClosed.seen);
    assert.deepEqual(
      (await reports()).reports.map(({ effect, call, cutShort }) => [effect, call.url, cutShort?.by]),
      [
        ['error', `${ws}/slow-refused`, undefined],
        ['delay', `${ws}/hung`, 'app'],
      ],
    );
    await waitFor(() => lines.length === 2, 'the two console lines');
    assert.match(
      lines[0]!,
      /: delays requests whose URL matches "\/slow-refused\$" by 300 ms, then fails them with refused$/,
    );
    assert.match(
      lines[1]!,
      /: the page closed the socket after \d+ ms of the 3600000 ms delay; it failed as a socket closed before it opens does$/,
    );
    await tab.close();
  });

  test('a relative or http:// socket URL is matched and reported as the ws:// URL the browser connects to', async () => {
    const { tab, reports } = await pageWith([{ error: 'refused', url: '^ws://.*/(relative|plain)$' }]);
    const closed = await tab.evaluate(() =>
      Promise.all(
        ['/relative', (globalThis as unknown as { location: URL }).location.origin + '/plain'].map(
          (url) =>
            new Promise<number>((resolve) => {
              const socket = new WebSocket(url);
              socket.onopen = () => resolve(0);
              socket.onclose = (event) => resolve(event.code);
            }),
        ),
      ),
    );
    assert.deepEqual(closed, [1006, 1006]);
    assert.deepEqual(
      (await reports()).reports.map(({ call }) => call.url),
      [`${ws}/relative`, `${ws}/plain`],
    );
    await tab.close();
  });
});
