import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, FaultlineApiError } from '../src/client/index.js';
import { createProxy, startEchoServer, startHarness } from './helpers.js';

/**
 * Every error route of the control API answers with Toxiproxy 2.12's exact `error` text
 * (reference: toxiproxy-api.md §2.2 and §2.6), because clients put it in their exceptions and
 * users compare it. faultline's explanation travels in `hint`.
 */
const harness = await startHarness();
const echo = await startEchoServer();
const held = await createProxy(harness, 'held', echo.address);
await harness.api('POST', '/proxies/held/toxics', { type: 'latency', name: 'lat' });

interface Case {
  label: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  error: string;
}

const cases: Case[] = [
  {
    label: 'empty body',
    method: 'POST',
    path: '/proxies',
    body: '',
    status: 400,
    error: 'bad request body: EOF',
  },
  {
    label: 'create without a name',
    method: 'POST',
    path: '/proxies',
    body: { upstream: echo.address },
    status: 400,
    error: 'missing required field: name',
  },
  {
    label: 'create without an upstream',
    method: 'POST',
    path: '/proxies',
    body: { name: 'x' },
    status: 400,
    error: 'missing required field: upstream',
  },
  {
    label: 'a number for the name',
    method: 'POST',
    path: '/proxies',
    body: { name: 5, upstream: echo.address },
    status: 400,
    error: 'bad request body: json: cannot unmarshal number into Go struct field Proxy.name of type string',
  },
  {
    label: 'a duplicate proxy',
    method: 'POST',
    path: '/proxies',
    body: { name: 'held', upstream: echo.address },
    status: 409,
    error: 'proxy already exists',
  },
  {
    label: 'a port in use',
    method: 'POST',
    path: '/proxies',
    body: { name: 'clash', listen: held.listen, upstream: echo.address },
    status: 500,
    error: `listen tcp ${held.listen}: bind: address already in use`,
  },
  {
    label: 'a listen address without a port (500, as Toxiproxy answers every listen error)',
    method: 'POST',
    path: '/proxies',
    body: { name: 'x', listen: 'notahost', upstream: echo.address },
    status: 500,
    error: 'listen tcp: address notahost: missing port in address',
  },
  {
    label: 'get a missing proxy',
    method: 'GET',
    path: '/proxies/nope',
    status: 404,
    error: 'proxy not found',
  },
  {
    label: 'update a missing proxy',
    method: 'PATCH',
    path: '/proxies/nope',
    body: { enabled: false },
    status: 404,
    error: 'proxy not found',
  },
  {
    label: 'update with a bad listen address',
    method: 'POST',
    path: '/proxies/held',
    body: { listen: 'bad' },
    status: 500,
    error: 'address bad: missing port in address',
  },
  {
    label: 'delete a missing proxy',
    method: 'DELETE',
    path: '/proxies/nope',
    status: 404,
    error: 'proxy not found',
  },
  {
    label: 'toxics of a missing proxy',
    method: 'GET',
    path: '/proxies/nope/toxics',
    status: 404,
    error: 'proxy not found',
  },
  {
    label: 'add a toxic to a missing proxy',
    method: 'POST',
    path: '/proxies/nope/toxics',
    body: { type: 'latency' },
    status: 404,
    error: 'proxy not found',
  },
  {
    label: 'an invalid stream',
    method: 'POST',
    path: '/proxies/held/toxics',
    body: { type: 'latency', stream: 'walrustream' },
    status: 400,
    error: 'stream was invalid, can be either upstream or downstream',
  },
  {
    label: 'an invalid toxic type',
    method: 'POST',
    path: '/proxies/held/toxics',
    body: { type: 'latncy' },
    status: 400,
    error: 'invalid toxic type',
  },
  {
    label: 'a duplicate toxic',
    method: 'POST',
    path: '/proxies/held/toxics',
    body: { type: 'noop', name: 'lat', stream: 'upstream' },
    status: 409,
    error: 'toxic already exists',
  },
  {
    label: 'a string attribute',
    method: 'POST',
    path: '/proxies/held/toxics',
    body: { type: 'latency', name: 'l2', attributes: { latency: '100' } },
    status: 400,
    error:
      'bad request body: json: cannot unmarshal string into Go struct field LatencyToxic.attributes.latency of type int64',
  },
  {
    // Go's int64 holds it, so Toxiproxy decodes it: past the attribute's range, not a type error.
    label: 'a whole number past 2^53 that int64 holds',
    method: 'POST',
    path: '/proxies/held/toxics',
    body: { type: 'latency', name: 'l2', attributes: { latency: 2 ** 60 } },
    status: 400,
    error: 'invalid attribute latency of latency toxic "l2"',
  },
  {
    label: 'a whole number past int64',
    method: 'POST',
    path: '/proxies/held/toxics',
    body: { type: 'latency', name: 'l2', attributes: { latency: 1e19 } },
    status: 400,
    error:
      'bad request body: json: cannot unmarshal number 10000000000000000000 into Go struct field LatencyToxic.attributes.latency of type int64',
  },
  {
    label: 'attributes that are not an object',
    method: 'POST',
    path: '/proxies/held/toxics',
    body: { type: 'latency', name: 'l2', attributes: 5 },
    status: 400,
    error:
      'bad request body: json: cannot unmarshal number into Go struct field ToxicWrapper.attributes of type toxics.NoopToxic',
  },
  {
    label: 'get a missing toxic',
    method: 'GET',
    path: '/proxies/held/toxics/nope',
    status: 404,
    error: 'toxic not found',
  },
  {
    label: 'update a missing toxic',
    method: 'PATCH',
    path: '/proxies/held/toxics/nope',
    body: { toxicity: 0.5 },
    status: 404,
    error: 'toxic not found',
  },
  {
    label: 'update a toxic of a missing proxy',
    method: 'POST',
    path: '/proxies/nope/toxics/lat',
    body: { toxicity: 0.5 },
    status: 404,
    error: 'proxy not found',
  },
  {
    label: 'delete a missing toxic',
    method: 'DELETE',
    path: '/proxies/held/toxics/nope',
    status: 404,
    error: 'toxic not found',
  },
];

