import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import tls from 'node:tls';
import type { Browser } from 'playwright-core';
import { describe as watchLine } from '../src/cli/watch-command.js';
import type { EngineEvent } from '../src/model/events.js';
import { openLocalCa } from '../src/system/local-ca.js';
import {
  closedPort,
  connect,
  createProxy,
  launchChromium,
  startEchoServer,
  startHarness,
  tempDirectory,
  waitFor,
} from './helpers.js';

/**
 * The dashboard's timeline hides connection opens and closes until *connections* is ticked, and
 * shows failures at once, as `faultline watch` does: an upstream that could not be reached.
 */

const ca = await openLocalCa(join(tempDirectory('ui-timeline-failures'), 'ca'));
const harness = await startHarness({ issueCertificate: (hosts) => ca.issue(hosts) });
const browser: Browser = await launchChromium();
after(() => browser.close());

test('a connection that could not reach its upstream shows in the timeline without ticking connections', async () => {
  const proxy = await createProxy(harness, 'down', `127.0.0.1:${await closedPort()}`);
  const failed: string[] = [];
  harness.engine.events.on((event) => {
    if (event.type === 'connection.failed') failed.push(event.proxy);
  });
  const socket = await connect(proxy.port);
  socket.resume();
  await waitFor(() => failed.length === 1, 'the connection.failed event');
  socket.destroy();

  const page = await browser.newPage();
  await page.goto(`${harness.url}/ui/`);
  const line = page.locator('.event[data-type="connection.failed"] .what');
  await line.first().waitFor({ timeout: 30_000 });
  assert.match(
    (await line.first().textContent()) ?? '',
    /^down: connection #1: 127\.0\.0\.1:\d+ could not reach 127\.0\.0\.1:\d+: /,
  );
  assert.equal(await page.locator('.event[data-type="connection.opened"]').count(), 0);
  await page.close();
});

test('a failed TLS handshake reads in the timeline as faultline watch prints it, not as its raw fields', async () => {
  const echo = await startEchoServer();
  const proxy = await createProxy(harness, 'tls_down', `127.0.0.1:${echo.port}`, { tls: { auto: true } });
  const failures: EngineEvent[] = [];
  harness.engine.events.on((event) => {
    if (event.type === 'tls.failed') failures.push(event);
  });
  // A client without the proxy's CA refuses its certificate.
  await new Promise<void>((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: proxy.port });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
  await waitFor(() => failures.length === 1, 'the tls.failed event');

  const page = await browser.newPage();
  await page.goto(`${harness.url}/ui/`);
  const line = page.locator('.event[data-type="tls.failed"] .what');
  await line.first().waitFor({ timeout: 30_000 });
  const watched = watchLine({ time: '2026-01-01T00:00:00.000Z', data: failures[0] } as never);
  const sentence = watched.slice(watched.indexOf('TLS handshake'));
  assert.match(sentence, /^TLS handshake with the client 127\.0\.0\.1:\d+ failed: \S+ \(/);
  assert.equal(await line.first().textContent(), `tls_down: ${sentence}`);
  await page.close();
});
