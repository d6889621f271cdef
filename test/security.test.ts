import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { Toxiproxy } from 'toxiproxy-node-client';
import type { EngineOptions } from '../src/proxy/engine.js';
import { runCli, spawnCli, startEchoServer, startHarness, waitFor } from './helpers.js';

/**
 * Each finding of the security issue (#19), performed as an attack against a real control API
 * on loopback. Resource exhaustion through the data plane is in resource-limits.test.ts.
 */
async function startServer(engineOptions: EngineOptions = {}, allowedHosts: string[] = []) {
  return startHarness(engineOptions, { allowedHosts });
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request, so Host, Origin and User-Agent are whatever a script in a page would send. */
function request(port: number, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<Reply>((resolve, reject) => {
    const outgoing = http.request({ host: '127.0.0.1', port, method, path, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body: text }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const server = await startServer();
const echo = await startEchoServer();
/** What the page in the report sent: a proxy on every interface to the host's ssh port. */
const attack = JSON.stringify({ name: 'pwn', listen: '0.0.0.0:0', upstream: '127.0.0.1:22' });

describe('DNS rebinding and cross-site requests', () => {
  test('a rebound page (foreign Host, script-set User-Agent) cannot create, add or read anything', async () => {
    const page = { Host: `rebind.attacker.test:${server.port}`, 'User-Agent': 'curl/8.5.0' };
    const create = await request(server.port, 'POST', '/proxies', page, attack);
    assert.equal(create.status, 403);
    assert.deepEqual(JSON.parse(create.body), {
      error: 'host not allowed',
      status: 403,
      hint: `the Host header "rebind.attacker.test:${server.port}" is not a loopback name, an IP address or a name given with --allowed-host; a web page that re-binds its DNS name to this machine sends such requests. Reaching the server by a name on purpose? Start it with --allowed-host "rebind.attacker.test"`,
      code: 'FAULTLINE_ERR_HOST_NOT_ALLOWED',
    });
    const toxic = await request(server.port, 'POST', '/proxies/pwn/toxics', page, '{"type":"timeout"}');
    assert.equal(toxic.status, 403);
    const read = await request(server.port, 'GET', '/proxies', page);
    assert.equal(read.status, 403);
    assert.equal(read.body.includes('"listen"'), false, 'no proxy is read back');
    for (const path of ['/metrics', '/events', '/version', '/nonexistent']) {
      assert.equal((await request(server.port, 'GET', path, page)).status, 403, path);
    }
    assert.deepEqual(server.engine.list(), [], 'nothing was created');
  });

  test('a cross-site page (foreign Origin or Sec-Fetch-Site: cross-site) is refused, even with a loopback Host', async () => {
    const host = `127.0.0.1:${server.port}`;
    const foreign = await request(
      server.port,
      'POST',
      '/proxies',
      {
        Host: host,
        Origin: 'https://attacker.test',
        'Content-Type': 'text/plain',
        'User-Agent': 'curl/8.5.0',
      },
      attack,
    );
    assert.equal(foreign.status, 403);
    assert.equal(JSON.parse(foreign.body).error, 'cross-origin request refused');
    const nullOrigin = await request(server.port, 'POST', '/proxies', { Host: host, Origin: 'null' }, attack);
    assert.equal(nullOrigin.status, 403, 'a sandboxed frame or file:// page');
    const fetchSite = await request(
      server.port,
      'POST',
      '/proxies',
      { Host: host, 'Sec-Fetch-Site': 'cross-site' },
      attack,
    );
    assert.equal(fetchSite.status, 403);
    assert.equal(JSON.parse(fetchSite.body).code, 'FAULTLINE_ERR_CROSS_ORIGIN');
    assert.deepEqual(server.engine.list(), []);
  });

  test('no response carries a CORS header, a preflight included', async () => {
    const preflight = await request(server.port, 'OPTIONS', '/proxies', {
      Host: `127.0.0.1:${server.port}`,
      'Access-Control-Request-Method': 'POST',
    });
    const plain = await request(server.port, 'GET', '/proxies', { Host: `localhost:${server.port}` });
    assert.equal(plain.status, 200);
    for (const reply of [preflight, plain]) {
      assert.deepEqual(
        Object.keys(reply.headers).filter((name) => name.startsWith('access-control-')),
        [],
      );
    }
  });

  test('loopback names, *.localhost and IP literals (v4 and v6) pass; other names only when allowed', async () => {
    for (const host of [
      'localhost',
      'LOCALHOST',
      'api.localhost',
      '127.0.0.1',
      '[::1]',
      '10.1.2.3',
      '[fd00::5]',
    ]) {
      const reply = await request(server.port, 'GET', '/version', { Host: `${host}:${server.port}` });
      assert.equal(reply.status, 200, host);
    }
    const origin = await request(server.port, 'GET', '/version', {
      Host: `localhost:${server.port}`,
      Origin: `http://localhost:${server.port}`,
    });
    assert.equal(origin.status, 200, 'an Origin naming the API itself is not foreign');
    const compose = await startServer({}, ['toxiproxy']);
    assert.equal((await request(compose.port, 'GET', '/version', { Host: 'toxiproxy:8474' })).status, 200);
    assert.equal((await request(compose.port, 'GET', '/version', { Host: 'other:8474' })).status, 403);
    const any = await startServer({}, ['*']);
    assert.equal((await request(any.port, 'GET', '/version', { Host: 'anything.test' })).status, 200);
  });

  test('the User-Agent block of Toxiproxy stays', async () => {
    const reply = await request(server.port, 'GET', '/proxies', { 'User-Agent': 'Mozilla/5.0 (X11)' });
    assert.equal(reply.status, 403);
    assert.equal(reply.body, 'User agent not allowed\n');
  });

  test('toxiproxy-node-client and the faultline CLI, which send none of these headers, are unaffected', async () => {
    const client = new Toxiproxy(server.url);
    const proxy = await client.createProxy({
      name: 'node_ok',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    assert.equal(proxy.name, 'node_ok');
    const added = await proxy.addToxic({
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 1 },
    } as never);
    assert.equal(added.name, 'latency_downstream');
    const listed = await runCli(['list'], { FAULTLINE_URL: server.url }, false);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^node_ok\t127\.0\.0\.1:\d+\t127\.0\.0\.1:\d+\tenabled\t1$/m);
    const byName = await runCli(['list'], { FAULTLINE_URL: `http://localhost:${server.port}` }, false);
    assert.equal(byName.code, 0, byName.stderr);
    await proxy.remove();
  });
});

describe('names', () => {
  test('an escape sequence in a proxy or toxic name is refused before it can reach a terminal', async () => {
    const proxy = await request(
      server.port,
      'POST',
      '/proxies',
      {},
      JSON.stringify({ name: 'x\u001b]0;pwned\u0007', upstream: echo.address }),
    );
    assert.equal(proxy.status, 400);
    assert.deepEqual(JSON.parse(proxy.body).error, 'invalid name');
    assert.match(JSON.parse(proxy.body).hint, /may contain only letters, digits, "_", "\.", ":" and "-"/);
    const created = await request(
      server.port,
      'POST',
      '/proxies',
      {},
      JSON.stringify({ name: 'named', listen: '127.0.0.1:0', upstream: echo.address }),
    );
    assert.equal(created.status, 201);
    const toxic = await request(
      server.port,
      'POST',
      '/proxies/named/toxics',
      {},
      JSON.stringify({ type: 'noop', name: '\u001b[2J' }),
    );
    assert.equal(toxic.status, 400);
    assert.equal(JSON.parse(toxic.body).error, 'invalid name');
  });

  test("the names Toxiproxy's users write are accepted", async () => {
    for (const name of [
      'shopify_test_redis_master',
      'zeebe-proxy',
      'redis:6379',
      'node1.kafka',
      'A-1_b.c:2',
    ]) {
      const reply = await request(
        server.port,
        'POST',
        '/proxies',
        {},
        JSON.stringify({ name, listen: '127.0.0.1:0', upstream: echo.address }),
      );
      assert.equal(reply.status, 201, `${name}: ${reply.body}`);
      assert.equal(
        (await request(server.port, 'DELETE', `/proxies/${encodeURIComponent(name)}`, {})).status,
        204,
      );
    }
  });
});

describe('limits on what a client may create', () => {
  test('a 1 MB name is refused with 400 and GET /proxies keeps answering', async () => {
    const limited = await startServer();
    const name = 'n'.repeat(1_000_000);
    const reply = await request(
      limited.port,
      'POST',
      '/proxies',
      {},
      JSON.stringify({ name, upstream: echo.address }),
    );
    assert.equal(reply.status, 400);
    assert.equal(JSON.parse(reply.body).error, 'name too long');
    assert.match(
      JSON.parse(reply.body).hint,
      /is 1000000 characters long .*the limit is 255 \(server option --max-name-length\)/,
    );
    const longest = 'n'.repeat(255);
    const fits = await request(
      limited.port,
      'POST',
      '/proxies',
      {},
      JSON.stringify({ name: longest, listen: '127.0.0.1:0', upstream: echo.address }),
    );
    assert.equal(fits.status, 201);
    const list = await request(limited.port, 'GET', '/proxies', {});
    assert.equal(list.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(list.body)), [longest]);
  });

  test('proxies beyond --max-proxies and toxics beyond --max-toxics-per-proxy get 403 naming the option', async () => {
    const limited = await startServer({ limits: { maxProxies: 3, maxToxicsPerProxy: 2 } });
    for (const name of ['p1', 'p2', 'p3']) {
      const reply = await request(
        limited.port,
        'POST',
        '/proxies',
        {},
        JSON.stringify({ name, listen: '127.0.0.1:0', upstream: echo.address }),
      );
      assert.equal(reply.status, 201);
    }
    const fourth = await request(
      limited.port,
      'POST',
      '/proxies',
      {},
      JSON.stringify({ name: 'p4', listen: '127.0.0.1:0', upstream: echo.address }),
    );
    assert.equal(fourth.status, 403);
    assert.deepEqual(JSON.parse(fourth.body), {
      error: 'too many proxies',
      status: 403,
      hint: 'this server already has 3 proxies, the most it allows (--max-proxies); delete some first',
      code: 'FAULTLINE_ERR_LIMIT_REACHED',
    });
    const populate = await request(
      limited.port,
      'POST',
      '/populate',
      {},
      JSON.stringify([{ name: 'p5', upstream: echo.address }]),
    );
    assert.equal(populate.status, 403);
    for (const name of ['t1', 't2']) {
      const reply = await request(
        limited.port,
        'POST',
        '/proxies/p1/toxics',
        {},
        JSON.stringify({ type: 'latency', name }),
      );
      assert.equal(reply.status, 200);
    }
    const third = await request(
      limited.port,
      'POST',
      '/proxies/p1/toxics',
      {},
      JSON.stringify({ type: 'latency', name: 't3' }),
    );
    assert.equal(third.status, 403);
    assert.equal(JSON.parse(third.body).error, 'too many toxics');
    assert.match(JSON.parse(third.body).hint, /--max-toxics-per-proxy/);
    assert.equal(limited.engine.list().length, 3);
    assert.equal(limited.engine.get('p1').toxics.length, 2);
  });
});

describe('--listen-allow bounds where proxies may listen', () => {
  test('a proxy on every interface, or outside the allowed ports, is refused on create, update and populate', async () => {
    const { parseListenRule } = await import('../src/proxy/listen-policy.js');
    const limited = await startServer({ limits: { listenAllow: [parseListenRule('127.0.0.0/8')] } });
    const everywhere = await request(limited.port, 'POST', '/proxies', {}, attack);
    assert.equal(everywhere.status, 403);
    assert.deepEqual(JSON.parse(everywhere.body), {
      error: 'listen address not allowed',
      status: 403,
      hint: 'this server lets proxies listen only on 127.0.0.0/8 (--listen-allow); received 0.0.0.0:0',
      code: 'FAULTLINE_ERR_LISTEN_NOT_ALLOWED',
    });
    const loopback = await request(
      limited.port,
      'POST',
      '/proxies',
      {},
      JSON.stringify({ name: 'ok', listen: '127.0.0.2:0', upstream: echo.address }),
    );
    assert.equal(loopback.status, 201);
    const move = await request(
      limited.port,
      'PATCH',
      '/proxies/ok',
      {},
      JSON.stringify({ listen: '0.0.0.0:0' }),
    );
    assert.equal(move.status, 403);
    assert.equal(limited.engine.get('ok').listen, JSON.parse(loopback.body).listen, 'the proxy did not move');
    const populate = await request(
      limited.port,
      'POST',
      '/populate',
      {},
      JSON.stringify([
        { name: 'allowed', listen: '127.0.0.3:0', upstream: echo.address },
        { name: 'all', listen: ':0', upstream: echo.address },
      ]),
    );
    assert.equal(populate.status, 403);
    assert.deepEqual(
      limited.engine.list().map((proxy) => proxy.name),
      ['ok'],
      'a list the limits refuse changes nothing, not even its allowed entries',
    );

    const ports = await startServer({ limits: { listenAllow: [parseListenRule('127.0.0.1:20000-29999')] } });
    const ephemeral = await request(
      ports.port,
      'POST',
      '/proxies',
      {},
      JSON.stringify({ name: 'e', listen: '127.0.0.1:0', upstream: echo.address }),
    );
    assert.equal(ephemeral.status, 403);
    assert.match(JSON.parse(ephemeral.body).hint, /port 0 lets the kernel pick/);
    const outside = await request(
      ports.port,
      'POST',
      '/proxies',
      {},
      JSON.stringify({ name: 'o', listen: '127.0.0.1:30000', upstream: echo.address }),
    );
    assert.equal(outside.status, 403);
  });

  test('rules parse CIDR[:PORTS] and reject anything else with the accepted form', async () => {
    const { parseListenRule, checkListen } = await import('../src/proxy/listen-policy.js');
    const rules = ['10.0.0.0/8:8000-8100', '[::1]/128:9000', 'fd00::/8'].map(parseListenRule);
    assert.doesNotThrow(() => checkListen(rules, '10.1.2.3', 8050));
    assert.doesNotThrow(() => checkListen(rules, '::1', 9000));
    assert.doesNotThrow(() => checkListen(rules, 'fd00::1', 0));
    assert.throws(() => checkListen(rules, '10.1.2.3', 8101), { reason: 'listen address not allowed' });
    assert.throws(() => checkListen(rules, '11.0.0.1', 8050), { reason: 'listen address not allowed' });
    assert.throws(() => checkListen(rules, '::1', 9001), { reason: 'listen address not allowed' });
    for (const bad of ['127.0.0.1/33', 'localhost', '127.0.0.1:0', '127.0.0.1:9-8', '1.2.3.4:70000', '']) {
      assert.throws(
        () => parseListenRule(bad),
        { reason: 'invalid listen rule', hint: /CIDR\[:PORTS\]/ },
        bad,
      );
    }
  });
});

describe('faultline server takes every setting as a flag and from the environment', () => {
  async function serve(args: string[], env: Record<string, string> = {}) {
    const server = spawnCli(['server', '--port', '0', '--log-level', 'silent', ...args], env);
    await waitFor(
      () => /listening on http:\/\/\S+/.test(server.output().stderr) || server.child.exitCode !== null,
      'the server to start or exit',
      20_000,
    );
    const url = /listening on (http:\/\/\S+)/.exec(server.output().stderr)?.[1];
    return { server, url, port: url ? Number(url.split(':').pop()) : 0 };
  }

  test('flags: --allowed-host, --max-proxies, --max-name-length and --listen-allow take effect', async () => {
    const { server, port } = await serve([
      '--allowed-host',
      'toxiproxy',
      '--max-proxies',
      '1',
      '--max-name-length',
      '8',
      '--listen-allow',
      '127.0.0.1',
    ]);
    const host = { Host: `toxiproxy:${port}` };
    const create = (name: string, listen: string) =>
      request(port, 'POST', '/proxies', host, JSON.stringify({ name, listen, upstream: echo.address }));
    assert.equal((await create('longname9', '127.0.0.1:0')).status, 400);
    assert.equal((await create('wide', '0.0.0.0:0')).status, 403);
    assert.equal((await create('one', '127.0.0.1:0')).status, 201);
    const second = await create('two', '127.0.0.1:0');
    assert.equal(JSON.parse(second.body).error, 'too many proxies');
    process.kill(server.child.pid!, 'SIGTERM');
    await server.done;
  });

  test('environment: FAULTLINE_ALLOWED_HOSTS and FAULTLINE_MAX_TOXICS_PER_PROXY', async () => {
    const { server, port } = await serve([], {
      FAULTLINE_ALLOWED_HOSTS: 'toxiproxy,proxy.internal',
      FAULTLINE_MAX_TOXICS_PER_PROXY: '1',
    });
    assert.equal((await request(port, 'GET', '/version', { Host: 'proxy.internal' })).status, 200);
    await request(
      port,
      'POST',
      '/proxies',
      {},
      JSON.stringify({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address }),
    );
    assert.equal((await request(port, 'POST', '/proxies/p/toxics', {}, '{"type":"noop"}')).status, 200);
    assert.equal((await request(port, 'POST', '/proxies/p/toxics', {}, '{"type":"latency"}')).status, 403);
    process.kill(server.child.pid!, 'SIGTERM');
    await server.done;
  });

  test('a bad setting stops start-up with what was wrong and the accepted form', async () => {
    const bad = await serve(['--listen-allow', 'localhost:80']);
    const { code, stderr } = await bad.server.done;
    assert.equal(code, 2, 'a usage error');
    assert.match(
      stderr,
      /invalid listen rule: --listen-allow takes CIDR\[:PORTS\] .*received "localhost:80"/,
    );
    const size = await serve(['--max-held-bytes', '10']);
    assert.match((await size.server.done).stderr, /--max-held-bytes must be a size of at least 64KiB/);
  });
});
