import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createClient } from '../src/client/index.js';
import { startServer } from '../src/server/start-server.js';
import { connect, readBytes, startEchoServer, startHarness } from './helpers.js';

// Toxiproxy 2.12 registers /metrics only with -proxy-metrics or -runtime-metrics; the first gives
// the proxy series, the second the runtime's. faultline served all of it always.

const nothing = await startHarness({}, { metrics: { proxy: false, runtime: false } });
const proxyOnly = await startHarness({}, { metrics: { proxy: true, runtime: false } });
const runtimeOnly = await startHarness({}, { metrics: { proxy: false, runtime: true } });
const both = await startHarness({}, { metrics: { proxy: true, runtime: true } });

const proxySeries = [
  'toxiproxy_proxy_received_bytes_total',
  'toxiproxy_proxy_sent_bytes_total',
  'faultline_connections_total',
  'faultline_toxics_active',
  'faultline_http_faults_total',
  'faultline_proxies',
  'faultline_held_bytes',
];
const runtimeSeries = ['faultline_process_cpu_seconds_total', 'faultline_nodejs_version_info'];

const typed = (text: string, name: string) => new RegExp(`^# TYPE ${name} `, 'm').test(text);

test('without either set, /metrics answers as a path the server does not have, for every method', async () => {
  const unknown = await nothing.api('GET', '/nonexistent');
  for (const method of ['GET', 'HEAD', 'POST']) {
    const metrics = await nothing.api(method, '/metrics');
    assert.equal(metrics.status, 404, method);
    assert.equal(metrics.headers.get('content-type'), unknown.headers.get('content-type'));
    assert.equal(metrics.headers.get('allow'), null);
    if (method !== 'HEAD') assert.equal(metrics.text, '404 page not found\n');
  }
  assert.equal(unknown.text, '404 page not found\n');
});

test('startServer, as `faultline server`, serves /metrics only when asked to', async () => {
  const plain = await startServer();
  after(() => plain.stop());
  assert.equal((await fetch(`${plain.url}/metrics`)).status, 404);
  const asked = await startServer({ metrics: { runtime: true } });
  after(() => asked.stop());
  const text = await (await fetch(`${asked.url}/metrics`)).text();
  assert.ok(typed(text, 'faultline_nodejs_version_info'));
  assert.ok(!typed(text, 'toxiproxy_proxy_sent_bytes_total'));
  await assert.rejects(startServer({ metrics: { proxy: 'yes' } as never }), {
    message:
      'startServer: metrics.proxy must be true or false, received "yes": give true for every series, or { proxy: true } and/or { runtime: true }',
  });
});

test('the proxy set alone: the byte counters and every proxy series, no process or Node.js series', async () => {
  const echo = await startEchoServer();
  await proxyOnly.api('POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
  const { status, text } = await proxyOnly.api('GET', '/metrics');
  assert.equal(status, 200);
  for (const name of proxySeries) assert.ok(typed(text, name), name);
  for (const name of runtimeSeries) assert.ok(!typed(text, name), name);
  assert.doesNotMatch(text, /^faultline_(process|nodejs)_/m);
});

test('the runtime set alone: process and Node.js series, no proxy series', async () => {
  const { status, text } = await runtimeOnly.api('GET', '/metrics');
  assert.equal(status, 200);
  for (const name of runtimeSeries) assert.ok(typed(text, name), name);
  for (const name of proxySeries) assert.ok(!typed(text, name), name);
  assert.doesNotMatch(text, /^toxiproxy_/m);
});

test('both sets: all of it', async () => {
  const { status, text } = await both.api('GET', '/metrics');
  assert.equal(status, 200);
  for (const name of [...proxySeries, ...runtimeSeries]) assert.ok(typed(text, name), name);
});

test("the dashboard's rates come from its own /ui/throughput, on a server without /metrics; no one else reads it", async () => {
  const echo = await startEchoServer();
  const created = await nothing.api('POST', '/proxies', {
    name: 'd',
    listen: '127.0.0.1:0',
    upstream: echo.address,
  });
  const port = Number((created.json as { listen: string }).listen.split(':').pop());
  const socket = await connect(port);
  socket.write('ping');
  await readBytes(socket, 4);
  socket.destroy();

  const page = await nothing.api('GET', '/ui/', undefined, { 'User-Agent': 'Mozilla/5.0' });
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const token = /<meta name="faultline-csrf" content="([^"]+)">/.exec(page.text)?.[1] ?? '';
  const asDashboard = { 'User-Agent': 'Mozilla/5.0', Cookie: cookie, 'X-Faultline-CSRF': token };
  const rates = await nothing.api('GET', '/ui/throughput', undefined, asDashboard);
  assert.equal(rates.status, 200, rates.text);
  assert.deepEqual(rates.json, { proxies: { d: { upstream: 4, downstream: 4 } } });

  const other = await nothing.api('GET', '/ui/throughput');
  assert.equal(other.status, 403);
  assert.match(other.text, /the dashboard’s own.*scrape \/metrics .*start the server with --metrics/);
});

test("the client's metrics() on a server without /metrics says which flag serves it", async () => {
  await assert.rejects(createClient({ url: nothing.url }).metrics(), {
    status: 404,
    message:
      'metrics: HTTP 404: 404 page not found: the server serves /metrics only when started with --metrics (or FAULTLINE_METRICS=1; or -proxy-metrics, -runtime-metrics as toxiproxy-server takes them)',
  });
});
