import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { closedPort, connect, createProxy, launchChromium, startHarness, waitFor } from './helpers.js';

/**
 * The dashboard's timeline hides connection opens and closes until *connections* is ticked, and
 * shows failures at once, as `faultline watch` does: an upstream that could not be reached.
 */

const harness = await startHarness();
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
