import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { canConnect, connect, createProxy, readBytes, startEchoServer, startHarness } from './helpers.js';

const harness = await startHarness();
const echo = await startEchoServer();

describe('transport behaviour', () => {
  test('every matched response carries a request id', async () => {
    const reply = await harness.api('GET', '/version');
    assert.match(reply.headers.get('x-toxiproxy-request-id') ?? '', /^[0-9a-v]{20}$/);
  });

  test('browsers are refused with 403, other agents are served', async () => {
    const browser = await harness.api('GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0 (X11)' });
    assert.equal(browser.status, 403);
    assert.equal(browser.text, 'User agent not allowed\n');
    assert.equal((await harness.api('GET', '/proxies', undefined, { 'User-Agent': 'Wget/2.1' })).status, 200);
  });

  test('unknown paths give 404 text, wrong methods give 405 with an empty body', async () => {
    const missing = await harness.api('GET', '/nonexistent');
    assert.equal(missing.status, 404);
    assert.equal(missing.text, '404 page not found\n');
    const wrong = await harness.api('PUT', '/proxies');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.text, '');
    assert.equal(wrong.headers.get('content-length'), '0');
    assert.equal(wrong.headers.get('allow'), 'GET, POST');
  });

  test('an empty name in the path is no route, as gorilla/mux matches {proxy} to one character or more', async () => {
    await createProxy(harness, 'slashes', echo.address);
    for (const path of ['/proxies/', '/proxies/slashes/toxics/']) {
      const reply = await harness.api('GET', path);
      assert.deepEqual([reply.status, reply.text], [404, '404 page not found\n'], path);
    }
    const wrong = await harness.api('DELETE', '/proxies/');
    assert.deepEqual([wrong.status, wrong.text], [404, '404 page not found\n']);
  });

  test('a path that is not clean is redirected, 301, to its clean form, as gorilla/mux does before routing', async () => {
    // A client given http://host:8474/ (a trailing slash) asks for //proxies: Toxiproxy's router
    // answers 301 Location /proxies, which clients follow for a GET.
    for (const [path, location] of [
      ['//proxies', '/proxies'],
      ['/proxies//toxics', '/proxies/toxics'],
      ['/proxies//toxics/x', '/proxies/toxics/x'],
      ['/proxies/./slashes', '/proxies/slashes'],
      ['/x/../version', '/version'],
      ['//proxies/slashes/toxics/', '/proxies/slashes/toxics/'],
      ['//proxies?explain', '/proxies?explain'],
    ]) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        // node:http sends the path as written; fetch would resolve the dot segments itself.
        const reply = await new Promise<http.IncomingMessage>((resolve, reject) =>
          http.request(`${harness.url}/`, { method, path }, resolve).on('error', reject).end(),
        );
        reply.resume();
        assert.equal(reply.statusCode, 301, `${method} ${path}`);
        assert.equal(reply.headers.location, location, `${method} ${path}`);
        assert.equal(reply.headers['content-length'], '0');
      }
    }
    const followed = await fetch(`${harness.url}//proxies/slashes`);
    assert.equal(followed.status, 200);
    assert.equal(((await followed.json()) as { name: string }).name, 'slashes');
  });

  test('/version is JSON with a space after the colon and a trailing newline', async () => {
    const reply = await harness.api('GET', '/version');
    // Byte for byte Toxiproxy's (its TestVersionEndpointReturnsVersion); faultline's version is a header.
    assert.equal(reply.text, '{"version": "2.12.0"}\n');
    assert.match(reply.headers.get('x-faultline-version') ?? '', /^\d+\.\d+\.\d+$/);
    assert.equal(reply.headers.get('content-type'), 'application/json;charset=utf-8');
  });
});

