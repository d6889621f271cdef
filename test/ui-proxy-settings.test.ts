import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { openLocalCa } from '../src/system/local-ca.js';
import {
  createProxy,
  launchChromium,
  runCli,
  startEchoServer,
  startHarness,
  tempDirectory,
} from './helpers.js';
import { createUdpProxy, startUdpEcho } from './udp-helpers.js';

/**
 * A proxy card shows what `faultline list --wide` shows of its settings: TLS towards clients
 * (and whether client certificates are required), TLS to the upstream, a udp proxy's
 * idle_timeout. Without it an HTTPS proxy looked like a plain http one on the dashboard.
 */

const directory = tempDirectory('ui-proxy-settings');
const ca = await openLocalCa(join(directory, 'ca'));
const harness = await startHarness({ issueCertificate: (hosts) => ca.issue(hosts) });
const browser: Browser = await launchChromium();
after(() => browser.close());

test('each proxy card says its TLS and idle_timeout in the words of faultline list --wide', async () => {
  const echo = await startEchoServer();
  const udpEcho = await startUdpEcho();
  await createProxy(harness, 'https_api', `127.0.0.1:${echo.port}`, {
    protocol: 'http',
    tls: { auto: true, client_ca: ca.certificatePem },
  });
  await createProxy(harness, 'to_tls', `127.0.0.1:${echo.port}`, { upstream_tls: { insecure: true } });
  await createProxy(harness, 'plain', `127.0.0.1:${echo.port}`);
  await createUdpProxy(harness, 'dns', udpEcho.address, { idle_timeout: 5000 });

  const listed = await runCli(['list', '--wide', '-h', harness.url]);
  assert.equal(listed.code, 0, listed.stderr);
  const wide = new Map(
    listed.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t'))
      .map((fields) => [fields[0]!, fields[6]!]),
  );
  assert.equal(
    wide.get('https_api'),
    "tls auto (faultline's local CA), client certificates required (client_ca)",
  );
  assert.equal(wide.get('dns'), 'idle_timeout 5000 ms');

  const page = await browser.newPage();
  await page.goto(`${harness.url}/ui/`);
  await page.waitForSelector('.proxies [data-proxy="plain"]');
  for (const name of ['https_api', 'to_tls', 'dns']) {
    const shown = await page.locator(`[data-proxy="${name}"] .settings`).textContent();
    assert.equal(shown, wide.get(name), name);
  }
  assert.equal(wide.get('plain'), '-');
  assert.equal(await page.locator('[data-proxy="plain"] .settings').count(), 0);
  await page.close();
});
