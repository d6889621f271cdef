import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { connect, readBytes, startEchoServer, startHarness } from './helpers.js';
import { silentLog } from '../src/experiment/console.js';
import { noLedger } from '../src/experiment/ledger.js';
import { startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import { experiment, fixtures, run } from './experiment-helpers.js';

const action = (name: string, provider: object, extra: object = {}) => ({
  type: 'action',
  name,
  provider,
  ...extra,
});
const probe = (name: string, provider: object, extra: object = {}) => ({
  type: 'probe',
  name,
  provider,
  ...extra,
});
const only = async (activity: object, options = {}) =>
  (await run(experiment({ method: [activity] }), options)).run[0]!;

describe('process provider', () => {
  test('returns status, stdout and stderr; a list runs without a shell, Python str() for values', async () => {
    const entry = await only(
      action('sh', {
        type: 'process',
        path: 'sh',
        arguments: ['-c', 'echo "$0 $1"; echo err >&2; exit 4', true, 1.5, null, ''],
      }),
    );
    assert.deepEqual(entry.output, { status: 4, stdout: 'True 1.5\n', stderr: 'err\n' });
    assert.equal(entry.status, 'succeeded', 'a non-zero exit is not a failure');
  });

  test('a non-zero exit warns with the exit code and the end of stderr; a signal is minus its number', async () => {
    const warnings: string[] = [];
    const log = { ...silentLog, warning: (message: string) => warnings.push(message) };
    const journal = await run(
      experiment({
        method: [
          action('fails', { type: 'process', path: 'sh', arguments: ['-c', 'echo why >&2; exit 4'] }),
          action('killed', { type: 'process', path: 'sh', arguments: ['-c', 'kill -9 $$'] }),
          action('fine', { type: 'process', path: 'true' }),
        ],
      }),
      { log },
    );
    assert.deepEqual(
      journal.run.map((entry) => entry.output),
      [
        { status: 4, stdout: '', stderr: 'why\n' },
        { status: -9, stdout: '', stderr: '' },
        { status: 0, stdout: '', stderr: '' },
      ],
    );
    const chaosWords =
      'This process returned a non-zero exit code. This may indicate some error and not what you expected.';
    assert.deepEqual(warnings, [
      `${chaosWords} Activity 'fails': exit code 4; stderr ends with: why (the journal holds the whole output).`,
      `${chaosWords} Activity 'killed': killed by SIGKILL (status -9); stderr was empty (the journal holds the whole output).`,
    ]);
  });

  test("the shell warning names only what faultline substitutes: $HOME or a proxy's <name>_PORT is the shell's", async () => {
    const warnings: string[] = [];
    const shell = (name: string, args: string) =>
      action(name, { type: 'process', path: 'sh', arguments: args });
    await validateExperiment(
      experiment({
        configuration: { who: 'world' },
        secrets: { api: { token: 'tok-123456' } },
        method: [
          shell('env only', "-c 'echo $HOME ${api_PORT} $$'"),
          shell('declared', "-c 'echo ${who}'"),
          shell('secret', '-c "curl -H $token"'),
        ],
      }),
      fixtures,
      { warn: (message: string) => void warnings.push(message) },
    );
    assert.deepEqual(
      warnings.map((line) => line.replace(/ contain a substitution.*/, '')),
      [
        "activity 'declared': its string arguments run through /bin/sh and",
        "activity 'secret': its string arguments run through /bin/sh and",
      ],
    );
  });

  test('a string runs through the shell, substituted', async () => {
    const journal = await run(
      experiment({
        configuration: { who: 'world' },
        method: [action('echo', { type: 'process', path: 'echo', arguments: 'hello ${who} | tr a-z A-Z' })],
      }),
    );
    assert.equal((journal.run[0]!.output as { stdout: string }).stdout, 'HELLO WORLD\n');
  });

  test('an executable file that is neither ELF nor #! fails with ENOEXEC, as subprocess does; through the shell it runs', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'faultline-enoexec-'));
    after(() => rmSync(directory, { recursive: true, force: true }));
    const script = join(directory, 'no-shebang');
    writeFileSync(script, 'echo ran\n', { mode: 0o755 });
    const journal = await run(
      experiment({
        method: [
          action('list', { type: 'process', path: script, arguments: [] }),
          action('string', { type: 'process', path: script, arguments: '' }),
        ],
      }),
    );
    assert.equal(journal.run[0]!.status, 'failed');
    assert.equal(
      journal.run[0]!.exception!.at(-1),
      `chaoslib.exceptions.ActivityFailed: [Errno 8] Exec format error: '${script}'\n`,
    );
    assert.deepEqual(journal.run[1]!.output, { status: 0, stdout: 'ran\n', stderr: '' });
  });

  test("a timeout fails the activity with chaoslib's message", async () => {
    const entry = await only(
      action('slow', { type: 'process', path: 'sleep', arguments: ['5'], timeout: 0.2 }),
    );
    assert.equal(entry.status, 'failed');
    assert.equal(
      entry.exception!.at(-1),
      'chaoslib.exceptions.ActivityFailed: process activity took too long to complete\n',
    );
  });
});