describe("every error route answers Toxiproxy's exact error text, then faultline's hint", () => {
  for (const { label, method, path, body, status, error } of cases) {
    test(`${method} ${path}: ${label}`, async () => {
      const reply = await harness.api(method, path, body);
      assert.equal(reply.status, status, reply.text);
      assert.equal(reply.json.error, error);
      assert.equal(reply.json.status, status);
      assert.deepEqual(
        Object.keys(reply.json).slice(0, 2),
        ['error', 'status'],
        "Toxiproxy's key order first",
      );
      assert.equal(typeof reply.json.hint, 'string', 'the explanation is in hint');
      assert.ok(reply.json.hint.length > 10);
      assert.equal(reply.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.ok(reply.text.endsWith('}\n'), 'a trailing newline, as http.Error writes');
    });
  }

  test('moving a proxy onto a port in use is 500 with the listen text', async () => {
    const other = await createProxy(harness, 'other', echo.address);
    const reply = await harness.api('PATCH', '/proxies/other', { listen: held.listen });
    assert.equal(reply.status, 500);
    assert.equal(reply.json.error, `listen tcp ${held.listen}: bind: address already in use`);
    assert.equal((await harness.api('GET', '/proxies/other')).json.listen, other.listen);
  });

  test('/populate: a missing field names the 1-based entry, as application/json with proxies', async () => {
    const reply = await harness.api('POST', '/populate', [
      { name: 'a', upstream: echo.address },
      { name: 'b' },
    ]);
    assert.equal(reply.status, 400);
    assert.equal(reply.headers.get('content-type'), 'application/json');
    assert.equal(reply.json.error, 'missing required field: upstream at proxy 2');
    assert.deepEqual(Object.keys(reply.json).slice(0, 3), ['error', 'status', 'proxies']);
    assert.deepEqual(reply.json.proxies, []);
    assert.equal((await harness.api('GET', '/proxies/a')).status, 404, 'all or nothing for invalid entries');
  });

  test('/reset: a proxy that cannot listen again answers 500 with the listen text', async () => {
    const fresh = await startHarness();
    const proxy = await createProxy(fresh, 'sleepy', echo.address);
    await fresh.api('PATCH', '/proxies/sleepy', { enabled: false });
    const squatter = await createProxy(harness, 'squatter', echo.address, { listen: proxy.listen });
    const reply = await fresh.api('POST', '/reset');
    assert.equal(reply.status, 500);
    assert.equal(reply.json.error, `listen tcp ${proxy.listen}: bind: address already in use`);
    assert.match(reply.json.hint, /^reset could not restart every proxy .*sleepy: /);
    await harness.api('DELETE', `/proxies/${squatter.name}`);
  });

  test('the faultline client keeps the text in its reason, and ends its message with the hint', async () => {
    const client = createClient({ url: harness.url });
    const error = await client.proxy('nope').then(
      () => assert.fail('expected a rejection'),
      (rejection: unknown) => rejection,
    );
    assert.ok(error instanceof FaultlineApiError);
    assert.equal(error.reason, 'get proxy nope: HTTP 404: proxy not found');
    assert.equal(error.hint, 'there is no proxy named "nope"; GET /proxies lists them');
    assert.equal(error.message, `${error.reason}: ${error.hint}`);
    assert.equal(error.code, 'FAULTLINE_ERR_PROXY_NOT_FOUND');
    assert.equal(error.status, 404);
  });
});

test('a body with text after its JSON value is a 400 whose hint says so, not that the JSON is broken', async () => {
  const reply = await harness.api('POST', '/proxies/held/toxics', '{"type":"noop"} junk');
  assert.equal(reply.status, 400);
  assert.match(reply.json.error, /^bad request body: Unexpected non-whitespace character after JSON/);
  assert.equal(
    reply.json.hint,
    'the body is one JSON value followed by "junk"; send the value alone (Toxiproxy 2.12 ignores what follows it, faultline refuses it so that nothing sent is ignored)',
  );
  assert.equal((await harness.api('GET', '/proxies/held/toxics/noop_downstream')).status, 404);
});

describe('a body nested deeper than 256 levels is a 400 that names the limit, on every body route', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const inAttributes = (depth: number) => `{"type":"latency","attributes":{"latency":${nested(depth - 2)}}}`;
  const routes: Array<[method: string, path: string, body: (depth: number) => string]> = [
    ['POST', '/populate', nested],
    [
      'POST',
      '/proxies',
      (depth) => `{"name":"deep","upstream":"${echo.address}","toxics":${nested(depth - 1)}}`,
    ],
    ['POST', '/proxies/held', nested],
    ['PATCH', '/proxies/held', nested],
    ['POST', '/proxies/held/toxics', inAttributes],
    ['POST', '/proxies/held/toxics/lat', inAttributes],
    ['PATCH', '/proxies/held/toxics/lat', inAttributes],
    ['POST', '/runs', (depth) => `{"title":"deep","journal":${nested(depth - 1)}}`],
    ['PATCH', '/runs/deep-run', (depth) => `{"status":"completed","journal":${nested(depth - 1)}}`],
    ['POST', '/halt', (depth) => `{"reason":${nested(depth - 1)}}`],
  ];

  // A run stays registered while its POST /runs stream is open.
  const registration = new AbortController();
  before(async () => {
    const response = await fetch(`${harness.url}/runs`, {
      method: 'POST',
      body: JSON.stringify({ id: 'deep-run', title: 'a run to end' }),
      signal: registration.signal,
    });
    const reader = response.body!.getReader();
    assert.match(new TextDecoder().decode((await reader.read()).value), /"id":"deep-run"/);
  });
  after(() => registration.abort());

  for (const [method, path, body] of routes) {
    test(`${method} ${path}`, async () => {
      for (const depth of [257, 5000, 100_000]) {
        const reply = await harness.api(method, path, body(depth));
        assert.deepEqual(
          [reply.status, reply.json?.error, reply.json?.code, reply.json?.hint],
          [
            400,
            'bad request body: JSON nested deeper than 256 levels',
            'FAULTLINE_ERR_BAD_BODY',
            `received arrays and objects nested ${depth} levels deep; the limit is 256, and no request of the API comes near it: check that the body is the one you meant to send`,
          ],
          `depth ${depth}`,
        );
      }
      const atLimit = await harness.api(method, path, body(256));
      assert.doesNotMatch(atLimit.text, /nested deeper/, 'depth 256 is allowed');
      assert.notEqual(atLimit.status, 500, atLimit.text);
    });
  }

  test('nothing changed: no proxy "deep", and the toxic "lat" is as it was', async () => {
    assert.equal((await harness.api('GET', '/proxies/deep')).status, 404);
    const toxic = await harness.api('GET', '/proxies/held/toxics/lat');
    assert.deepEqual(toxic.json.attributes, { latency: 0, jitter: 0 });
  });
});

