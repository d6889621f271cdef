import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closedPort, createProxy, startEchoServer, startHarness } from './helpers.js';
import { experiment, run } from './experiment-helpers.js';

/**
 * chaostoolkit-toxiproxy's functions told apart "the server answered no" (a probe's false or
 * None, a delete_toxic's False) from "the server could not be asked" (requests raises, so the
 * activity fails), and its env: values and attributes raise when they do not exist. A run
 * that reports "no such proxy" while the server is down, or sends an empty upstream, misleads.
 */
const python = (type: 'probe' | 'action', name: string, module: string, func: string, args: object) => ({
  type,
  name,
  provider: { type: 'python', module: `chaostoxi.${module}`, func, arguments: args },
});
const lastLine = (entry: { exception?: string[] }) => entry.exception?.at(-1) ?? '';

describe('chaostoxi functions when the server cannot be reached', () => {
  test('proxy_exist, get_proxy_attribute and delete_toxic fail the activity, as requests raises under chaos', async () => {
    const journal = await run(
      experiment({
        configuration: { toxiproxy_url: `http://127.0.0.1:${await closedPort()}` },
        method: [
          python('probe', 'exists', 'proxy.probes', 'proxy_exist', { proxy_name: 'db' }),
          python('probe', 'enabled', 'proxy.probes', 'get_proxy_attribute', {
            proxy_name: 'db',
            attribute: 'enabled',
          }),
          python('action', 'remove', 'toxic.actions', 'delete_toxic', {
            for_proxy: 'db',
            toxic_name: 'slow',
          }),
        ],
      }),
    );
    assert.deepEqual(
      journal.run.map((entry) => [entry.status, entry.output]),
      [
        ['failed', null],
        ['failed', null],
        ['failed', null],
      ],
    );
    for (const entry of journal.run) assert.match(lastLine(entry), /cannot reach the faultline server/);
  });

  test("the failure names the configuration keys the address came from, not the CLI's --host", async () => {
    const port = await closedPort();
    const journal = await run(
      experiment({
        configuration: { toxiproxy_host: '127.0.0.1', toxiproxy_port: port },
        method: [python('probe', 'exists', 'proxy.probes', 'proxy_exist', { proxy_name: 'db' })],
      }),
    );
    const line = lastLine(journal.run[0]!);
    assert.match(
      line,
      new RegExp(
        `cannot reach the faultline server at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\), the address the configuration's toxiproxy_host and toxiproxy_port give; start the server there, or set toxiproxy_host and toxiproxy_port \\(or toxiproxy_url\\) to where it listens`,
      ),
    );
    assert.doesNotMatch(line, /--host/);
  });

  test('a hypothesis "the proxy is gone" is not met while the server is down: the run fails', async () => {
    const journal = await run(
      experiment({
        configuration: { toxiproxy_url: `http://127.0.0.1:${await closedPort()}` },
        'steady-state-hypothesis': {
          title: 'no leftover proxy',
          probes: [
            {
              ...python('probe', 'gone', 'proxy.probes', 'proxy_exist', { proxy_name: 'db' }),
              tolerance: false,
            },
          ],
        },
      }),
    );
    assert.equal(journal.steady_states.before?.steady_state_met, false);
    assert.equal(journal.status, 'failed');
  });
});