describe('proxies', () => {
  test('an empty server lists {}', async () => {
    const fresh = await startHarness();
    assert.deepEqual((await fresh.api('GET', '/proxies')).json, {});
  });

  test('create needs a name and an upstream', async () => {
    const noName = await harness.api('POST', '/proxies', { upstream: echo.address });
    assert.equal(noName.status, 400);
    assert.deepEqual(noName.json, {
      error: 'missing required field: name',
      status: 400,
      hint: 'every proxy needs a name, e.g. {"name":"redis","listen":"127.0.0.1:26379","upstream":"127.0.0.1:6379"}',
      code: 'FAULTLINE_ERR_MISSING_FIELD',
    });
    assert.equal(noName.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.ok(noName.text.endsWith('}\n'));
    const noUpstream = await harness.api('POST', '/proxies', { name: 'x' });
    assert.equal(noUpstream.json.error, 'missing required field: upstream');
  });

  test('create returns 201 with the resolved listen address, in Toxiproxy key order', async () => {
    const reply = await harness.api('POST', '/proxies', {
      name: 'ordered',
      listen: 'localhost:0',
      upstream: echo.address,
    });
    assert.equal(reply.status, 201);
    assert.deepEqual(Object.keys(reply.json), ['name', 'listen', 'upstream', 'enabled', 'Logger', 'toxics']);
    assert.match(reply.json.listen, /^127\.0\.0\.1:\d+$/);
    assert.equal(reply.json.upstream, echo.address);
    assert.equal(reply.json.enabled, true);
    assert.deepEqual(reply.json.Logger, {});
    assert.deepEqual(reply.json.toxics, []);
    assert.deepEqual((await harness.api('GET', '/proxies/ordered')).json, reply.json);
  });

  test('keys match case-insensitively, as Go decodes them', async () => {
    const reply = await harness.api('POST', '/proxies', {
      NAME: 'cased',
      Listen: '127.0.0.1:0',
      UPSTREAM: echo.address,
    });
    assert.equal(reply.status, 201);
    assert.equal(reply.json.name, 'cased');
  });

  test('a disabled proxy keeps its literal listen and does not listen', async () => {
    const reply = await harness.api('POST', '/proxies', {
      name: 'off',
      listen: '127.0.0.1:0',
      upstream: echo.address,
      enabled: false,
    });
    assert.equal(reply.json.listen, '127.0.0.1:0');
    assert.equal(reply.json.enabled, false);
  });

  test('POST and PATCH toggle the listener', async () => {
    const proxy = await createProxy(harness, 'toggled', echo.address);
    assert.equal(await canConnect(proxy.port), true);
    const off = await harness.api('PATCH', '/proxies/toggled', { enabled: false });
    assert.equal(off.json.enabled, false);
    assert.equal(await canConnect(proxy.port), false);
    const on = await harness.api('POST', '/proxies/toggled', { enabled: true });
    assert.equal(on.json.enabled, true);
    assert.equal(on.json.listen, proxy.listen, 're-enabling listens on the same resolved address');
    assert.equal(await canConnect(proxy.port), true);
  });

  test('an update may repeat the name but not change it (Toxiproxy ignores a new one in silence)', async () => {
    await createProxy(harness, 'named', echo.address);
    const same = await harness.api('PATCH', '/proxies/named', { name: 'named', enabled: false });
    assert.deepEqual([same.status, same.json.enabled], [200, false]);
    const renamed = await harness.api('POST', '/proxies/named', { name: 'other', enabled: true });
    assert.equal(renamed.status, 400);
    assert.deepEqual(renamed.json, {
      error: 'the name of a proxy cannot change',
      status: 400,
      hint: 'it is "named", received "other"; delete the proxy and create it again under the new name (Toxiproxy 2.12 ignores a new name and answers 200, so the rename looked done)',
      code: 'FAULTLINE_ERR_INVALID_FIELD',
    });
    assert.equal((await harness.api('GET', '/proxies/named')).json.enabled, false, 'nothing changed');
    assert.equal((await harness.api('GET', '/proxies/other')).status, 404);
  });

  test('toxics sent with a proxy update are not applied, and a difference is said in a Warning header', async () => {
    await createProxy(harness, 'saved', echo.address);
    const lag = { name: 'lag', type: 'latency', stream: 'downstream', toxicity: 0.3 };
    const added = await harness.api('POST', '/proxies/saved/toxics', { ...lag, attributes: { latency: 40 } });
    assert.equal(added.status, 200, added.text);
    // What toxiproxy-go's Save() sends: the whole proxy, toxicity as a float32.
    const echoed = await harness.api('POST', '/proxies/saved', {
      name: 'saved',
      enabled: false,
      toxics: [{ ...lag, toxicity: 0.30000001192092896, attributes: { latency: 40, jitter: 0 } }],
    });
    assert.deepEqual([echoed.status, echoed.json.enabled, echoed.headers.get('warning')], [200, false, null]);

    const changed = await harness.api('POST', '/proxies/saved', {
      enabled: true,
      toxics: [
        { ...lag, attributes: { latency: 900 } },
        { name: 'cut', type: 'reset_peer', attributes: {} },
      ],
    });
    assert.deepEqual([changed.status, changed.json.enabled], [200, true], 'the proxy part is applied');
    assert.equal(
      changed.headers.get('warning'),
      '299 faultline "the toxics of this update were not applied (lag, cut): a proxy update changes the proxy only, as in Toxiproxy; add, change or remove toxics with /proxies/saved/toxics"',
    );
    const toxics = await harness.api('GET', '/proxies/saved/toxics');
    assert.deepEqual(
      toxics.json.map((toxic: { name: string; attributes: { latency: number } }) => [
        toxic.name,
        toxic.attributes.latency,
      ]),
      [['lag', 40]],
    );

    const emptied = await harness.api('PATCH', '/proxies/saved', { Toxics: [] });
    assert.match(emptied.headers.get('warning') ?? '', /not applied \(lag\)/, 'a toxic left out is said too');
    assert.equal((await harness.api('GET', '/proxies/saved/toxics')).json.length, 1);
  });

  test('an update with an empty upstream is a 400 (Toxiproxy stores it) and changes nothing', async () => {
    const proxy = await createProxy(harness, 'emptied', echo.address);
    const reply = await harness.api('PATCH', '/proxies/emptied', { upstream: '' });
    assert.equal(reply.status, 400);
    assert.equal(reply.json.error, 'address : missing port in address');
    assert.equal(
      reply.json.hint,
      'upstream of proxy "emptied" must be "host:port" with a port from 0 to 65535, received ""; for example "127.0.0.1:26379" (Toxiproxy 2.12 accepts it and then closes every connection, unable to dial it)',
    );
    const after = (await harness.api('GET', '/proxies/emptied')).json;
    assert.deepEqual([after.listen, after.upstream], [proxy.listen, echo.address]);
  });

  test('an update with an empty listen moves the proxy to a new free port, as a create without one gets', async () => {
    // Go resolves "" as a host and port 0, so Toxiproxy 2.12 moves the proxy to a new port (on
    // every interface); faultline, as on create, to a new port on 127.0.0.1.
    const proxy = await createProxy(harness, 'relisten', echo.address);
    const reply = await harness.api('PATCH', '/proxies/relisten', { listen: '' });
    assert.equal(reply.status, 200, reply.text);
    assert.match(reply.json.listen, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(reply.json.listen, proxy.listen);
    assert.equal(reply.json.enabled, true);
    const socket = await connect(Number(reply.json.listen.split(':')[1]));
    socket.write('ping');
    assert.equal((await readBytes(socket, 4)).toString(), 'ping', 'the new port proxies');
    socket.destroy();
    assert.equal(await canConnect(Number(proxy.listen.split(':')[1])), false, 'the old port is closed');
  });

  test('delete closes the port and a second delete is 404', async () => {
    const proxy = await createProxy(harness, 'doomed', echo.address);
    assert.equal((await harness.api('DELETE', '/proxies/doomed')).status, 204);
    assert.equal(await canConnect(proxy.port), false);
    const again = await harness.api('DELETE', '/proxies/doomed');
    assert.equal(again.status, 404);
    assert.equal(again.json.error, 'proxy not found');
  });

  test("a duplicate name is 409 and a taken port is 500 with Go's text, as in Toxiproxy", async () => {
    const first = await createProxy(harness, 'dupe', echo.address);
    const duplicate = await harness.api('POST', '/proxies', { name: 'dupe', upstream: echo.address });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.json.error, 'proxy already exists');
    const taken = await harness.api('POST', '/proxies', {
      name: 'taken',
      listen: first.listen,
      upstream: echo.address,
    });
    assert.equal(taken.status, 500);
    assert.equal(taken.json.code, 'FAULTLINE_ERR_ADDRESS_IN_USE');
    assert.equal(taken.json.error, `listen tcp ${first.listen}: bind: address already in use`);
    assert.match(taken.json.hint, /pick another port/);
    assert.equal(
      (await harness.api('GET', '/proxies/taken')).status,
      404,
      'a failed create leaves nothing behind',
    );
  });

  test('a failed listen change leaves the proxy as it was', async () => {
    const blocker = await createProxy(harness, 'blocker', echo.address);
    const proxy = await createProxy(harness, 'mover', echo.address);
    const reply = await harness.api('PATCH', '/proxies/mover', {
      listen: blocker.listen,
      upstream: '127.0.0.1:1',
    });
    assert.equal(reply.status, 500);
    const after = (await harness.api('GET', '/proxies/mover')).json;
    assert.equal(after.listen, proxy.listen);
    assert.equal(after.upstream, echo.address);
    assert.equal(after.enabled, true);
    assert.equal(await canConnect(proxy.port), true);
  });
});

describe('toxics', () => {
  test('add echoes attributes with defaults, in key order, with status 200', async () => {
    await createProxy(harness, 'tox', echo.address);
    const reply = await harness.api('POST', '/proxies/tox/toxics', {
      type: 'latency',
      attributes: { latency: 100 },
    });
    assert.equal(reply.status, 200);
    assert.equal(
      reply.text,
      '{"attributes":{"latency":100,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}',
    );
  });

  test('names are unique across both streams; default names include the stream', async () => {
    const conflict = await harness.api('POST', '/proxies/tox/toxics', {
      type: 'noop',
      name: 'latency_downstream',
      stream: 'upstream',
    });
    assert.equal(conflict.status, 409);
    const upstream = await harness.api('POST', '/proxies/tox/toxics', {
      type: 'latency',
      stream: 'upstream',
    });
    assert.equal(upstream.json.name, 'latency_upstream');
    const list = (await harness.api('GET', '/proxies/tox/toxics')).json;
    assert.deepEqual(
      list.map((toxic: { name: string }) => toxic.name),
      ['latency_upstream', 'latency_downstream'],
      'upstream toxics are listed first',
    );
  });

  test('update merges attributes and keeps toxicity unless sent', async () => {
    await harness.api('POST', '/proxies/tox/toxics', {
      name: 'merge',
      type: 'latency',
      toxicity: 0.5,
      attributes: { latency: 10, jitter: 5 },
    });
    const reply = await harness.api('PATCH', '/proxies/tox/toxics/merge', { attributes: { latency: 20 } });
    assert.deepEqual(reply.json.attributes, { latency: 20, jitter: 5 });
    assert.equal(reply.json.toxicity, 0.5);
    const whole = await harness.api('POST', '/proxies/tox/toxics/merge', { ...reply.json, toxicity: 0.25 });
    assert.equal(whole.json.toxicity, 0.25, 'a client may send the whole toxic back');
    const retype = await harness.api('PATCH', '/proxies/tox/toxics/merge', { type: 'bandwidth' });
    assert.equal(retype.status, 400);
    assert.equal(retype.json.error, 'the type of a toxic cannot change');
  });

  test('a taken name is 409 before the attributes are checked, in the order Toxiproxy checks', async () => {
    const reply = await harness.api('POST', '/proxies/tox/toxics', {
      type: 'latency',
      attributes: { latency: 'x' },
    });
    assert.equal(reply.status, 409);
    assert.equal(reply.json.error, 'toxic already exists');
    assert.equal(
      reply.json.hint,
      'proxy "tox" has a toxic named "latency_downstream"; update it, remove it first, or pick another name',
    );
    const badType = await harness.api('POST', '/proxies/tox/toxics', { type: 'latncy', name: 'merge' });
    assert.equal(badType.json.error, 'invalid toxic type', 'the type is checked before the name');
    const free = await harness.api('POST', '/proxies/tox/toxics', {
      type: 'latency',
      name: 'free',
      attributes: { latency: 'x' },
    });
    assert.equal(free.status, 400);
  });

  test('remove gives 204 then 404', async () => {
    assert.equal((await harness.api('DELETE', '/proxies/tox/toxics/merge')).status, 204);
    const again = await harness.api('DELETE', '/proxies/tox/toxics/merge');
    assert.equal(again.status, 404);
    assert.equal(again.json.error, 'toxic not found');
  });

  test('noop defaults to the downstream stream', async () => {
    const reply = await harness.api('POST', '/proxies/tox/toxics', { type: 'noop' });
    assert.deepEqual(reply.json, {
      attributes: {},
      name: 'noop_downstream',
      type: 'noop',
      stream: 'downstream',
      toxicity: 1,
    });
  });

  test('reset enables every proxy and removes every toxic', async () => {
    const proxy = await createProxy(harness, 'resettable', echo.address);
    await harness.api('POST', '/proxies/resettable/toxics', { type: 'timeout' });
    await harness.api('PATCH', '/proxies/resettable', { enabled: false });
    assert.equal((await harness.api('POST', '/reset')).status, 204);
    const after = (await harness.api('GET', '/proxies/resettable')).json;
    assert.equal(after.enabled, true);
    assert.deepEqual(after.toxics, []);
    assert.equal(await canConnect(proxy.port), true);
  });
});

describe('validation: every bad input is a 4xx whose hint names field, value and rule', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['malformed JSON', '{"type":', /^bad request body: .*: the body is not valid JSON/],
    ['empty body', '', /^bad request body: EOF: the body is empty/],
    [
      'unknown type',
      { type: 'latncy' },
      /^invalid toxic type: received "latncy"; accepted types: noop, latency/,
    ],
    [
      'bad stream',
      { type: 'noop', stream: 'walrustream' },
      /^stream was invalid, can be either upstream or downstream: received "walrustream"$/,
    ],
    [
      'negative latency',
      { type: 'latency', attributes: { latency: -5 } },
      /attribute latency .* received -5; expected a whole number of ms from 0/,
    ],
    [
      'fractional latency',
      { type: 'latency', attributes: { latency: 1.5 } },
      /received 1\.5; expected a whole number/,
    ],
    ['string latency', { type: 'latency', attributes: { latency: '100' } }, /received "100"/],
    [
      'unknown attribute',
      { type: 'latency', attributes: { latncy: 100 } },
      /no field "latncy" .*accepted fields: latency, jitter/,
    ],
    [
      'toxicity above 1',
      { type: 'noop', toxicity: 50 },
      /toxicity .*from 0 to 1, not a percentage: 0\.5 .*\(Toxiproxy 2\.12 took a value above 1 as 1\), received 50$/,
    ],
    [
      'toxicity below 0',
      { type: 'noop', toxicity: -1 },
      /toxicity .*from 0 to 1 \(Toxiproxy 2\.12 took a value below 0 as 0: the toxic never applies\), received -1$/,
    ],
    [
      'slicer average 0',
      { type: 'slicer' },
      /average_size .* received 0; expected a whole number of bytes from 1/,
    ],
    [
      'slicer variation too big',
      { type: 'slicer', attributes: { average_size: 10, size_variation: 10 } },
      /size_variation must be smaller than average_size/,
    ],
    ['negative bandwidth', { type: 'bandwidth', attributes: { rate: -1 } }, /rate .* received -1/],
    ['attributes not an object', { type: 'latency', attributes: 5 }, /attributes must be a JSON object/],
    ['unknown top-level field', { type: 'noop', toxicty: 1 }, /no field "toxicty"/],
  ];
  for (const [label, body, hint] of cases) {
    test(`toxic: ${label}`, async () => {
      await harness.api('POST', '/proxies', { name: 'strict', upstream: echo.address });
      const reply = await harness.api('POST', '/proxies/strict/toxics', body);
      assert.equal(reply.status, 400, reply.text);
      assert.equal(typeof reply.json.hint, 'string');
      assert.match(`${reply.json.error}: ${reply.json.hint}`, hint);
      assert.deepEqual((await harness.api('GET', '/proxies/strict/toxics')).json, [], 'nothing was added');
    });
  }

  const proxyCases: Array<[string, unknown, RegExp]> = [
    [
      'listen without port',
      { name: 'p', listen: 'notahost', upstream: echo.address },
      /listen .* must be "host:port"/,
    ],
    [
      'upstream given as a URL',
      { name: 'p', upstream: 'http://example.test:80' },
      /no scheme: faultline proxies TCP/,
    ],
    [
      'port out of range',
      { name: 'p', listen: '127.0.0.1:70000', upstream: echo.address },
      /port from 0 to 65535/,
    ],
    [
      'address not on this machine',
      { name: 'p', listen: '192.0.2.1:0', upstream: echo.address },
      /not on this machine/,
    ],
    ['a slash in the name', { name: 'a/b', upstream: echo.address }, /"a\/b" may contain only letters/],
    [
      'enabled as a string',
      { name: 'p', upstream: echo.address, enabled: 'yes' },
      /enabled must be true or false/,
    ],
    ['a JSON array', [], /must be a JSON object/],
  ];
  for (const [label, body, hint] of proxyCases) {
    test(`proxy: ${label}`, async () => {
      const reply = await harness.api('POST', '/proxies', body);
      assert.ok(reply.status >= 400 && reply.status < 600, `${reply.status} ${reply.text}`);
      assert.match(reply.json.hint, hint);
      assert.equal((await harness.api('GET', '/proxies/p')).status, 404);
    });
  }

  test('the server keeps serving after every bad input', async () => {
    assert.equal((await harness.api('GET', '/version')).status, 200);
  });
});