describe('POST /reset takes no body: one that asks for something is refused before anything is reset', () => {
  test('none, {} and null reset, as clients send them', async () => {
    for (const body of [undefined, '', '{}', 'null', ' { } ']) {
      const reply = await harness.api('POST', '/reset', body);
      assert.equal(reply.status, 204, `${JSON.stringify(body)}: ${reply.text}`);
    }
    await harness.api('POST', '/proxies/held/toxics', { type: 'latency', name: 'lat' });
  });

  test('{"proxy":"held"} is a 400 and the toxics of every proxy stay', async () => {
    for (const [body, received] of [
      ['{"proxy":"held"}', '{"proxy":"held"}'],
      ['[1]', '[1]'],
      ['all', '"all"'],
    ] as const) {
      const reply = await harness.api('POST', '/reset', body);
      assert.deepEqual(
        [reply.status, reply.json?.error, reply.json?.code],
        [400, 'bad request body: POST /reset takes no body', 'FAULTLINE_ERR_BAD_BODY'],
        body,
      );
      assert.ok(reply.json.hint.startsWith(`received ${received}, and nothing was reset;`), reply.json.hint);
    }
    const toxics = await harness.api('GET', '/proxies/held/toxics');
    assert.deepEqual(
      (toxics.json as Array<{ name: string }>).map((toxic) => toxic.name),
      ['lat'],
    );
  });
});