describe('chaostoxi functions against a server that answers', async () => {
  const harness = await startHarness();
  const echo = await startEchoServer();
  await createProxy(harness, 'db', echo.address);
  const configuration = { toxiproxy_url: harness.url };

  test('a proxy the server does not have: proxy_exist false, get_proxy_attribute None, delete_toxic False, all succeeded', async () => {
    const journal = await run(
      experiment({
        configuration,
        method: [
          python('probe', 'exists', 'proxy.probes', 'proxy_exist', { proxy_name: 'nosuch' }),
          python('probe', 'enabled', 'proxy.probes', 'get_proxy_attribute', {
            proxy_name: 'nosuch',
            attribute: 'enabled',
          }),
          python('action', 'remove', 'toxic.actions', 'delete_toxic', {
            for_proxy: 'nosuch',
            toxic_name: 'slow',
          }),
        ],
      }),
    );
    assert.deepEqual(
      journal.run.map((entry) => [entry.status, entry.output]),
      [
        ['succeeded', false],
        ['succeeded', null],
        ['succeeded', false],
      ],
    );
  });

  test('get_proxy_attribute of an attribute the proxy lacks fails, naming it and the ones it has (KeyError under chaos)', async () => {
    const journal = await run(
      experiment({
        configuration,
        method: [
          python('probe', 'typo', 'proxy.probes', 'get_proxy_attribute', {
            proxy_name: 'db',
            attribute: 'enable',
          }),
          python('probe', 'right', 'proxy.probes', 'get_proxy_attribute', {
            proxy_name: 'db',
            attribute: 'enabled',
          }),
        ],
      }),
    );
    const [typo, right] = journal.run;
    assert.equal(typo!.status, 'failed');
    assert.match(
      lastLine(typo!),
      /ActivityFailed: KeyError: 'enable' \(proxy db has no such attribute; did you mean 'enabled'\? attributes: name, listen, upstream, enabled, .*toxics/,
    );
    assert.deepEqual([right!.status, right!.output], ['succeeded', true]);
  });

  test('create_proxy with an env: upstream whose variable is not set fails naming it, and creates nothing', async () => {
    delete process.env.FAULTLINE_TEST_NO_SUCH_HOST;
    const journal = await run(
      experiment({
        configuration,
        method: [
          python('action', 'create', 'proxy.actions', 'create_proxy', {
            proxy_name: 'from-env',
            upstream_host: 'env:FAULTLINE_TEST_NO_SUCH_HOST',
            upstream_port: Number(echo.address.split(':')[1]),
          }),
        ],
      }),
    );
    assert.equal(journal.run[0]!.status, 'failed');
    assert.match(
      lastLine(journal.run[0]!),
      /upstream_host 'env:FAULTLINE_TEST_NO_SUCH_HOST': the environment variable FAULTLINE_TEST_NO_SUCH_HOST is not set/,
    );
    assert.equal((await harness.api('GET', '/proxies/from-env')).status, 404);
  });
});

describe('where chaostoxi functions find the server', async () => {
  const harness = await startHarness();

  test('toxiproxy_port without toxiproxy_host fails the activity, naming both keys, instead of asking another server', async () => {
    const journal = await run(
      experiment({
        configuration: { toxiproxy_port: Number(new URL(harness.url).port) },
        method: [python('probe', 'exists', 'proxy.probes', 'proxy_exist', { proxy_name: 'db' })],
      }),
    );
    assert.equal(journal.run[0]!.status, 'failed');
    assert.match(
      lastLine(journal.run[0]!),
      /the configuration sets toxiproxy_port \(\d+\) but not toxiproxy_host, which chaostoolkit-toxiproxy requires: add "toxiproxy_host": "127.0.0.1"/,
    );
  });
});

describe('a toxiproxy_host that is a URL or holds a port', async () => {
  const harness = await startHarness();
  const port = Number(new URL(harness.url).port);

  test('fails the activity naming the key and what to write, not "cannot reach the server at http://http//..."', async () => {
    const probe = python('probe', 'exists', 'proxy.probes', 'proxy_exist', { proxy_name: 'db' });
    const failure = async (configuration: object) => {
      const journal = await run(experiment({ configuration, method: [probe] }));
      assert.equal(journal.run[0]!.status, 'failed');
      return lastLine(journal.run[0]!);
    };
    assert.match(
      await failure({ toxiproxy_host: 'http://127.0.0.1', toxiproxy_port: port }),
      /toxiproxy_host "http:\/\/127\.0\.0\.1" is a URL; it takes a host name or address \("127\.0\.0\.1"\), with the port in toxiproxy_port, or give the whole URL as toxiproxy_url/,
    );
    assert.match(
      await failure({ toxiproxy_host: `127.0.0.1:${port}` }),
      /toxiproxy_host "127\.0\.0\.1:\d+" holds a ":"; the port goes in toxiproxy_port, and an IPv6 address in brackets \("\[::1\]"\)/,
    );
    assert.match(
      await failure({ toxiproxy_host: '[::1]', toxiproxy_port: await closedPort() }),
      /cannot reach the faultline server at http:\/\/\[::1\]:\d+/,
      'a bracketed IPv6 address is taken, and asked',
    );
  });
});

describe('a toxic the server refuses', async () => {
  const harness = await startHarness();
  const echo = await startEchoServer();
  await createProxy(harness, 'db', echo.address);

  test("fails the activity with the server's hint, which says what to do, in the journal", async () => {
    const journal = await run(
      experiment({
        configuration: { toxiproxy_url: harness.url },
        method: [
          python('action', 'drop', 'toxic.actions', 'create_toxic', {
            for_proxy: 'db',
            toxic_name: 'drop',
            toxic_type: 'loss',
            attributes: { probability: 5000 },
          }),
        ],
      }),
    );
    const [loss] = journal.run;
    assert.equal(loss!.status, 'failed');
    assert.match(
      lastLine(loss!),
      /ActivityFailed: FaultlineApiError: add toxic to proxy db: HTTP 400: toxic type loss needs a proxy with protocol udp \(proxy "db" has protocol tcp; create a proxy with "protocol": "udp"/,
    );
  });
});
