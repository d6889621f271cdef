import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { blockContains, parseIp, parseIpBlock } from '../src/model/ip-block.js';
import {
  type Counter,
  CounterState,
  connectionMatchKeys,
  describeCounted,
  describeMatch,
  globToRegex,
  grpcCall,
  MAX_COUNTER,
  type Match,
  matchesClient,
  matchesRequest,
  matchKeys,
  parseCounter,
  parseMatch,
  type RequestFacts,
  requestOnlyKeys,
} from '../src/model/match.js';

const ALL_KEYS = 'client, method, path, path_regex, query, headers, headers_regex, grpc_service, grpc_method';

function request(facts: Partial<RequestFacts> = {}): RequestFacts {
  return { method: 'GET', path: '/', query: '', headers: {}, client: '127.0.0.1', ...facts };
}

function parsed(value: Record<string, unknown>): Match {
  const match = parseMatch(value, 'toxic t');
  assert.ok(match, 'a match with keys parses to a match');
  return match;
}

function refusal(reason: string, hint: string): { code: string; reason: string; hint: string } {
  return { code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE', reason, hint };
}

describe('match keys', () => {
  test('the documented keys, and only client on a connection', () => {
    assert.deepEqual(matchKeys.join(', '), ALL_KEYS);
    assert.deepEqual(connectionMatchKeys, ['client']);
  });

  test('requestOnlyKeys names every key but client, and nothing for no match', () => {
    assert.deepEqual(requestOnlyKeys(undefined), []);
    assert.deepEqual(requestOnlyKeys(parsed({ client: '10.0.0.1' })), []);
    assert.deepEqual(requestOnlyKeys(parsed({ client: '10.0.0.1', method: 'GET', path: '/a' })), [
      'method',
      'path',
    ]);
  });
});

describe('parseMatch refuses what is not a match, saying what it received', () => {
  test('not an object', () => {
    for (const [value, shown] of [
      [null, 'null'],
      [[], '[]'],
      ['GET', '"GET"'],
      [undefined, 'nothing'],
    ] as const) {
      assert.throws(
        () => parseMatch(value, 'toxic t'),
        refusal('invalid match of toxic t', `received ${shown}; match is an object with keys ${ALL_KEYS}`),
      );
    }
  });

  test('an unknown key, named as written', () => {
    assert.throws(
      () => parseMatch({ Paths: '/a' }, 'toxic t'),
      refusal('unknown match key "Paths" in toxic t', `accepted match keys: ${ALL_KEYS}`),
    );
  });

  test('an empty match is no match', () => {
    assert.equal(parseMatch({}, 'toxic t'), undefined);
  });

  test('keys in any letter case', () => {
    assert.deepEqual(parseMatch({ METHOD: 'get', Path: '/a' }, 'toxic t'), { method: ['GET'], path: '/a' });
  });

  test('client: addresses and blocks, one or a list, trimmed; anything else refused', () => {
    assert.deepEqual(parsed({ client: ' 10.0.0.0/8 ' }), { client: ['10.0.0.0/8'] });
    assert.deepEqual(parsed({ client: ['::1', '127.0.0.2'] }), { client: ['::1', '127.0.0.2'] });
    const accepted = 'an IP address or CIDR block, or a list of them';
    for (const [value, shown] of [
      [[], '[]'],
      [5, '5'],
      [['::1', 7], '["::1",7]'],
    ] as const) {
      assert.throws(
        () => parseMatch({ client: value }, 'toxic t'),
        refusal('invalid match.client of toxic t', `received ${shown}; accepted: ${accepted}`),
      );
    }
    assert.throws(
      () => parseMatch({ client: ['10.0.0.1', 'localhost'] }, 'toxic t'),
      refusal(
        'invalid match.client of toxic t',
        'received "localhost"; accepted: an IP address such as 127.0.0.2 or a CIDR block such as 10.0.0.0/8',
      ),
    );
  });

  test('method: letters only, upper-cased', () => {
    assert.deepEqual(parsed({ method: ['post', 'Put'] }), { method: ['POST', 'PUT'] });
    assert.throws(
      () => parseMatch({ method: ['GET', 'GE T'] }, 'toxic t'),
      refusal(
        'invalid match.method of toxic t',
        'received "GE T"; accepted: a method name of letters such as "POST"',
      ),
    );
    assert.throws(
      () => parseMatch({ method: 'GET1' }, 'toxic t'),
      refusal(
        'invalid match.method of toxic t',
        'received "GET1"; accepted: a method name of letters such as "POST"',
      ),
    );
    assert.throws(
      () => parseMatch({ method: 'X-GET' }, 'toxic t'),
      refusal(
        'invalid match.method of toxic t',
        'received "X-GET"; accepted: a method name of letters such as "POST"',
      ),
    );
    assert.throws(
      () => parseMatch({ method: {} }, 'toxic t'),
      refusal(
        'invalid match.method of toxic t',
        'received {}; accepted: a method such as "POST", or a list such as ["POST", "PUT"]',
      ),
    );
  });

  test('path: a glob from "/" or "*"; empty, relative or not text refused', () => {
    assert.deepEqual(parsed({ path: '/v1/*' }), { path: '/v1/*' });
    assert.deepEqual(parsed({ path: '**/x' }), { path: '**/x' });
    assert.throws(() => parseMatch({ path: `/${'a*'.repeat(200)}` }, 'toxic t'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: 'match.path of toxic t: the pattern is 1203 characters long; the limit is 1024',
    });
    assert.throws(
      () => parseMatch({ path: 'v1/orders' }, 'toxic t'),
      refusal(
        'invalid match.path of toxic t',
        'received "v1/orders"; accepted: a path glob starting with "/", such as "/v1/orders/*"',
      ),
    );
    for (const [value, shown] of [
      ['', '""'],
      [3, '3'],
    ] as const) {
      assert.throws(
        () => parseMatch({ path: value }, 'toxic t'),
        refusal(
          'invalid match.path of toxic t',
          `received ${shown}; accepted: a path glob such as "/v1/orders/*" (** crosses /)`,
        ),
      );
    }
  });

  test('path: a glob no request path can match is refused, with the path as requests send it', () => {
    for (const [glob, hint] of [
      [
        '/café/*',
        'received "/café/*"; a request sends its path percent-encoded, and it is matched as sent: "é" never occurs in it; send "/caf%C3%A9/*"',
      ],
      [
        '/a b',
        'received "/a b"; a request sends its path percent-encoded, and it is matched as sent: " " never occurs in it; send "/a%20b"',
      ],
      [
        '/page#top',
        'received "/page#top"; a request sends its path percent-encoded, and it is matched as sent: "#" never occurs in it; send "/page%23top"',
      ],
      [
        '/search?q=1',
        'received "/search?q=1"; the path is matched without its query ("?" in a glob is any one character): match the query with match.query, e.g. {"q":"1"}',
      ],
      // A name and a value of more than one character, named whole in the example.
      [
        '/api/*?user=42',
        'received "/api/*?user=42"; the path is matched without its query ("?" in a glob is any one character): match the query with match.query, e.g. {"user":"42"}',
      ],
    ] as const) {
      assert.throws(
        () => parseMatch({ path: glob }, 'toxic t'),
        refusal('invalid match.path of toxic t', hint),
      );
    }
    assert.deepEqual(parsed({ path: '/caf%C3%A9/?' }), { path: '/caf%C3%A9/?' });
  });

  test('path_regex: RE2, compiled when the toxic is made', () => {
    assert.deepEqual(parsed({ path_regex: '^/a/[0-9]+$' }), { path_regex: '^/a/[0-9]+$' });
    assert.throws(() => parseMatch({ path_regex: '(a' }, 'toxic t'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: /^match\.path_regex of toxic t: invalid pattern "\(a": /,
    });
    assert.throws(
      () => parseMatch({ path_regex: '' }, 'toxic t'),
      refusal(
        'invalid match.path_regex of toxic t',
        'received ""; accepted: an RE2 regular expression such as "^/v1/orders/[0-9]+$"',
      ),
    );
  });

  test('query and headers: objects of text; header names lower-cased', () => {
    assert.deepEqual(parsed({ query: { Debug: '1' } }), { query: { Debug: '1' } });
    assert.deepEqual(parsed({ headers: { 'X-User': 'Alice' } }), { headers: { 'x-user': 'Alice' } });
    const queryAccepted = 'an object of parameter name → exact value, e.g. {"debug":"1"}';
    for (const [value, shown] of [
      [null, 'null'],
      [['a'], '["a"]'],
      ['a=1', '"a=1"'],
      [{ a: 1 }, '{"a":1}'],
    ] as const) {
      assert.throws(
        () => parseMatch({ query: value }, 'toxic t'),
        refusal('invalid match.query of toxic t', `received ${shown}; accepted: ${queryAccepted}`),
      );
    }
    assert.throws(
      () => parseMatch({ headers: { a: 'x', b: 2 } }, 'toxic t'),
      refusal(
        'invalid match.headers of toxic t',
        'received {"a":"x","b":2}; accepted: an object of header name → exact value, e.g. {"x-user":"alice"}',
      ),
    );
    assert.throws(
      () => parseMatch({ headers: { a: true } }, 'toxic t'),
      refusal(
        'invalid match.headers of toxic t',
        'received {"a":true}; accepted: an object of header name → exact value, e.g. {"x-user":"alice"}',
      ),
    );
  });

  test('headers and headers_regex: a name no request can carry, or one header named twice, is refused', () => {
    for (const key of ['headers', 'headers_regex']) {
      for (const [name, why] of [
        ['x user', '"x user" is not a header name (letters, digits and !#$%&\'*+-.^_`|~)'],
        ['', '"" is not a header name (letters, digits and !#$%&\'*+-.^_`|~)'],
        ['x-user:', '"x-user:" is not a header name (letters, digits and !#$%&\'*+-.^_`|~)'],
        [':status', '":status" is no request pseudo-header (:authority, :method, :path, :scheme)'],
      ] as const) {
        assert.throws(
          () => parseMatch({ [key]: { [name]: 'a' } }, 'toxic t'),
          refusal(`invalid match.${key} of toxic t`, `received {${JSON.stringify(name)}:"a"}; ${why}`),
        );
      }
      for (const [first, second] of [
        ['X-User', 'x-user'],
        ['host', ':authority'],
      ] as const) {
        assert.throws(
          () => parseMatch({ [key]: { [first]: 'a', [second]: 'b' } }, 'toxic t'),
          refusal(
            `invalid match.${key} of toxic t`,
            `received {${JSON.stringify(first)}:"a",${JSON.stringify(second)}:"b"}; ${JSON.stringify(first)} and ${JSON.stringify(second)} name one header: give it once`,
          ),
        );
      }
    }
    assert.deepEqual(parsed({ headers: { ':Method': 'POST', ':path': '/a' } }), {
      headers: { ':method': 'POST', ':path': '/a' },
    });
  });

  test('a key given twice in two letter cases is refused, not one of them dropped', () => {
    assert.throws(
      () => parseMatch({ method: 'GET', Method: 'POST' }, 'toxic t'),
      refusal('invalid match of toxic t', 'the key method is given twice (method, Method): give it once'),
    );
  });

  test('the map given is copied, not kept', () => {
    const query = { a: '1' };
    const match = parsed({ query });
    query.a = '2';
    assert.deepEqual(match.query, { a: '1' });
  });

  test('headers_regex: names lower-cased, each expression compiled', () => {
    assert.deepEqual(parsed({ headers_regex: { 'User-Agent': 'curl' } }), {
      headers_regex: { 'user-agent': 'curl' },
    });
    assert.throws(() => parseMatch({ headers_regex: { 'X-A': '[' } }, 'toxic t'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: /^match\.headers_regex\.x-a of toxic t: invalid pattern "\[": /,
    });
    assert.throws(
      () => parseMatch({ headers_regex: 'curl' }, 'toxic t'),
      refusal(
        'invalid match.headers_regex of toxic t',
        'received "curl"; accepted: an object of header name → RE2 regular expression, e.g. {"user-agent":"curl"}',
      ),
    );
  });

  test('grpc_service and grpc_method: non-empty text', () => {
    assert.deepEqual(parsed({ grpc_service: 'shop.Orders', grpc_method: 'Create' }), {
      grpc_service: 'shop.Orders',
      grpc_method: 'Create',
    });
    assert.throws(
      () => parseMatch({ grpc_service: '' }, 'toxic t'),
      refusal(
        'invalid match.grpc_service of toxic t',
        'received ""; accepted: a full gRPC service name such as "shop.Orders": the package and service, dot-separated',
      ),
    );
    assert.throws(
      () => parseMatch({ grpc_method: 1 }, 'toxic t'),
      refusal(
        'invalid match.grpc_method of toxic t',
        'received 1; accepted: a gRPC method name such as "Create": letters, digits and _',
      ),
    );
  });

  test('grpc_service and grpc_method: names a gRPC path can carry, not a path that never matches', () => {
    assert.deepEqual(parsed({ grpc_service: '_a.b_2.Orders', grpc_method: 'Get_2' }), {
      grpc_service: '_a.b_2.Orders',
      grpc_method: 'Get_2',
    });
    assert.deepEqual(parsed({ grpc_service: 'Orders' }), { grpc_service: 'Orders' });
    const service = 'a full gRPC service name such as "shop.Orders": the package and service, dot-separated';
    const method = 'a gRPC method name such as "Create": letters, digits and _';
    assert.throws(
      () => parseMatch({ grpc_service: '/shop.Orders' }, 'toxic t'),
      refusal(
        'invalid match.grpc_service of toxic t',
        `received "/shop.Orders"; accepted: ${service}; send "shop.Orders", without the slashes`,
      ),
    );
    assert.throws(
      () => parseMatch({ grpc_service: 'shop.Orders/Create' }, 'toxic t'),
      refusal(
        'invalid match.grpc_service of toxic t',
        `received "shop.Orders/Create"; accepted: ${service}; for the path /shop.Orders/Create send grpc_service "shop.Orders" and grpc_method "Create"`,
      ),
    );
    assert.throws(
      () => parseMatch({ grpc_method: '/shop.Orders/Create' }, 'toxic t'),
      refusal(
        'invalid match.grpc_method of toxic t',
        `received "/shop.Orders/Create"; accepted: ${method}; for the path /shop.Orders/Create send grpc_service "shop.Orders" and grpc_method "Create"`,
      ),
    );
    for (const bad of [
      'shop orders',
      'shop..Orders',
      '.Orders',
      'Orders.',
      '1shop.Orders',
      'shop.*',
      '/1a/b',
    ]) {
      assert.throws(
        () => parseMatch({ grpc_service: bad }, 'toxic t'),
        refusal(
          'invalid match.grpc_service of toxic t',
          `received ${JSON.stringify(bad)}; accepted: ${service}`,
        ),
      );
    }
    assert.throws(
      () => parseMatch({ grpc_service: '//shop.Orders//' }, 'toxic t'),
      refusal(
        'invalid match.grpc_service of toxic t',
        `received "//shop.Orders//"; accepted: ${service}; send "shop.Orders", without the slashes`,
      ),
    );
    assert.throws(
      () => parseMatch({ grpc_method: 'Create/' }, 'toxic t'),
      refusal(
        'invalid match.grpc_method of toxic t',
        `received "Create/"; accepted: ${method}; send "Create", without the slashes`,
      ),
    );
    for (const bad of ['Cre ate', '/a b/c', 'shop.Create', '2Create', 'Create*']) {
      assert.throws(
        () => parseMatch({ grpc_method: bad }, 'toxic t'),
        refusal(
          'invalid match.grpc_method of toxic t',
          `received ${JSON.stringify(bad)}; accepted: ${method}`,
        ),
      );
    }
  });
});

describe('globToRegex', () => {
  test('* within a segment, ** across, ? one character, specials escaped', () => {
    assert.equal(globToRegex('/a/*'), '^/a/[^/]*$');
    assert.equal(globToRegex('/a/**'), '^/a/.*$');
    assert.equal(globToRegex('/a?c'), '^/a[^/]c$');
    assert.equal(globToRegex('/v1.0/(x)+[y]{z}|^$\\'), '^/v1\\.0/\\(x\\)\\+\\[y\\]\\{z\\}\\|\\^\\$\\\\$');
    assert.equal(globToRegex('*'), '^[^/]*$');
    assert.equal(globToRegex('**'), '^.*$');
    assert.equal(globToRegex(''), '^$');
  });
});

describe('matchesClient', () => {
  test('no match or no client key: every client', () => {
    assert.equal(matchesClient(undefined, 'not an address'), true);
    assert.equal(matchesClient(parsed({ method: 'GET' }), 'not an address'), true);
  });

  test('addresses and blocks, IPv4 seen as IPv4-mapped IPv6; an unreadable client never matches', () => {
    const match = parsed({ client: ['10.0.0.0/8', '::1'] });
    assert.equal(matchesClient(match, '10.200.3.4'), true);
    assert.equal(matchesClient(match, '::ffff:10.1.2.3'), true);
    assert.equal(matchesClient(match, '::1'), true);
    assert.equal(matchesClient(match, '11.0.0.1'), false);
    assert.equal(matchesClient(match, 'nonsense'), false);
  });
});

describe('grpcCall', () => {
  test('/service/method and nothing else', () => {
    assert.deepEqual(grpcCall('/shop.Orders/Create'), { service: 'shop.Orders', method: 'Create' });
    assert.equal(grpcCall('/shop.Orders/Create/x'), undefined);
    assert.equal(grpcCall('x/shop.Orders/Create'), undefined);
    assert.equal(grpcCall('/shop.Orders/Create/'), undefined);
    assert.equal(grpcCall('//Create'), undefined);
  });
});

describe('matchesRequest: every key given must match', () => {
  test('no match: every request', () => {
    assert.equal(matchesRequest(undefined, request({ client: 'nonsense' })), true);
  });

  test('client', () => {
    const match = parsed({ client: '10.0.0.1' });
    assert.equal(matchesRequest(match, request({ client: '10.0.0.1' })), true);
    assert.equal(matchesRequest(match, request({ client: '10.0.0.2' })), false);
  });

  test('method, in any case the request has', () => {
    const match = parsed({ method: ['POST', 'PUT'] });
    assert.equal(matchesRequest(match, request({ method: 'put' })), true);
    assert.equal(matchesRequest(match, request({ method: 'POST' })), true);
    assert.equal(matchesRequest(match, request({ method: 'GET' })), false);
  });

  test('path glob: * stays within a segment, ** crosses', () => {
    const one = parsed({ path: '/v1/*/items' });
    assert.equal(matchesRequest(one, request({ path: '/v1/7/items' })), true);
    assert.equal(matchesRequest(one, request({ path: '/v1/7/8/items' })), false);
    assert.equal(matchesRequest(one, request({ path: '/v1/7/items/x' })), false);
    const any = parsed({ path: '/v1/**' });
    assert.equal(matchesRequest(any, request({ path: '/v1/7/8/items' })), true);
    assert.equal(matchesRequest(any, request({ path: '/v2/7' })), false);
    const dot = parsed({ path: '/a.b' });
    assert.equal(matchesRequest(dot, request({ path: '/axb' })), false);
  });

  test('path_regex matches anywhere in the path', () => {
    const match = parsed({ path_regex: '[0-9]+$' });
    assert.equal(matchesRequest(match, request({ path: '/orders/42' })), true);
    assert.equal(matchesRequest(match, request({ path: '/orders/x' })), false);
  });

  test('query: each parameter must have the value, among repeated ones too', () => {
    const match = parsed({ query: { debug: '1', v: '2' } });
    assert.equal(matchesRequest(match, request({ query: 'v=1&debug=1&v=2' })), true);
    assert.equal(matchesRequest(match, request({ query: 'debug=1' })), false);
    assert.equal(matchesRequest(match, request({ query: 'debug=0&v=2' })), false);
  });

  test('headers: exact values, among a repeated header too', () => {
    const match = parsed({ headers: { 'X-User': 'alice', 'x-team': 'a' } });
    assert.equal(
      matchesRequest(match, request({ headers: { 'x-user': ['bob', 'alice'], 'x-team': 'a' } })),
      true,
    );
    assert.equal(matchesRequest(match, request({ headers: { 'x-user': 'alice' } })), false);
    assert.equal(matchesRequest(match, request({ headers: { 'x-user': 'Alice', 'x-team': 'a' } })), false);
  });

  test('host and :authority name one header, as in Envoy: HTTP/1.1 sends Host, HTTP/2 :authority', () => {
    const http1 = request({ headers: { host: 'shop.example' } });
    const http2 = request({ headers: { ':authority': 'shop.example' } });
    for (const name of ['host', ':authority']) {
      const exact = parsed({ headers: { [name]: 'shop.example' } });
      const pattern = parsed({ headers_regex: { [name]: '^shop\\.' } });
      for (const facts of [http1, http2]) {
        assert.equal(matchesRequest(exact, facts), true, `${name} on ${Object.keys(facts.headers)[0]}`);
        assert.equal(matchesRequest(pattern, facts), true, `${name} ~ on ${Object.keys(facts.headers)[0]}`);
      }
      assert.equal(matchesRequest(exact, request({ headers: { host: 'other.example' } })), false);
    }
  });

  test(':method and :path match on HTTP/1.1 as on HTTP/2, as in Envoy: the method, the path with its query', () => {
    const http1 = request({ method: 'POST', path: '/orders', query: 'dry=1' });
    const http2 = request({
      method: 'POST',
      path: '/orders',
      query: 'dry=1',
      headers: { ':method': 'POST', ':path': '/orders?dry=1' },
    });
    for (const facts of [http1, http2]) {
      assert.equal(matchesRequest(parsed({ headers: { ':method': 'POST' } }), facts), true);
      assert.equal(matchesRequest(parsed({ headers: { ':method': 'GET' } }), facts), false);
      assert.equal(matchesRequest(parsed({ headers: { ':path': '/orders?dry=1' } }), facts), true);
      assert.equal(matchesRequest(parsed({ headers_regex: { ':path': '^/orders\\?' } }), facts), true);
    }
    assert.equal(
      matchesRequest(parsed({ headers: { ':path': '/orders' } }), request({ path: '/orders' })),
      true,
    );
    const overTls = request({ scheme: 'https' });
    assert.equal(matchesRequest(parsed({ headers: { ':scheme': 'https' } }), overTls), true);
    assert.equal(matchesRequest(parsed({ headers: { ':scheme': 'http' } }), overTls), false);
  });

  test('a header the request does not carry has no value: only the pseudo-headers are made up', () => {
    const plain = request({ scheme: 'http' });
    assert.equal(matchesRequest(parsed({ headers: { 'x-proto': 'http' } }), plain), false);
    assert.equal(matchesRequest(parsed({ headers_regex: { 'x-proto': '.*' } }), plain), false);
  });

  test('headers_regex: any value of the header matching', () => {
    const match = parsed({ headers_regex: { 'User-Agent': '^curl/', accept: 'json' } });
    const both = { 'user-agent': ['wget', 'curl/8'], accept: 'application/json' };
    assert.equal(matchesRequest(match, request({ headers: both })), true);
    assert.equal(
      matchesRequest(match, request({ headers: { ...both, 'user-agent': 'wget curl/8' } })),
      false,
    );
    assert.equal(matchesRequest(match, request({ headers: { 'user-agent': 'curl/8' } })), false);
  });

  test('gRPC service and method: only on an application/grpc request with a /service/method path', () => {
    const grpc = { 'content-type': 'application/grpc+proto' };
    const both = parsed({ grpc_service: 'shop.Orders', grpc_method: 'Create' });
    assert.equal(matchesRequest(both, request({ path: '/shop.Orders/Create', headers: grpc })), true);
    assert.equal(matchesRequest(both, request({ path: '/shop.Orders/Cancel', headers: grpc })), false);
    assert.equal(matchesRequest(both, request({ path: '/shop.Users/Create', headers: grpc })), false);
    assert.equal(
      matchesRequest(
        both,
        request({ path: '/shop.Orders/Create', headers: { 'content-type': 'application/json' } }),
      ),
      false,
    );
    assert.equal(matchesRequest(both, request({ path: '/shop.Orders/Create' })), false);
    assert.equal(matchesRequest(both, request({ path: '/shop.Orders/Create/x', headers: grpc })), false);
    const service = parsed({ grpc_service: 'shop.Orders' });
    assert.equal(matchesRequest(service, request({ path: '/shop.Orders/Cancel', headers: grpc })), true);
    assert.equal(matchesRequest(service, request({ path: '/shop.Users/Cancel', headers: grpc })), false);
    const method = parsed({ grpc_method: 'Create' });
    assert.equal(matchesRequest(method, request({ path: '/shop.Users/Create', headers: grpc })), true);
    assert.equal(matchesRequest(method, request({ path: '/shop.Users/Cancel', headers: grpc })), false);
    const other = parsed({ path: '/shop.Orders/Create' });
    assert.equal(matchesRequest(other, request({ path: '/shop.Orders/Create' })), true);
  });

  test('gRPC service and method: a gRPC call as grpc_status sees one, in any case; not gRPC-Web', () => {
    const service = parsed({ grpc_service: 'shop.Orders' });
    const typed = (type: string | string[]) =>
      matchesRequest(service, request({ path: '/shop.Orders/Get', headers: { 'content-type': type } }));
    assert.deepEqual(
      [
        ' Application/GRPC ',
        'application/grpc',
        'application/grpc+proto',
        'application/grpc; charset=utf-8',
        'application/grpc-web',
        'application/grpc-web+proto',
        'application/grpcx',
        'text/plain',
      ].map(typed),
      [true, true, true, true, false, false, false, false],
    );
    assert.equal(typed(['application/grpc', 'text/plain']), true);
    assert.equal(typed(['text/plain', 'application/grpc']), false);
  });

  test('all keys together: one miss is a miss', () => {
    const match = parsed({ method: 'POST', path: '/a/*', query: { q: '1' }, headers: { h: 'v' } });
    const hit = request({ method: 'POST', path: '/a/b', query: 'q=1', headers: { h: 'v' } });
    assert.equal(matchesRequest(match, hit), true);
    assert.equal(matchesRequest(match, { ...hit, method: 'GET' }), false);
    assert.equal(matchesRequest(match, { ...hit, path: '/b/b' }), false);
    assert.equal(matchesRequest(match, { ...hit, query: 'q=2' }), false);
    assert.equal(matchesRequest(match, { ...hit, headers: {} }), false);
  });

  test('an empty match built in code matches everything; an invalid one is refused when used', () => {
    assert.equal(matchesRequest({}, request()), true);
    assert.equal(matchesClient({}, '10.0.0.1'), true);
    assert.throws(
      () => matchesRequest({ path: 'orders' }, request()),
      refusal(
        'invalid match.path of a toxic',
        'received "orders"; accepted: a path glob starting with "/", such as "/v1/orders/*"',
      ),
    );
  });

  test('a header that is absent matches no pattern, not even one that matches any text', () => {
    const match = parsed({ headers_regex: { 'x-any': '.' } });
    assert.equal(matchesRequest(match, request({ headers: { 'x-any': 'v' } })), true);
    assert.equal(matchesRequest(match, request()), false);
  });

  test('a match built in code or copied matches as the parsed one does', () => {
    const copied: Match = { ...parsed({ path: '/a/*', path_regex: 'b$', headers_regex: { h: '^v' } }) };
    const built: Match = { client: ['10.0.0.0/8'] };
    assert.equal(matchesRequest(copied, request({ path: '/a/b', headers: { h: 'v1' } })), true);
    assert.equal(matchesRequest(copied, request({ path: '/c/b', headers: { h: 'v1' } })), false);
    assert.equal(matchesRequest(copied, request({ path: '/a/c', headers: { h: 'v1' } })), false);
    assert.equal(matchesRequest(copied, request({ path: '/a/b', headers: { h: 'x' } })), false);
    assert.equal(matchesClient(built, '10.1.1.1'), true);
    assert.equal(matchesClient(built, '11.1.1.1'), false);
  });
});

describe('counters: first, after and every select exactly the requests they name', () => {
  function taken(counter: Counter | undefined, count: number): number[] {
    const state = new CounterState();
    const positions: number[] = [];
    for (let position = 1; position <= count; position += 1)
      if (state.take(counter)) positions.push(position);
    return positions;
  }

  test('fixed cases', () => {
    assert.deepEqual(taken(undefined, 4), [1, 2, 3, 4]);
    assert.deepEqual(taken({}, 4), [1, 2, 3, 4]);
    assert.deepEqual(taken({ first: 2 }, 6), [1, 2]);
    assert.deepEqual(taken({ after: 2 }, 5), [3, 4, 5]);
    assert.deepEqual(taken({ every: 3 }, 10), [3, 6, 9]);
    assert.deepEqual(taken({ after: 1, every: 2, first: 2 }, 12), [3, 5]);
  });

  test('any first, after and every (property): after + k*every for k = 1..first', () => {
    const optional = (max: number) => fc.option(fc.integer({ min: 1, max }), { nil: undefined });
    fc.assert(
      fc.property(optional(8), optional(10), optional(5), (first, after, every) => {
        const count = 60;
        const expected: number[] = [];
        const step = every ?? 1;
        for (let k = 1; k <= (first ?? count); k += 1) {
          const position = (after ?? 0) + k * step;
          if (position <= count) expected.push(position);
        }
        const counter: Counter = {
          ...(first === undefined ? {} : { first }),
          ...(after === undefined ? {} : { after }),
          ...(every === undefined ? {} : { every }),
        };
        assert.deepEqual(taken(counter, count), expected);
      }),
    );
  });

  test('counters count only the requests the match selects (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        (posts, every) => {
          const match = parsed({ method: 'POST' });
          const state = new CounterState();
          const chosen: number[] = [];
          posts.forEach((post, index) => {
            const facts = request({ method: post ? 'POST' : 'GET' });
            if (matchesRequest(match, facts) && state.take({ every })) chosen.push(index);
          });
          const postIndexes = posts.flatMap((post, index) => (post ? [index] : []));
          assert.deepEqual(
            chosen,
            postIndexes.filter((_, rank) => (rank + 1) % every === 0),
          );
        },
      ),
    );
  });
});