describe('a key written twice in a body is refused, where Toxiproxy keeps the last in silence', () => {
  test('exactly twice, at any depth, on create, update and populate', async () => {
    for (const [method, path, body, key] of [
      ['POST', '/proxies', `{"name":"first","upstream":"${echo.address}","name":"second"}`, 'name'],
      [
        'POST',
        '/proxies/held/toxics',
        '{"type":"latency","attributes":{"latency":1,"latency":500}}',
        'latency',
      ],
      ['POST', '/proxies/held', '{"enabled":false,"enabled":true}', 'enabled'],
      [
        'POST',
        '/populate',
        `[{"name":"p","upstream":"${echo.address}","upstream":"127.0.0.1:1"}]`,
        'upstream',
      ],
    ] as const) {
      const reply = await harness.api(method, path, body);
      assert.deepEqual(
        [reply.status, reply.json?.error, reply.json?.code],
        [400, `bad request body: duplicate key "${key}"`, 'FAULTLINE_ERR_BAD_BODY'],
        `${method} ${path}`,
      );
    }
    for (const name of ['first', 'second', 'p']) {
      assert.equal((await harness.api('GET', `/proxies/${name}`)).status, 404, `${name} was not made`);
    }
  });

  test('twice in another case, which Toxiproxy reads as one field', async () => {
    const reply = await harness.api(
      'POST',
      '/proxies',
      `{"name":"first","upstream":"${echo.address}","Name":"second"}`,
    );
    assert.deepEqual(
      [reply.status, reply.json?.error, reply.json?.code],
      [400, 'bad request body: duplicate key "Name"', 'FAULTLINE_ERR_BAD_BODY'],
    );
    assert.match(reply.json.hint, /has both "name" and "Name", one field/);
  });
});
