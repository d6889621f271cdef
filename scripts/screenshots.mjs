// Makes docs/dashboard-desktop.png (1280×800) and docs/dashboard-phone.png (390 px wide): a
// faultline server on loopback with three proxies, real traffic through one of them and a few
// toxics that fire, seen by the dashboard in Debian's headless Chromium. Run after npm run build:
//   node scripts/screenshots.mjs
import { once } from 'node:events';
import http from 'node:http';
import { chromium } from 'playwright-core';
import { createEngine } from '../dist/src/proxy/engine.js';
import { createControlServer } from '../dist/src/server/app.js';

const shop = http.createServer((request, response) => {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ path: request.url, items: Array.from({ length: 200 }, (_, n) => n) }));
});
shop.listen(0, '127.0.0.1');
await once(shop, 'listening');
const engine = createEngine();
const control = createControlServer({ engine });
control.http.listen(0, '127.0.0.1');
await once(control.http, 'listening');
const base = `http://127.0.0.1:${control.http.address().port}`;

async function call(method, path, body) {
  const response = await fetch(base + path, { method, body: body && JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

/**
 * Registers a run as `faultline run --report-to` does, holding its connection open, on servers
 * that have /runs (the halt work); elsewhere the page shows the section as unavailable.
 */
const runConnections = [];
async function registerRun(title, end) {
  const request = http.request(`${base}/runs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
  });
  request.end(
    JSON.stringify({ title, journal: `/home/ci/chaos/${title.replaceAll(' ', '-')}.journal.json` }),
  );
  const [response] = await once(request, 'response');
  if (response.statusCode !== 200) return response.resume();
  runConnections.push(response);
  const [first] = await once(response, 'data');
  const { id } = JSON.parse(first.toString().split('\n')[0]);
  if (end !== undefined) await call('PATCH', `/runs/${id}`, end);
}

let browser;
try {
  const api = await call('POST', '/proxies', {
    name: 'api',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${shop.address().port}`,
  });
  await call('POST', '/proxies', { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' });
  await call('POST', '/proxies', {
    name: 'postgres',
    listen: '127.0.0.1:0',
    upstream: '127.0.0.1:5432',
    enabled: false,
  });
  await call('POST', '/proxies/api/toxics', {
    name: 'slow_api',
    type: 'latency',
    attributes: { latency: 120, jitter: 30 },
  });
  await call('POST', '/proxies/api/toxics', {
    name: 'throttle',
    type: 'bandwidth',
    stream: 'downstream',
    toxicity: 0.5,
    attributes: { rate: 64 },
  });
  await call('POST', '/proxies/redis/toxics', {
    name: 'flaky_reset',
    type: 'reset_peer',
    stream: 'upstream',
    toxicity: 0.1,
    attributes: { timeout: 500 },
  });

  await registerRun('checkout survives a slow database', {
    status: 'completed',
    report: 'http://127.0.0.1:8000/reports/checkout-slow-db.html',
  });
  await registerRun('cart keeps working when redis resets', { status: 'interrupted' });
  await registerRun('orders under 10% packet loss');

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const shoot = async (file, viewport, fullPage) => {
    const page = await browser.newPage({ viewport, colorScheme: 'light' });
    await page.goto(`${base}/ui/`);
    await page.waitForSelector('[data-proxy="api"]');
    // Traffic while the page watches: the timeline shows the toxics fire, the rates move.
    let sending = true;
    const traffic = (async () => {
      for (let request = 0; sending && request < 200; request += 1) {
        const reply = await fetch(`http://${api.listen}/orders/${request}`, {
          headers: { Connection: 'close' },
        });
        await reply.text();
      }
    })();
    await page.waitForSelector('.event.toxic-fired');
    // Two reads of /ui/throughput apart (the dashboard's own; this server serves no /metrics), the api proxy shows a rate above zero.
    await page.waitForFunction(
      () => /↓ [1-9]/.test(globalThis.document.querySelector('[data-proxy="api"] .rate')?.textContent ?? ''),
      undefined,
      { timeout: 20_000 },
    );
    sending = false;
    await traffic;
    const card = page.locator('[data-proxy="api"]');
    await card.getByRole('button', { name: 'Add toxic' }).click();
    await card.getByLabel('Name').fill('slow_api_more');
    await card.getByLabel('latency (ms)').fill('-5');
    await card.getByRole('button', { name: 'Add toxic' }).click();
    await card.locator('.field.invalid .error').waitFor();
    await page.evaluate(() => globalThis.scrollTo(0, 0));
    await page.screenshot({ path: file, fullPage });
    await page.close();
  };
  await shoot('docs/dashboard-desktop.png', { width: 1280, height: 800 }, false);
  await shoot('docs/dashboard-phone.png', { width: 390, height: 844 }, false);
  process.stdout.write('wrote docs/dashboard-desktop.png and docs/dashboard-phone.png\n');
} finally {
  await browser?.close();
  for (const response of runConnections) response.destroy();
  engine.close();
  await control.close();
  shop.closeAllConnections();
  shop.close();
}