describe('parseCounter', () => {
  test('whole numbers from 0 to the limit; 0 turns a counter off; none is no counter', () => {
    assert.deepEqual(parseCounter({ first: 1, after: 0, every: MAX_COUNTER }, 'toxic t'), {
      first: 1,
      every: 1_000_000_000,
    });
    assert.equal(parseCounter({ first: 0, after: 0 }, 'toxic t'), undefined);
    assert.equal(parseCounter({}, 'toxic t'), undefined);
  });

  test('anything else is refused with the range and the meaning', () => {
    const cases: Array<[keyof Counter, unknown, string, string]> = [
      ['first', -1, '-1', 'the toxic applies only to the first N matching requests or connections'],
      ['after', 1.5, '1.5', 'the toxic skips the first N matching requests or connections'],
      ['every', '2', '"2"', 'the toxic applies to every N-th matching request or connection'],
      [
        'every',
        1_000_000_001,
        '1000000001',
        'the toxic applies to every N-th matching request or connection',
      ],
      [
        'first',
        2 ** 53,
        '9007199254740992',
        'the toxic applies only to the first N matching requests or connections',
      ],
    ];
    for (const [key, value, shown, meaning] of cases) {
      assert.throws(
        () => parseCounter({ [key]: value }, 'toxic t'),
        refusal(
          `invalid attribute ${key} of toxic t`,
          `received ${shown}; expected a whole number from 0 to 1000000000 (${meaning}; 0 turns it off)`,
        ),
      );
    }
  });
});