describe('http provider', async () => {
  const requests: Array<{
    method: string | undefined;
    url: string | undefined;
    body: string;
    type: string | undefined;
  }> = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      requests.push({
        method: request.method,
        url: request.url,
        body,
        type: request.headers['content-type'],
      });
      if (request.url?.startsWith('/json')) {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        return response.end('{"healthy":true}');
      }
      if (request.url?.startsWith('/nan')) {
        // What Python's json.dumps (Flask, FastAPI) writes for float('nan') and float('inf').
        response.writeHead(200, { 'Content-Type': 'application/json' });
        return response.end('{"ratio": NaN, "max": Infinity, "note": "NaN"}');
      }
      if (request.url?.startsWith('/badjson')) {
        // A body cut short (a limit_data toxic), or an API that labels its text as JSON.
        response.writeHead(200, { 'Content-Type': 'application/json' });
        return response.end('{"healthy": tr');
      }
      if (request.url?.startsWith('/cut')) {
        // The status and headers arrive, then the connection closes 90 bytes short.
        response.writeHead(200, { 'Content-Length': '100' });
        response.write('0123456789');
        return setImmediate(() => response.destroy());
      }
      if (request.url?.startsWith('/charset')) {
        response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
        return response.end('{"healthy":true}');
      }
      response.writeHead(503, { 'X-Reason': 'maintenance' });
      response.end('down');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  test('status, headers and body; JSON parsed only for exactly application/json', async () => {
    const json = (await only(probe('json', { type: 'http', url: `${url}/json` }))).output as Record<
      string,
      any
    >;
    assert.deepEqual(Object.keys(json), ['status', 'headers', 'body']);
    assert.deepEqual(
      [json.status, json.headers['Content-Type'], json.body],
      [200, 'application/json', { healthy: true }],
    );
    assert.equal(
      ((await only(probe('charset', { type: 'http', url: `${url}/charset` }))).output as { body: unknown })
        .body,
      '{"healthy":true}',
    );
    const down = await only(probe('down', { type: 'http', url: `${url}/down` }));
    assert.equal(down.status, 'succeeded', 'a 503 is not a failure');
    assert.equal((down.output as { status: number }).status, 503);
    assert.equal((down.output as { headers: Record<string, string> }).headers['X-Reason'], 'maintenance');
  });

  test("a JSON body with NaN or Infinity is parsed as requests' r.json() parses it", async () => {
    const nan = (await only(probe('nan', { type: 'http', url: `${url}/nan` }))).output as { body: unknown };
    assert.deepEqual(nan.body, { ratio: Number.NaN, max: Infinity, note: 'NaN' });
  });

  test('GET arguments become the query; other methods send JSON only for Content-Type application/json', async () => {
    requests.length = 0;
    await only(probe('get', { type: 'http', url: `${url}/q`, arguments: { a: 1, b: true } }));
    await only(
      action('post json', {
        type: 'http',
        url: `${url}/p`,
        method: 'post',
        headers: { 'Content-Type': 'application/json' },
        arguments: { a: 1 },
      }),
    );
    await only(action('post form', { type: 'http', url: `${url}/p`, method: 'POST', arguments: { a: 1 } }));
    assert.deepEqual(
      requests.map((request) => [request.method, request.url, request.body]),
      [
        ['GET', '/q?a=1&b=True', ''],
        ['POST', '/p', '{"a": 1}'],
        ['POST', '/p', 'a=1'],
      ],
    );
  });

  test('arguments reach the server as requests encodes them: lists repeat, None is left out, JSON as Python writes it', async () => {
    requests.length = 0;
    const args = { l: ['1', 2], n: null, b: true, f: 1.5, e: '', d: { k: 'v' }, s: 'a b~*/é' };
    await only(probe('get', { type: 'http', url: `${url}/q?z=0`, arguments: args }));
    await only(action('form', { type: 'http', url: `${url}/p`, method: 'PUT', arguments: args }));
    await only(action('nothing', { type: 'http', url: `${url}/p`, method: 'POST', arguments: {} }));
    await only(
      action('json', {
        type: 'http',
        url: `${url}/p`,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Gone': null },
        arguments: { s: 'é😀', t: [true, null, 0.00001, { k: 2.5e-7 }], u: {} },
      }),
    );
    const form = 'l=1&l=2&b=True&f=1.5&e=&d=k&s=a+b~%2A%2F%C3%A9';
    assert.deepEqual(
      requests.map((request) => [request.method, request.url, request.body, request.type]),
      [
        ['GET', `/q?z=0&${form}`, '', undefined],
        ['PUT', '/p', form, 'application/x-www-form-urlencoded'],
        ['POST', '/p', '', undefined],
        [
          'POST',
          '/p',
          '{"s": "\\u00e9\\ud83d\\ude00", "t": [true, null, 1e-05, {"k": 2.5e-07}], "u": {}}',
          'application/json',
        ],
      ],
    );
  });

  test("a body labelled application/json that is not JSON aborts the run, as requests' r.json() raising does under chaos", async () => {
    const journal = await run(
      experiment({
        method: [
          probe('cut', { type: 'http', url: `${url}/badjson` }),
          probe('next', { type: 'process', path: 'true' }),
        ],
      }),
    );
    assert.equal(journal.status, 'aborted');
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.status]),
      [['cut', undefined]],
    );
  });

  test('an answer cut short after its headers aborts the run, as requests raising ChunkedEncodingError does under chaos', async () => {
    const journal = await run(
      experiment({
        method: [
          probe('cut', { type: 'http', url: `${url}/cut`, max_retries: 2 }),
          probe('next', { type: 'process', path: 'true' }),
        ],
      }),
    );
    assert.equal(journal.status, 'aborted');
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.status]),
      [['cut', undefined]],
    );
  });

  test("a 4xx or 5xx without a tolerance warns in chaoslib's words, naming the activity and the status", async () => {
    const warnings: string[] = [];
    const log = { ...silentLog, warning: (message: string) => warnings.push(message) };
    await run(
      experiment({
        method: [
          probe('down', { type: 'http', url: `${url}/down` }),
          probe('up', { type: 'http', url: `${url}/json` }),
        ],
      }),
      { log },
    );
    assert.deepEqual(warnings, [
      'This HTTP call returned a response with a HTTP status code above 400. This may indicate some error and not what you expected. ' +
        "Activity 'down': HTTP 503 (the journal holds the whole response).",
    ]);
  });

  test('a refused connection fails the activity with the URL', async () => {
    const entry = await only(probe('refused', { type: 'http', url: 'http://127.0.0.1:9/' }));
    assert.equal(entry.status, 'failed');
    assert.match(entry.exception!.at(-1)!, /ActivityFailed: failed to connect to http:\/\/127\.0\.0\.1:9\//);
  });
});

describe('python provider (python3)', () => {
  test('runs a standard-library function with its arguments', async () => {
    const entry = await only(
      probe('exists', { type: 'python', module: 'os.path', func: 'exists', arguments: { path: '/' } }),
    );
    assert.equal(entry.output, true);
  });

  test('an exception fails the activity as "module.Class: message", as chaoslib prints it', async () => {
    const entry = await only(
      action('bad json', { type: 'python', module: 'json', func: 'loads', arguments: { s: '{' } }),
    );
    assert.equal(entry.status, 'failed');
    assert.match(
      entry.exception!.at(-1)!,
      /ActivityFailed: json\.decoder\.JSONDecodeError: Expecting property name/,
    );
  });
});

describe('faultline provider and chaostoolkit-toxiproxy experiments', async () => {
  const harness = await startHarness();
  const echo = await startEchoServer();
  const [host, port] = echo.address.split(':');
  const configuration = { toxiproxy_url: harness.url };

  test('chaostoxi actions run unchanged: create a proxy, add a latency toxic that real traffic feels, then clean up', async () => {
    const journal = await run(
      experiment({
        configuration,
        method: [
          action('create proxy', {
            type: 'python',
            module: 'chaostoxi.proxy.actions',
            func: 'create_proxy',
            arguments: {
              proxy_name: 'orders',
              upstream_host: host,
              upstream_port: Number(port),
              listen_host: '127.0.0.1',
            },
          }),
          action('slow it down', {
            type: 'python',
            module: 'chaostoxi.toxic.actions',
            func: 'create_latency_toxic',
            arguments: { for_proxy: 'orders', toxic_name: 'slow', latency: 80 },
          }),
          probe('proxy exists', {
            type: 'python',
            module: 'chaostoxi.proxy.probes',
            func: 'proxy_exist',
            arguments: { proxy_name: 'orders' },
          }),
          probe('proxy upstream', {
            type: 'python',
            module: 'chaostoxi.proxy.probes',
            func: 'get_proxy_attribute',
            arguments: { proxy_name: 'orders', attribute: 'upstream' },
          }),
        ],
      }),
    );
    assert.deepEqual(
      journal.run.map((entry) => entry.output),
      [true, true, true, echo.address],
    );
    const toxic = (await harness.api('GET', '/proxies/orders/toxics/slow')).json;
    assert.deepEqual([toxic.type, toxic.stream, toxic.attributes.latency], ['latency', 'downstream', 80]);
    const socket = await connect(Number(process.env.orders_PORT));
    const started = performance.now();
    socket.write('x');
    await readBytes(socket, 1);
    assert.ok(performance.now() - started >= 80, 'traffic through the proxy is delayed');
    socket.destroy();
    const removed = await run(
      experiment({
        configuration,
        method: [
          action('remove', {
            type: 'python',
            module: 'chaostoxi.toxic.actions',
            func: 'delete_toxic',
            arguments: { for_proxy: 'orders', toxic_name: 'slow' },
          }),
          action('delete', {
            type: 'python',
            module: 'chaostoxi.proxy.actions',
            func: 'delete_proxy',
            arguments: { proxy_name: 'orders' },
          }),
        ],
      }),
    );
    // chaostoolkit-toxiproxy's delete_toxic returns response.ok, its delete_proxy None.
    assert.deepEqual(
      removed.run.map((entry) => [entry.status, entry.output]),
      [
        ['succeeded', true],
        ['succeeded', null],
      ],
    );
    assert.equal((await harness.api('GET', '/proxies/orders')).status, 404);
  });

  test('native faultline actions, and a failing call fails the activity', async () => {
    const journal = await run(
      experiment({
        configuration: { faultline_url: harness.url },
        method: [
          action('create', {
            type: 'faultline',
            module: 'proxies',
            func: 'create',
            arguments: { name: 'native', listen: '127.0.0.1:0', upstream: echo.address },
          }),
          action('cut', {
            type: 'faultline',
            module: 'toxics',
            func: 'add',
            arguments: { proxy: 'native', type: 'timeout', attributes: { timeout: 0 } },
          }),
          action('again', {
            type: 'faultline',
            module: 'toxics',
            func: 'add',
            arguments: { proxy: 'native', type: 'timeout' },
          }),
          action('disable', {
            type: 'faultline',
            module: 'proxies',
            func: 'disable',
            arguments: { name: 'native' },
          }),
        ],
      }),
    );
    assert.deepEqual(
      journal.run.map((entry) => entry.status),
      ['succeeded', 'succeeded', 'failed', 'succeeded'],
    );
    assert.match(journal.run[2]!.exception!.at(-1)!, /toxic already exists/);
    const proxy = (await harness.api('GET', '/proxies/native')).json;
    assert.equal(proxy.enabled, false);
    assert.equal(proxy.toxics[0].name, 'timeout_downstream');
  });

  test('proxies.create takes the API fields protocol, idle_timeout and upstream_tls', async () => {
    const journal = await run(
      experiment({
        configuration: { faultline_url: harness.url },
        method: [
          action('datagrams', {
            type: 'faultline',
            module: 'proxies',
            func: 'create',
            arguments: {
              name: 'dns',
              listen: '127.0.0.1:0',
              upstream: '127.0.0.1:53',
              protocol: 'udp',
              idle_timeout: 3000,
            },
          }),
          action('secure', {
            type: 'faultline',
            module: 'proxies',
            func: 'create',
            arguments: {
              name: 'secure',
              listen: '127.0.0.1:0',
              upstream: echo.address,
              upstream_tls: { servername: 'orders.internal', insecure: true },
            },
          }),
        ],
      }),
    );
    assert.deepEqual(
      journal.run.map((entry) => entry.status),
      ['succeeded', 'succeeded'],
      JSON.stringify(journal.run.map((entry) => entry.exception)),
    );
    const dns = (await harness.api('GET', '/proxies/dns')).json;
    assert.equal(dns.protocol, 'udp');
    assert.equal(dns.idle_timeout, 3000);
    const secure = (await harness.api('GET', '/proxies/secure')).json;
    assert.deepEqual(secure.upstream_tls, { servername: 'orders.internal', insecure: true });
  });
});

describe('http provider: what requests refuses aborts the run, as chaoslib does not catch it', () => {
  const runUnvalidated = (method: object[], configuration: object = {}) =>
    startExperiment(experiment({ configuration, method }), {
      log: silentLog,
      ledger: noLedger,
      baseDirectory: fixtures,
    }).journal;

  test('a URL that is not http or https (no validation): aborted, the rest not run', async () => {
    const journal = await runUnvalidated([
      probe('ftp', { type: 'http', url: 'ftp://127.0.0.1/f' }),
      probe('next', { type: 'process', path: 'true' }),
    ]);
    assert.equal(journal.status, 'aborted');
    assert.deepEqual(
      journal.run.map((entry) => [entry.activity.name, entry.status]),
      [['ftp', undefined]],
    );
  });

  test('a substituted timeout that is not a number: aborted', async () => {
    const journal = await runUnvalidated(
      [probe('slow', { type: 'http', url: 'http://127.0.0.1:9/', timeout: '${t}' })],
      { t: 'abc' },
    );
    assert.equal(journal.status, 'aborted');
  });
});