describe('parseCounter for a new toxic', () => {
  test('first: 0 and every: 0 are refused: they would read as none and select everything', () => {
    for (const key of ['first', 'every'] as const) {
      const meaning =
        key === 'first'
          ? 'the toxic applies only to the first N matching requests or connections'
          : 'the toxic applies to every N-th matching request or connection';
      assert.throws(
        () => parseCounter({ [key]: 0 }, 'toxic t', true),
        refusal(
          `invalid attribute ${key} of toxic t`,
          `received 0; a new toxic takes ${key} from 1 to 1000000000 (${meaning}); leave ${key} out for no counter (0 takes a counter off only in an update)`,
        ),
      );
    }
  });

  test('after: 0 skips none, as leaving it out does; 1 and up are counters as in an update', () => {
    assert.equal(parseCounter({ after: 0 }, 'toxic t', true), undefined);
    assert.deepEqual(parseCounter({ first: 1, after: 0, every: 2 }, 'toxic t', true), { first: 1, every: 2 });
  });
});

describe('describing a match and a counter', () => {
  test('describeCounted: the set the counters pick, which a toxicity roll then happens among', () => {
    const picked = (counter: Parameters<typeof describeCounted>[0]) =>
      describeCounted(counter, 'request', 'requests');
    assert.deepEqual(
      [
        picked(undefined),
        picked({}),
        picked({ first: 10 }),
        picked({ first: 1 }),
        picked({ after: 2 }),
        picked({ every: 3 }),
        picked({ after: 2, every: 3 }),
        picked({ first: 10, after: 2 }),
        picked({ first: 1, after: 2 }),
        picked({ first: 10, every: 2 }),
        picked({ first: 4, every: 2, after: 1 }),
      ],
      [
        'requests',
        'the requests',
        'the first 10 requests',
        'the first request',
        'the requests after the first 2',
        'every 3rd request',
        'every 3rd request after the first 2',
        'the 10 requests after the first 2',
        'the request after the first 2',
        'the first 10 of every 2nd request',
        'the first 4 of every 2nd request after the first 1',
      ],
    );
  });

  test('describeCounted: English ordinals', () => {
    const ordinals = [1, 2, 3, 4, 10, 11, 12, 13, 14, 21, 22, 23, 101, 111, 112, 113, 122].map((every) =>
      describeCounted({ every }, 'flow', 'flows'),
    );
    assert.deepEqual(
      ordinals,
      [
        '1st',
        '2nd',
        '3rd',
        '4th',
        '10th',
        '11th',
        '12th',
        '13th',
        '14th',
        '21st',
        '22nd',
        '23rd',
        '101st',
        '111th',
        '112th',
        '113th',
        '122nd',
      ].map((text) => `every ${text} flow`),
    );
  });

  test('describeMatch: every key, in a fixed order', () => {
    assert.equal(describeMatch(undefined), '');
    assert.equal(
      describeMatch(
        parsed({
          client: ['10.0.0.0/8', '::1'],
          headers_regex: { ua: 'curl' },
          headers: { h: 'v' },
          query: { q: '1' },
          grpc_method: 'Create',
          path_regex: '^/x',
          path: '/a/*',
          method: ['POST', 'PUT'],
        }),
      ),
      'POST/PUT /a/* path ~ /^/x/ gRPC */Create ?q=1 h: v ua ~ /curl/ from 10.0.0.0/8, ::1',
    );
    assert.equal(describeMatch(parsed({ grpc_service: 'shop.Orders' })), 'gRPC shop.Orders/*');
    assert.equal(describeMatch(parsed({ method: 'GET' })), 'GET');
  });
});

describe('IP addresses and CIDR blocks', () => {
  const mapped = (v4: bigint) => 0xffff_0000_0000n | v4;

  test('parseIp: IPv4 as IPv4-mapped IPv6, IPv6 in every written form, brackets and zones dropped', () => {
    assert.equal(parseIp('127.0.0.1'), 0xffff_7f00_0001n);
    assert.equal(parseIp('01.2.3.4'), mapped(0x0102_0304n));
    assert.equal(parseIp('255.255.255.255'), mapped(0xffff_ffffn));
    assert.equal(parseIp('::'), 0n);
    assert.equal(parseIp('[::1]'), 1n);
    assert.equal(parseIp('fe80::1%eth0'), (0xfe80n << 112n) | 1n);
    assert.equal(parseIp('1:2:3:4:5:6:7:8'), 0x0001_0002_0003_0004_0005_0006_0007_0008n);
    assert.equal(parseIp('1::2:3:4:5:6:7'), 0x0001_0000_0002_0003_0004_0005_0006_0007n);
    assert.equal(parseIp('ABCD::'), 0xabcdn << 112n);
    assert.equal(parseIp('::ffff:10.1.2.3'), mapped(0x0a01_0203n));
    assert.equal(parseIp('::1.2.3.4'), 0x0102_0304n);
  });

  test('parseIp: anything else is no address', () => {
    for (const text of [
      '',
      'localhost',
      '256.0.0.1',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.1234',
      '1.2.3.-4',
      '1.2.3.4:',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7::8',
      '1::2::3',
      '12345::',
      'g::1',
      '::1.2.3',
      '::1.2.3.4:5',
      '[::1',
      '1:2:3:4:5:6:7::8::9',
      'a[::1]',
      '[::1]2',
    ]) {
      assert.equal(parseIp(text), undefined, text);
    }
  });

  test('parseIpBlock: an address is a block of one; the base is masked to the prefix', () => {
    assert.deepEqual(parseIpBlock('10.1.2.3/8'), {
      source: '10.1.2.3/8',
      base: mapped(0x0a00_0000n),
      prefix: 104,
    });
    assert.deepEqual(parseIpBlock('10.0.0.1'), {
      source: '10.0.0.1',
      base: mapped(0x0a00_0001n),
      prefix: 128,
    });
    assert.deepEqual(parseIpBlock('10.0.0.1/32'), {
      source: '10.0.0.1/32',
      base: mapped(0x0a00_0001n),
      prefix: 128,
    });
    assert.deepEqual(parseIpBlock('0.0.0.0/0'), { source: '0.0.0.0/0', base: mapped(0n), prefix: 96 });
    assert.deepEqual(parseIpBlock('::1'), { source: '::1', base: 1n, prefix: 128 });
    assert.deepEqual(parseIpBlock('::/0'), { source: '::/0', base: 0n, prefix: 0 });
    assert.deepEqual(parseIpBlock('2001:db8:1::/32'), {
      source: '2001:db8:1::/32',
      base: 0x2001_0db8n << 96n,
      prefix: 32,
    });
    for (const text of [
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/8/1',
      '10.0.0.0/x',
      '10.0.0.0/',
      '10.0.0.0/0008',
      'nope/8',
      '/8',
    ]) {
      assert.equal(parseIpBlock(text), undefined, text);
    }
  });

  test('blockContains: exactly the addresses under the prefix', () => {
    const contains = (block: string, address: string) => {
      const parsedBlock = parseIpBlock(block);
      const parsedAddress = parseIp(address);
      assert.ok(parsedBlock && parsedAddress !== undefined, `${block} and ${address} parse`);
      return blockContains(parsedBlock, parsedAddress);
    };
    assert.equal(contains('10.0.0.0/8', '10.255.255.255'), true);
    assert.equal(contains('10.0.0.0/8', '11.0.0.0'), false);
    assert.equal(contains('10.0.0.0/8', '9.255.255.255'), false);
    assert.equal(contains('10.0.0.0/31', '10.0.0.1'), true);
    assert.equal(contains('10.0.0.0/31', '10.0.0.2'), false);
    assert.equal(contains('10.0.0.1', '10.0.0.1'), true);
    assert.equal(contains('10.0.0.1', '10.0.0.0'), false);
    assert.equal(contains('0.0.0.0/0', '203.0.113.9'), true);
    assert.equal(contains('0.0.0.0/0', '::1'), false);
    assert.equal(contains('::/0', '::1'), true);
    assert.equal(contains('::/0', '10.0.0.1'), true);
    assert.equal(contains('2001:db8::/32', '2001:db8:ffff::1'), true);
    assert.equal(contains('2001:db8::/32', '2001:db9::'), false);
    assert.equal(contains('8000::/1', 'ffff::'), true);
    assert.equal(contains('8000::/1', '7fff::'), false);
  });
});
