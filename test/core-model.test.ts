import assert from 'node:assert/strict';
import {
  connectionNoun,
  engineEventTypes,
  eventProxyName,
  haltSummary,
  typeMatches,
  unknownEventTypes,
} from '../src/model/events.js';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatHostPort, parseHostPort } from '../src/model/address.js';
import { describeValue, errorCodes, FaultlineError, isFaultlineError } from '../src/model/errors.js';
import { toxicsNotApplied } from '../src/model/echoed-toxics.js';
import { canonicalKeys } from '../src/model/fields.js';
import { effectOf, effects } from '../src/model/fault-effects.js';
import { mergePatch } from '../src/model/json-merge-patch.js';
import { percentile } from '../src/model/percentile.js';
import { sameJson } from '../src/model/same-json.js';
import { unchecked, uncheckedProxy } from '../src/model/toxic-body.js';
import { proxyBody } from '../src/model/proxy-body.js';
import type { ProxyJson } from '../src/model/wire.js';
import { parseSchedstat } from '../src/model/schedstat.js';
import {
  checkListenAddress,
  parseProxyCreate,
  parseProxyList,
  parseProxyUpdate,
} from '../src/model/proxy-spec.js';
import { explainToxic, parseStream, parseToxicCreate } from '../src/model/toxic.js';
import { definitionOf, type JsonValue, type ToxicType, toxicTypes } from '../src/model/toxics/index.js';

describe('percentile (nearest rank)', () => {
  test('exact ranks on ten values, and nothing for no values', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(percentile(values, 0), 1);
    assert.equal(percentile(values, 10), 1);
    assert.equal(percentile(values, 11), 2);
    assert.equal(percentile(values, 50), 5);
    assert.equal(percentile(values, 51), 6);
    assert.equal(percentile(values, 90), 9);
    assert.equal(percentile(values, 89), 9);
    assert.equal(percentile(values, 91), 10);
    assert.equal(percentile(values, 100), 10);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), undefined);
  });

  test('the p99 of a hundred values is the 99th, not the largest', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 99.5), 100);
    assert.equal(percentile(values, 50), 50);
  });
});

describe('host:port', () => {
  test('the forms Toxiproxy accepts, ports 0 and 65535 included', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:0', 'listen'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseHostPort('localhost:65535', 'listen'), { host: 'localhost', port: 65535 });
    assert.deepEqual(parseHostPort(':8080', 'listen'), { host: '', port: 8080 });
    assert.deepEqual(parseHostPort('[::1]:99', 'listen'), { host: '::1', port: 99 });
  });

  test('a port past 65535, a missing port or a URL are refused with an example', () => {
    assert.throws(() => parseHostPort('127.0.0.1:65536', 'upstream'), {
      code: 'FAULTLINE_ERR_INVALID_ADDRESS',
      message:
        'upstream must be "host:port" with a port from 0 to 65535, received "127.0.0.1:65536"; for example "127.0.0.1:26379"',
    });
    assert.throws(() => parseHostPort('redis', 'listen'), { message: /received "redis"; for example/ });
    assert.throws(() => parseHostPort('http://x:80', 'upstream'), {
      message: /\(no scheme: faultline proxies TCP, not URLs\)$/,
    });
    assert.throws(() => parseHostPort('a:123456', 'listen'), { code: 'FAULTLINE_ERR_INVALID_ADDRESS' });
    assert.throws(() => parseHostPort('/http://x:80', 'upstream'), {
      message:
        'upstream must be "host:port" with a port from 0 to 65535, received "/http://x:80"; for example "127.0.0.1:26379"',
    });
  });

  test('formatting puts IPv6 hosts in brackets', () => {
    assert.equal(formatHostPort({ host: '::1', port: 5 }), '[::1]:5');
    assert.equal(formatHostPort({ host: '127.0.0.1', port: 5 }), '127.0.0.1:5');
  });
});

describe('errors', () => {
  test('each code has the HTTP status of the documented table (docs/errors.md)', () => {
    const documented = readFileSync(fileURLToPath(new URL('../../docs/errors.md', import.meta.url)), 'utf8');
    const expected = Object.fromEntries(
      [...documented.matchAll(/^\| `(FAULTLINE_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map(([, code, status]) => [
        code,
        Number(status),
      ]),
    );
    assert.deepEqual({ ...errorCodes }, expected);
    const error = new FaultlineError('FAULTLINE_ERR_TOXIC_NOT_FOUND', 'gone', { cause: 'x' });
    assert.deepEqual(
      [error.name, error.code, error.status, error.message, error.reason, error.hint, error.cause],
      ['FaultlineError', 'FAULTLINE_ERR_TOXIC_NOT_FOUND', 404, 'gone', 'gone', undefined, 'x'],
    );
    const hinted = new FaultlineError('FAULTLINE_ERR_PROXY_NOT_FOUND', 'proxy not found', {
      hint: 'there is no proxy named "redis"',
    });
    assert.deepEqual(
      [hinted.status, hinted.reason, hinted.hint, hinted.message, hinted.cause],
      [
        404,
        'proxy not found',
        'there is no proxy named "redis"',
        'proxy not found: there is no proxy named "redis"',
        undefined,
      ],
    );
    assert.equal(Object.hasOwn(hinted, 'cause'), false, 'no cause given, none set');
    assert.equal(isFaultlineError(error), true);
    assert.equal(isFaultlineError(new Error('gone')), false);
  });

  test('values in messages: nothing for undefined, JSON otherwise, cut at 80 characters', () => {
    assert.equal(describeValue(undefined), 'nothing');
    assert.equal(describeValue('a'), '"a"');
    assert.equal(describeValue(12), '12');
    assert.equal(
      describeValue(JSON.parse('1e309')),
      'a number too large to hold (Infinity; the largest is about 1.8e308)',
    );
    assert.equal(
      describeValue(JSON.parse('-1e309')),
      'a number too large to hold (-Infinity; the largest is about 1.8e308)',
    );
    assert.equal(describeValue({ a: [1] }), '{"a":[1]}');
    assert.equal(
      describeValue(() => 1),
      '() => 1',
    );
    const long = 'x'.repeat(100);
    assert.equal(describeValue(long), `"${'x'.repeat(76)}...`);
    assert.equal(describeValue(long).length, 80);
    assert.equal(describeValue('y'.repeat(78)), `"${'y'.repeat(78)}"`);
  });
});

describe('field names fold case; unknown fields are refused', () => {
  test('canonical spelling, null dropped, the accepted list in the error', () => {
    assert.deepEqual(canonicalKeys({ NAME: 'a', Upstream: null }, ['name', 'upstream'], 'proxy'), {
      name: 'a',
    });
    assert.throws(() => canonicalKeys({ nom: 1 }, ['name', 'upstream'], 'proxy'), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      reason: 'bad request body: json: unknown field "nom"',
      hint: 'proxy has no field "nom" (Toxiproxy would ignore it in silence); accepted fields: name, upstream; did you mean "name"?',
    });
    for (const body of [null, [], 'text']) {
      assert.throws(() => canonicalKeys(body, ['name'], 'proxy'), {
        code: 'FAULTLINE_ERR_BAD_BODY',
        message: `bad request body: proxy must be a JSON object, received ${JSON.stringify(body)}`,
      });
    }
  });
});

describe('proxy specs', () => {
  test("a wrongly typed field says what the field takes, beside Go's wording", () => {
    const base = { name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' };
    const hints: Array<[field: object, hint: string]> = [
      [{ name: 5 }, 'invalid name in proxy: name must be a string, received 5'],
      [{ listen: 5 }, 'invalid listen in proxy: listen must be a string "host:port", received 5'],
      [{ upstream: 5 }, 'invalid upstream in proxy: upstream must be a string "host:port", received 5'],
      [{ header_faults: 'x' }, 'header_faults must be true or false, received "x"'],
      [{ toxics: 5 }, 'toxics must be an array of toxics, received 5'],
    ];
    for (const [field, hint] of hints)
      assert.throws(() => parseProxyCreate({ ...base, ...field }), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        hint,
      });
    const toxicHints: Array<[field: object, hint: string]> = [
      [{ name: 5 }, 'invalid name in toxic: name must be a string, received 5'],
      [{ stream: 5 }, 'invalid stream in toxic: stream must be "upstream" or "downstream", received 5'],
      [{ toxicity: 'x' }, 'invalid toxicity in toxic: toxicity must be a number, received "x"'],
    ];
    for (const [field, hint] of toxicHints)
      assert.throws(() => parseToxicCreate({ type: 'latency', ...field }), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        hint,
      });
  });

  test('tls or upstream_tls on a udp proxy is refused naming the field that was given', () => {
    const udp = { name: 'u', upstream: '127.0.0.1:53', protocol: 'udp' };
    assert.throws(() => parseProxyCreate({ ...udp, upstream_tls: { insecure: true } }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'upstream_tls needs a tcp, http or http2 proxy',
      hint: 'proxy "u" has protocol udp; DTLS is not supported, remove upstream_tls',
    });
    assert.throws(() => parseProxyCreate({ ...udp, tls: { auto: true } }), {
      reason: 'tls needs a tcp, http or http2 proxy',
      hint: 'proxy "u" has protocol udp; DTLS is not supported, remove tls',
    });
    assert.equal(
      parseProxyCreate({ ...udp, protocol: 'tcp', upstream_tls: {} }).upstreamTls?.insecure,
      undefined,
    );
  });

  test('create fills listen 127.0.0.1:0 and enabled true, and parses toxics', () => {
    assert.deepEqual(parseProxyCreate({ name: 'db', upstream: '127.0.0.1:5432' }), {
      name: 'db',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:5432',
      enabled: true,
      toxics: undefined,
    });
    const full = parseProxyCreate({
      name: 'db',
      upstream: '127.0.0.1:5432',
      listen: ':7000',
      enabled: false,
      toxics: [{ type: 'noop' }],
      Logger: {},
    });
    assert.deepEqual(
      [full.listen, full.enabled, full.toxics?.map((toxic) => toxic.name)],
      [':7000', false, ['noop_downstream']],
    );
  });

  test('missing name or upstream, a "/" in the name, bad addresses and duplicate toxics are refused', () => {
    assert.throws(() => parseProxyCreate({ upstream: '127.0.0.1:1' }), {
      code: 'FAULTLINE_ERR_MISSING_FIELD',
      reason: 'missing required field: name',
      hint: 'every proxy needs a name, e.g. {"name":"redis","listen":"127.0.0.1:26379","upstream":"127.0.0.1:6379"}',
    });
    assert.throws(() => parseProxyCreate({ name: 'a' }, 'proxy 2'), {
      code: 'FAULTLINE_ERR_MISSING_FIELD',
      reason: 'missing required field: upstream at proxy 2',
      hint: 'every proxy needs an upstream, e.g. {"name":"redis","listen":"127.0.0.1:26379","upstream":"127.0.0.1:6379"}',
    });
    assert.throws(() => parseProxyCreate({ name: 'a/b', upstream: '127.0.0.1:1' }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid name',
      hint: 'the proxy name in proxy "a/b" may contain only letters, digits, "_", ".", ":" and "-" (Toxiproxy 2.12 takes any name, but one with "/" can never be addressed, and a space or an escape sequence prints as something else)',
    });
    assert.throws(() => parseProxyCreate({ name: 'a', upstream: '127.0.0.1:1', listen: 'nowhere' }), {
      code: 'FAULTLINE_ERR_INVALID_LISTEN',
      status: 500,
      reason: 'listen tcp: address nowhere: missing port in address',
      hint: 'listen of proxy "a" must be "host:port" with a port from 0 to 65535, received "nowhere"; for example "127.0.0.1:26379"',
    });
    assert.throws(() => parseProxyCreate({ name: 'a', upstream: 'nowhere' }), {
      code: 'FAULTLINE_ERR_INVALID_ADDRESS',
      status: 400,
      reason: 'address nowhere: missing port in address',
      hint: 'upstream of proxy "a" must be "host:port" with a port from 0 to 65535, received "nowhere"; for example "127.0.0.1:26379" (Toxiproxy 2.12 accepts it and then closes every connection, unable to dial it)',
    });
    assert.throws(
      () =>
        parseProxyCreate({
          name: 'a',
          upstream: '127.0.0.1:1',
          toxics: [{ type: 'noop' }, { type: 'noop' }],
        }),
      {
        code: 'FAULTLINE_ERR_TOXIC_EXISTS',
        reason: 'toxic already exists',
        hint: '"noop_downstream" appears twice in proxy "a"; give each toxic its own name',
      },
    );
    assert.throws(() => parseProxyCreate({ name: 'a', upstream: '127.0.0.1:1', toxics: [{ type: 'bad' }] }), {
      code: 'FAULTLINE_ERR_INVALID_TOXIC_TYPE',
    });
  });

  test('update takes listen, upstream and enabled, checks addresses, and ignores an echoed name', () => {
    assert.deepEqual(parseProxyUpdate({ name: 'db', listen: ':1', upstream: 'h:2', enabled: false }, 'db'), {
      listen: ':1',
      upstream: 'h:2',
      enabled: false,
    });
    assert.deepEqual(parseProxyUpdate({}, 'db'), {});
    assert.deepEqual(parseProxyUpdate({ enabled: true }, 'db'), { enabled: true });
    assert.throws(() => parseProxyUpdate({ upstream: 'h' }, 'db'), {
      code: 'FAULTLINE_ERR_INVALID_ADDRESS',
      reason: 'address h: missing port in address',
      hint: 'upstream of proxy "db" must be "host:port" with a port from 0 to 65535, received "h"; for example "127.0.0.1:26379" (Toxiproxy 2.12 accepts it and then closes every connection, unable to dial it)',
    });
    // On update Toxiproxy reports Go's SplitHostPort text, without the "listen tcp: " of net.Listen.
    assert.throws(() => parseProxyUpdate({ listen: 'h' }, 'db'), {
      code: 'FAULTLINE_ERR_INVALID_LISTEN',
      reason: 'address h: missing port in address',
      hint: 'listen of proxy "db" must be "host:port" with a port from 0 to 65535, received "h"; for example "127.0.0.1:26379"',
    });
    assert.throws(() => parseProxyUpdate({ listen: 'h:1:2' }, 'db'), {
      code: 'FAULTLINE_ERR_INVALID_LISTEN',
      reason: 'address h:1:2: too many colons in address',
    });
    assert.throws(() => parseProxyUpdate({ enabled: 'yes' }, 'db'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason:
        'bad request body: json: cannot unmarshal string into Go struct field Proxy.enabled of type bool',
      hint: 'invalid enabled in update of proxy "db": enabled must be true or false, received "yes"',
    });
  });

  test('a list must be an array of uniquely named proxies', () => {
    assert.deepEqual(
      parseProxyList(
        [
          { name: 'a', upstream: 'h:1' },
          { name: 'b', upstream: 'h:2' },
        ],
        'populate',
      ).map((spec) => spec.name),
      ['a', 'b'],
    );
    assert.throws(() => parseProxyList({}, 'populate'), {
      code: 'FAULTLINE_ERR_BAD_BODY',
      reason:
        'bad request body: json: cannot unmarshal object into Go value of type []struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }',
      hint: 'populate must be a JSON array of proxies like [{"name":"redis","listen":"127.0.0.1:26379","upstream":"127.0.0.1:6379"}]',
    });
    assert.throws(
      () =>
        parseProxyList(
          [
            { name: 'a', upstream: 'h:1' },
            { name: 'a', upstream: 'h:2' },
          ],
          'populate',
        ),
      {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        reason: 'duplicate proxy name',
        hint: 'proxy "a" appears twice in populate; names must be unique (Toxiproxy 2.12 applies both, and the later entry wins: one of the two was a mistake)',
      },
    );
    assert.throws(() => parseProxyList([{ upstream: 'h:1' }], 'populate'), {
      code: 'FAULTLINE_ERR_MISSING_FIELD',
      reason: 'missing required field: name at proxy 1',
    });
  });

  test('a list leaves a bad listen to be found when its entry is applied, as Toxiproxy finds it', () => {
    const [spec] = parseProxyList([{ name: 'two', listen: 'local373', upstream: 'h:1' }], 'populate');
    assert.equal(spec!.listen, 'local373');
    const expected = {
      code: 'FAULTLINE_ERR_INVALID_LISTEN',
      status: 500,
      reason: 'listen tcp: address local373: missing port in address',
      hint: 'listen of proxy "two" must be "host:port" with a port from 0 to 65535, received "local373"; for example "127.0.0.1:26379"',
    };
    assert.throws(() => checkListenAddress('local373', 'two'), expected);
    assert.doesNotThrow(() => checkListenAddress('127.0.0.1:0', 'two'));
    assert.throws(() => parseProxyCreate({ name: 'two', listen: 'local373', upstream: 'h:1' }), expected);
  });

  const base = { name: 'p', upstream: '127.0.0.1:1' };

  test("a field of the wrong JSON type gets Go's wording for the Proxy struct, then faultline's message", () => {
    const refusal = (body: unknown) => {
      try {
        parseProxyCreate(body);
      } catch (error) {
        const { code, reason, hint } = error as FaultlineError;
        return { code, reason, hint };
      }
      return 'accepted';
    };
    const goField = (field: string, kind: string, type: string) =>
      `bad request body: json: cannot unmarshal ${kind} into Go struct field Proxy.${field} of type ${type}`;
    assert.deepEqual(refusal('db'), {
      code: 'FAULTLINE_ERR_BAD_BODY',
      reason: 'bad request body: json: cannot unmarshal string into Go value of type toxiproxy.Proxy',
      hint: 'proxy must be a JSON object, received "db"',
    });
    assert.deepEqual(refusal({ ...base, name: 7 }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: goField('name', 'number', 'string'),
      hint: 'invalid name in proxy: name must be a string, received 7',
    });
    assert.deepEqual(refusal({ ...base, listen: 7 }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: goField('listen', 'number', 'string'),
      hint: 'invalid listen in proxy: listen must be a string "host:port", received 7',
    });
    assert.deepEqual(refusal({ ...base, upstream: ['h:1'] }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: goField('upstream', 'array', 'string'),
      hint: 'invalid upstream in proxy: upstream must be a string "host:port", received ["h:1"]',
    });
    // Fields Toxiproxy does not have get faultline's reason, with the same hint.
    assert.deepEqual(refusal({ ...base, header_faults: 'yes' }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid header_faults in proxy',
      hint: 'header_faults must be true or false, received "yes"',
    });
    assert.deepEqual(refusal({ ...base, toxics: {} }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid toxics in proxy',
      hint: 'toxics must be an array of toxics, received {}',
    });
    assert.deepEqual(refusal({ ...base, toxics: [{ type: 'noop' }, { type: 'latency', colour: 1 }] }), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      reason: 'bad request body: json: unknown field "colour"',
      hint: 'toxic 2 of proxy "p" has no field "colour" (Toxiproxy would ignore it in silence); accepted fields: name, type, stream, toxicity, attributes',
    });
  });

  test('protocol: tcp is left out, the others kept in lower case, anything else refused with the list', () => {
    assert.deepEqual(parseProxyCreate({ ...base, protocol: 'tcp' }), {
      name: 'p',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:1',
      enabled: true,
      toxics: undefined,
    });
    assert.equal(parseProxyCreate({ ...base, protocol: 'HTTP2' }).protocol, 'http2');
    assert.equal(parseProxyCreate({ ...base, protocol: 'udp' }).protocol, 'udp');
    assert.throws(() => parseProxyCreate({ ...base, protocol: 'sctp' }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid protocol of proxy "p"',
      hint: 'received "sctp"; accepted protocols: tcp, http, http2, udp (tcp when omitted)',
    });
    assert.throws(() => parseProxyCreate({ ...base, protocol: 7 }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      hint: 'received 7; accepted protocols: tcp, http, http2, udp (tcp when omitted)',
    });
    // A name that is not a protocol here but says what the user wants gets the way to get it.
    for (const [given, advice] of [
      ['grpc', 'gRPC runs over HTTP/2: use protocol http2'],
      ['h2c', 'use protocol http2 (h2c with prior knowledge; h2 with tls)'],
      ['h2', 'use protocol http2 (h2c with prior knowledge; h2 with tls)'],
      ['https', 'use protocol http with tls (termination) or upstream_tls (origination)'],
      ['tls', 'TLS goes with any protocol: use tls (termination) or upstream_tls (origination)'],
      ['websocket', 'a WebSocket upgrade passes through protocol http'],
      ['ws', 'a WebSocket upgrade passes through protocol http'],
      ['ssl', 'TLS goes with any protocol: use tls (termination) or upstream_tls (origination)'],
      ['HTTP/1.1', 'use protocol http'],
      ['http/2', 'use protocol http2 (h2c with prior knowledge; h2 with tls)'],
    ] as const) {
      assert.throws(() => parseProxyCreate({ ...base, protocol: given }), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        hint: `received ${JSON.stringify(given)}; accepted protocols: tcp, http, http2, udp (tcp when omitted); ${advice}`,
      });
    }
    // No advice for what only looks like a name: an inherited property, a list holding one.
    for (const given of ['constructor', '__proto__', ['grpc']]) {
      assert.throws(() => parseProxyCreate({ ...base, protocol: given }), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        hint: `received ${JSON.stringify(given)}; accepted protocols: tcp, http, http2, udp (tcp when omitted)`,
      });
    }
    assert.deepEqual(parseProxyUpdate({ Protocol: 'Http' }, 'p'), { protocol: 'http' });
    assert.throws(() => parseProxyUpdate({ protocol: 'ftp' }, 'p'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid protocol of proxy "p"',
      hint: 'received "ftp"; accepted protocols: tcp, http, http2, udp (tcp when omitted)',
    });
  });

  test('an empty listen means the default on create; an empty name or upstream is missing', () => {
    assert.equal(parseProxyCreate({ ...base, listen: '' }).listen, '127.0.0.1:0');
    assert.throws(() => parseProxyCreate({ name: '', upstream: 'h:1' }), {
      code: 'FAULTLINE_ERR_MISSING_FIELD',
      reason: 'missing required field: name',
    });
    assert.throws(() => parseProxyCreate({ name: 'p', upstream: '' }), {
      code: 'FAULTLINE_ERR_MISSING_FIELD',
      reason: 'missing required field: upstream',
    });
    // Go resolves an empty listen as port 0 on an empty host, so an update moves the proxy to a
    // new port, as a create gets one; an empty upstream is no address to dial.
    assert.equal(parseProxyUpdate({ listen: '' }, 'p').listen, '127.0.0.1:0');
    assert.throws(() => parseProxyUpdate({ upstream: '' }, 'p'), {
      code: 'FAULTLINE_ERR_INVALID_ADDRESS',
      reason: 'address : missing port in address',
      hint: 'upstream of proxy "p" must be "host:port" with a port from 0 to 65535, received ""; for example "127.0.0.1:26379" (Toxiproxy 2.12 accepts it and then closes every connection, unable to dial it)',
    });
  });

  test("bad ports and colons get Go's SplitHostPort reason", () => {
    const reason = (address: string) => {
      try {
        parseProxyUpdate({ upstream: address }, 'p');
      } catch (error) {
        return (error as FaultlineError).reason;
      }
      return 'accepted';
    };
    // Go's port parser names the port alone.
    assert.equal(reason('h:99999'), 'address 99999: invalid port');
    assert.equal(reason('[::1]:123456'), 'address 123456: invalid port');
    assert.equal(reason('h:http'), 'address http: invalid port');
    assert.equal(reason('h:'), 'address h:: missing port in address');
    assert.equal(reason('::1:80'), 'address ::1:80: too many colons in address');
    assert.equal(reason('[::1]'), 'address [::1]: missing port in address');
    assert.equal(reason('[::1]:80'), 'accepted');
  });

  test('header_faults: only on http and http2, and kept only when on', () => {
    assert.equal(parseProxyCreate({ ...base, protocol: 'http', header_faults: true }).headerFaults, true);
    assert.equal(parseProxyCreate({ ...base, protocol: 'http2', header_faults: true }).headerFaults, true);
    assert.equal(
      'headerFaults' in parseProxyCreate({ ...base, protocol: 'http', header_faults: false }),
      false,
    );
    for (const protocol of ['tcp', 'udp']) {
      assert.throws(() => parseProxyCreate({ ...base, protocol, header_faults: true }), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        reason: 'header_faults needs an http or http2 proxy',
        hint: `proxy "p" has protocol ${protocol}, which does not read requests; create it with "protocol": "http" or "http2"`,
      });
    }
    // tcp with the switch off is fine: off asks for nothing.
    assert.equal(parseProxyCreate({ ...base, header_faults: false }).name, 'p');
    assert.deepEqual(parseProxyUpdate({ header_faults: false }, 'p'), { headerFaults: false });
    assert.deepEqual(parseProxyUpdate({ header_faults: true }, 'p'), { headerFaults: true });
  });

  test('idle_timeout: udp only, a whole number of ms from 1 to 24 h', () => {
    const udp = { ...base, protocol: 'udp' };
    assert.equal(parseProxyCreate({ ...udp, idle_timeout: 1 }).idleTimeout, 1);
    assert.equal(parseProxyCreate({ ...udp, idle_timeout: 86_400_000 }).idleTimeout, 86_400_000);
    assert.equal('idleTimeout' in parseProxyCreate(udp), false);
    assert.equal('idleTimeout' in parseProxyCreate({ ...udp, idle_timeout: null }), false);
    for (const [value, shown] of [
      [0, '0'],
      [86_400_001, '86400001'],
      [1.5, '1.5'],
      ['5', '"5"'],
    ] as const) {
      assert.throws(() => parseProxyCreate({ ...udp, idle_timeout: value }), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        reason: 'invalid idle_timeout of proxy "p"',
        hint: `received ${shown}; expected a whole number of ms from 1 to 86400000 (how long a flow may go without datagrams before it is closed; 60000 when omitted)`,
      });
    }
    assert.throws(() => parseProxyCreate({ ...base, protocol: 'http', idle_timeout: 5 }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'idle_timeout needs a udp proxy',
      hint: 'proxy "p" has protocol http, which has no flows to time out; remove idle_timeout or create the proxy with "protocol": "udp"',
    });
    assert.deepEqual(parseProxyUpdate({ idle_timeout: 5 }, 'p'), { idleTimeout: 5 });
    assert.throws(() => parseProxyUpdate({ idle_timeout: 0 }, 'p'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid idle_timeout of proxy "p"',
    });
  });

  test('tls and upstream_tls: kept when given, checked in the proxy scope, refused on udp', () => {
    assert.deepEqual(parseProxyCreate({ ...base, tls: { auto: true }, upstream_tls: { insecure: true } }), {
      name: 'p',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:1',
      enabled: true,
      tls: { auto: true },
      upstreamTls: { insecure: true },
      toxics: undefined,
    });
    assert.throws(() => parseProxyCreate({ ...base, tls: {} }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid tls in proxy "p"',
    });
    assert.throws(() => parseProxyCreate({ ...base, upstream_tls: { cert: 'x' } }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid upstream_tls in proxy "p"',
    });
    const onUdp = (field: string) => ({
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: `${field} needs a tcp, http or http2 proxy`,
      hint: `proxy "p" has protocol udp; DTLS is not supported, remove ${field}`,
    });
    assert.throws(() => parseProxyCreate({ ...base, protocol: 'udp', tls: { auto: true } }), onUdp('tls'));
    assert.throws(
      () => parseProxyCreate({ ...base, protocol: 'udp', upstream_tls: { insecure: true } }),
      onUdp('upstream_tls'),
    );
  });

  test('an update sets or replaces TLS, and null (in any letter case) takes it off', () => {
    assert.deepEqual(parseProxyUpdate({ tls: { auto: true }, upstream_tls: { servername: 'db' } }, 'p'), {
      tls: { auto: true },
      upstreamTls: { servername: 'db' },
    });
    assert.deepEqual(parseProxyUpdate({ TLS: null, Upstream_TLS: null }, 'p'), {
      tls: null,
      upstreamTls: null,
    });
    assert.deepEqual(parseProxyUpdate({ tls: null }, 'p'), { tls: null });
    assert.deepEqual(parseProxyUpdate({ upstream_tls: null }, 'p'), { upstreamTls: null });
    // Any other field sent as null is absent, as Go reads it.
    assert.deepEqual(parseProxyUpdate({ listen: null, enabled: null }, 'p'), {});
    assert.throws(() => parseProxyUpdate({ tls: {} }, 'p'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid tls in update of proxy "p"',
    });
    assert.throws(() => parseProxyUpdate({ upstream_tls: { key: 'x' } }, 'p'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      reason: 'invalid upstream_tls in update of proxy "p"',
    });
  });
});

describe('the toxic catalogue (docs/toxics.md, docs/udp.md, docs/http-faults.md)', () => {
  /** One line per toxic: its key, its own type name, layer, protocols and attributes (kind, unit, choices, default). */
  const outline = (type: ToxicType) => {
    const definition = definitionOf(type);
    const attributes = definition.attributes.map((spec) => {
      const kind = spec.kind ?? 'integer';
      if (spec.kind === undefined || spec.kind === 'integer') return `${spec.name} ${kind} ${spec.unit}`;
      if (spec.kind === 'choice')
        return `${spec.name} choice ${spec.choices.join('|')} =${spec.default}${spec.omitDefault ? ' (omitted)' : ''}`;
      if (spec.kind === 'text')
        return `${spec.name} text ≤${spec.maxLength} =${JSON.stringify(spec.default)}`;
      return `${spec.name} json =${JSON.stringify(spec.default)}`;
    });
    return [
      type,
      definition.type,
      definition.layer,
      definition.protocols?.join('/') ?? 'any',
      attributes.join(', '),
    ];
  };

  test('every type, its layer, the protocols that take it and its attributes', () => {
    assert.deepEqual(toxicTypes.map(outline), [
      ['noop', 'noop', 'connection', 'any', ''],
      ['latency', 'latency', 'connection', 'any', 'latency integer ms, jitter integer ms'],
      [
        'bandwidth',
        'bandwidth',
        'connection',
        'any',
        'rate integer KB/s, scope choice connection|proxy =connection (omitted)',
      ],
      ['slow_close', 'slow_close', 'connection', 'any', 'delay integer ms'],
      ['timeout', 'timeout', 'connection', 'any', 'timeout integer ms'],
      ['reset_peer', 'reset_peer', 'connection', 'any', 'timeout integer ms'],
      [
        'slicer',
        'slicer',
        'connection',
        'any',
        'average_size integer bytes, size_variation integer bytes, delay integer µs',
      ],
      ['limit_data', 'limit_data', 'connection', 'any', 'bytes integer bytes'],
      ['connect_delay', 'connect_delay', 'connection', 'any', 'delay integer ms'],
      ['refuse', 'refuse', 'connection', 'any', ''],
      ['limit_time', 'limit_time', 'connection', 'any', 'time integer ms, mode choice reset|hang =reset'],
      ['corrupt', 'corrupt', 'connection', 'any', 'probability integer ppm'],
      [
        'udp_latency',
        'udp_latency',
        'connection',
        'udp',
        'latency integer ms, jitter integer ms, correlation integer ppm, distribution choice uniform|normal|pareto|paretonormal =uniform, limit integer datagrams',
      ],
      [
        'loss',
        'loss',
        'connection',
        'udp',
        'probability integer ppm, correlation integer ppm, p13 integer ppm, p31 integer ppm, p32 integer ppm, p23 integer ppm, p14 integer ppm, to_bad integer ppm, to_good integer ppm, bad_loss integer ppm, good_loss integer ppm',
      ],
      ['duplicate', 'duplicate', 'connection', 'udp', 'probability integer ppm, correlation integer ppm'],
      [
        'reorder',
        'reorder',
        'connection',
        'udp',
        'probability integer ppm, correlation integer ppm, gap integer datagrams, latency integer ms, limit integer datagrams',
      ],
      [
        'udp_bandwidth',
        'udp_bandwidth',
        'connection',
        'udp',
        'rate integer KB/s, queue integer datagrams, packet_overhead integer bytes, cell_size integer bytes, cell_overhead integer bytes',
      ],
      [
        'http_abort',
        'http_abort',
        'request',
        'http/http2',
        'action choice respond|reset =respond, status integer HTTP status, body text ≤1048576 ="", headers json ={}',
      ],
      [
        'http_delay',
        'http_delay',
        'request',
        'http/http2',
        'stage choice request|response =request, delay integer ms, jitter integer ms',
      ],
      [
        'http_modify',
        'http_modify',
        'request',
        'http/http2',
        'request_headers json ={}, response_headers json ={}, status integer HTTP status, body json =null, json_patch json =null',
      ],
      [
        'grpc_status',
        'grpc_status',
        'request',
        'http2',
        'code integer gRPC status code, message text ≤4096 =""',
      ],
    ]);
  });

  test('every type has a one-sentence summary and every attribute a description (the dashboard shows them)', () => {
    for (const type of toxicTypes) {
      const definition = definitionOf(type);
      assert.match(definition.summary, /^[A-Z][^\n]{20,}\.$/, `summary of ${type}`);
      for (const spec of definition.attributes) {
        assert.match(spec.description, /^[^\n]{10,}$/, `description of ${type} ${spec.name}`);
      }
    }
  });
});

describe('toxic explanations (docs/toxics.md)', () => {
  const explain = (body: object) => explainToxic(parseToxicCreate(body));

  test('every toxic type in one sentence, with toxicity', () => {
    assert.equal(
      explain({ type: 'noop', name: 'n' }),
      'n: on every connection, passes data through unchanged (downstream)',
    );
    assert.equal(
      explain({ type: 'latency', attributes: { latency: 10, jitter: 2 }, toxicity: 0.254 }),
      'latency_downstream: on 25% of connections, delays data by 10 ms ± 2 ms (downstream)',
    );
    assert.equal(
      explain({ type: 'latency', attributes: { latency: 10 } }).endsWith('delays data by 10 ms (downstream)'),
      true,
    );
    assert.match(
      explain({ type: 'bandwidth' }),
      /on every connection, stalls the connection: no data passes \(/,
    );
    assert.match(
      explain({ type: 'bandwidth', attributes: { rate: 5 } }),
      /on every connection, limits the connection to 5 KB\/s \(/,
    );
    assert.match(
      explain({ type: 'slow_close', attributes: { delay: 7 } }),
      /on every connection, delays the close of the connection by 7 ms \(/,
    );
    assert.match(
      explain({ type: 'timeout' }),
      /on every connection, drops all data and holds the connection open until the toxic is removed \(/,
    );
    assert.match(
      explain({ type: 'timeout', attributes: { timeout: 9 } }),
      /on every connection, drops all data and closes the connection after 9 ms \(/,
    );
    assert.match(
      explain({ type: 'reset_peer' }),
      /on every connection, resets the connection \(RST\) as soon as data arrives \(/,
    );
    assert.match(
      explain({ type: 'reset_peer', attributes: { timeout: 3 } }),
      /on every connection, resets the connection \(RST\) 3 ms after data arrives \(/,
    );
    assert.match(
      explain({ type: 'slicer', attributes: { average_size: 8, size_variation: 2, delay: 5 } }),
      /on every connection, cuts data into pieces of 8 ± 2 bytes, 5 µs apart \(/,
    );
    assert.match(
      explain({ type: 'slicer', attributes: { average_size: 8 } }),
      /on every connection, cuts data into pieces of 8 bytes, 0 µs apart \(/,
    );
    assert.match(
      explain({ type: 'limit_data', attributes: { bytes: 4 } }),
      /on every connection, closes the connection after 4 bytes \(/,
    );
  });

  test('streams are case-insensitive and only upstream or downstream', () => {
    assert.equal(parseStream('UPSTREAM'), 'upstream');
    assert.equal(parseStream('Downstream'), 'downstream');
    assert.throws(() => parseStream('both'), {
      code: 'FAULTLINE_ERR_INVALID_STREAM',
      reason: 'stream was invalid, can be either upstream or downstream',
      hint: 'received "both"',
    });
  });
});

describe('JSON merge patch (RFC 7396)', () => {
  test("the RFC's test cases (appendix A)", () => {
    const cases: Array<[target: JsonValue, patch: JsonValue, result: JsonValue]> = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [
        ['a', 'b'],
        ['c', 'd'],
        ['c', 'd'],
      ],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ a: 'foo' }, 'bar', 'bar'],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
      [{ a: { b: 1 } }, { a: { c: 2 } }, { a: { b: 1, c: 2 } }], // a nested patch keeps the keys it does not name
    ];
    for (const [target, patch, result] of cases) {
      assert.deepEqual(mergePatch(target, patch), result, JSON.stringify([target, patch]));
    }
  });

  test('the target is not changed', () => {
    const target = { a: { b: 1 }, c: 2 };
    assert.deepEqual(mergePatch(target, { a: { b: null, d: 3 }, c: null }), { a: { d: 3 } });
    assert.deepEqual(target, { a: { b: 1 }, c: 2 });
  });
});

describe('fault effects', () => {
  test('the effects a fault sets, in the order error, status, abort, nullify, slowBody; null counts as set', () => {
    assert.deepEqual(effects({}), []);
    assert.deepEqual(effects({ slowBody: 0, error: 'x' }), ['error', 'slowBody']);
    assert.deepEqual(effects({ nullify: null, status: 503, abort: false }), ['status', 'abort', 'nullify']);
    assert.deepEqual(effects({ error: undefined }), []);
    assert.equal(effectOf({ abort: true, status: 500 }), 'status');
    assert.equal(effectOf({ slowBody: 10 }), 'slowBody');
    assert.equal(effectOf({}), undefined);
  });
});

describe('toxic explanations of the proxy, udp and http toxics (docs/toxics.md, docs/udp.md, docs/http-faults.md)', () => {
  /** What the toxic does, as explainToxic says it after "on every connection," / "on every request,". */
  const what = (body: object) => {
    const sentence = explainToxic(parseToxicCreate(body));
    return sentence.slice(sentence.indexOf(', ') + 2).replace(/ \((up|down)stream\)$/, '');
  };

  test('connection toxics: each branch of each sentence', () => {
    assert.equal(
      what({ type: 'bandwidth', attributes: { rate: 5, scope: 'proxy' } }),
      'limits all connections of the proxy together to 5 KB/s',
    );
    assert.equal(
      what({ type: 'connect_delay', attributes: { delay: 250 } }),
      'holds each new connection 250 ms before connecting upstream',
    );
    assert.equal(what({ type: 'refuse' }), 'resets new connections at once, before connecting upstream');
    assert.equal(
      explainToxic(parseToxicCreate({ type: 'refuse', stream: 'upstream', attributes: { first: 3 } })),
      'refuse_upstream: on the first 3 connections, resets new connections at once, before connecting upstream',
      'refuse acts when a connection opens, whatever its stream',
    );
    assert.equal(
      explainToxic(parseToxicCreate({ type: 'connect_delay', attributes: { delay: 250 } })),
      'connect_delay_downstream: on every connection, holds each new connection 250 ms before connecting upstream',
    );
    assert.match(
      explainToxic(parseToxicCreate({ type: 'limit_time', stream: 'upstream' })),
      / \(upstream\)$/,
    );
    assert.equal(
      what({ type: 'limit_time', attributes: { time: 5000 } }),
      'resets the connection (RST) 5000 ms after it opened',
    );
    assert.equal(
      what({ type: 'limit_time', attributes: { time: 5000, mode: 'hang' } }),
      'makes the connection hang 5000 ms after it opened',
    );
    assert.equal(
      what({ type: 'corrupt', attributes: { probability: 1000 } }),
      'flips a bit in 0.1% of the bytes (of the datagrams, on a udp proxy)',
    );
  });

  test('percentages of parts per million: six significant digits, no trailing zeros', () => {
    assert.equal(
      what({ type: 'corrupt', attributes: { probability: 1 } }),
      'flips a bit in 0.0001% of the bytes (of the datagrams, on a udp proxy)',
    );
    assert.equal(
      what({ type: 'corrupt', attributes: { probability: 333_333 } }),
      'flips a bit in 33.3333% of the bytes (of the datagrams, on a udp proxy)',
    );
    assert.equal(
      what({ type: 'corrupt', attributes: { probability: 1_000_000 } }),
      'flips a bit in 100% of the bytes (of the datagrams, on a udp proxy)',
    );
  });

  test('udp toxics: each branch of each sentence', () => {
    assert.equal(what({ type: 'udp_latency', attributes: { latency: 50 } }), 'delays each datagram by 50 ms');
    assert.equal(
      what({ type: 'udp_latency', attributes: { latency: 50, jitter: 10 } }),
      'delays each datagram by 50 ms ± 10 ms',
    );
    assert.equal(
      what({ type: 'udp_latency', attributes: { latency: 50, jitter: 10, correlation: 250_000 } }),
      'delays each datagram by 50 ms ± 10 ms, 25% correlated',
    );
    assert.equal(what({ type: 'loss', attributes: { probability: 100_000 } }), 'drops 10% of datagrams');
    assert.equal(
      what({ type: 'loss', attributes: { probability: 100_000, correlation: 500_000 } }),
      'drops 10% of datagrams, in bursts (50% correlated)',
    );
    assert.equal(
      what({ type: 'loss', attributes: { to_bad: 10_000, to_good: 200_000 } }),
      'drops datagrams by the Gilbert-Elliott model (to bad 1%, to good 20%, loss 100% when bad, 0% when good)',
    );
    assert.equal(
      what({
        type: 'loss',
        attributes: { to_bad: 10_000, to_good: 200_000, bad_loss: 500_000, good_loss: 2000 },
      }),
      'drops datagrams by the Gilbert-Elliott model (to bad 1%, to good 20%, loss 50% when bad, 0.2% when good)',
    );
    assert.equal(
      what({ type: 'duplicate', attributes: { probability: 20_000 } }),
      'sends 2% of datagrams twice',
    );
    assert.equal(
      what({ type: 'duplicate', attributes: { probability: 20_000, correlation: 250_000 } }),
      'sends 2% of datagrams twice (25% correlated)',
    );
    assert.equal(
      what({ type: 'reorder', attributes: { probability: 50_000, latency: 10 } }),
      'delays datagrams by 10 ms but sends 5% of them at once, ahead of the waiting ones',
    );
    assert.equal(
      what({
        type: 'reorder',
        attributes: { probability: 50_000, correlation: 500_000, gap: 3, latency: 20 },
      }),
      'delays datagrams by 20 ms but sends 5% (50% correlated) of them at once, ahead of the waiting ones; the first 2 of each flow, and the next 2 after one did, always wait',
    );
    assert.equal(
      what({ type: 'loss', attributes: { p13: 50_000 } }),
      'drops datagrams by the 4-state model (p13 5%, p31 95%, p32 0%, p23 100%, p14 0%)',
    );
    assert.equal(
      what({ type: 'loss', attributes: { p13: 50_000, p31: 400_000, p32: 1000, p23: 2000, p14: 3000 } }),
      'drops datagrams by the 4-state model (p13 5%, p31 40%, p32 0.1%, p23 0.2%, p14 0.3%)',
    );
    assert.equal(
      what({ type: 'loss', attributes: { to_bad: 10_000 } }),
      'drops datagrams by the Gilbert-Elliott model (to bad 1%, to good 99%, loss 100% when bad, 0% when good)',
    );
    assert.equal(
      what({ type: 'udp_latency', attributes: { latency: 50, jitter: 10, distribution: 'pareto' } }),
      'delays each datagram by 50 ms ± 10 ms (pareto)',
    );
    assert.equal(
      what({ type: 'udp_bandwidth', attributes: { rate: 64, packet_overhead: 42 } }),
      'limits datagrams to 64 KB/s counting 42 bytes more each, queueing up to 1000 and dropping the rest',
    );
    assert.equal(
      what({ type: 'udp_bandwidth', attributes: { rate: 64, cell_size: 48 } }),
      'limits datagrams to 64 KB/s in cells of 48 bytes, queueing up to 1000 and dropping the rest',
    );
    assert.equal(
      what({
        type: 'udp_bandwidth',
        attributes: { rate: 64, packet_overhead: -14, cell_size: 48, cell_overhead: 5 },
      }),
      'limits datagrams to 64 KB/s counting -14 bytes more each in cells of 48 + 5 bytes, queueing up to 1000 and dropping the rest',
    );
    assert.equal(
      what({ type: 'udp_bandwidth' }),
      'limits datagrams to 1 KB/s, queueing up to 1000 and dropping the rest',
    );
    assert.equal(
      what({ type: 'udp_bandwidth', attributes: { rate: 64, queue: 10 } }),
      'limits datagrams to 64 KB/s, queueing up to 10 and dropping the rest',
    );
  });

  test('http and grpc toxics: each branch of each sentence', () => {
    assert.equal(what({ type: 'http_abort' }), 'answers 503 without contacting the upstream');
    assert.equal(
      what({ type: 'http_abort', attributes: { status: 500, body: 'oops' } }),
      'answers 500 with a 4-character body without contacting the upstream',
    );
    assert.equal(
      what({ type: 'http_abort', attributes: { action: 'reset' } }),
      'resets the connection or stream without contacting the upstream',
    );
    assert.equal(what({ type: 'http_delay', attributes: { delay: 100 } }), 'holds the request for 100 ms');
    assert.equal(
      what({ type: 'http_delay', attributes: { stage: 'response', delay: 100, jitter: 20 } }),
      'holds the response for 100 ms ± 20 ms',
    );
    assert.equal(what({ type: 'http_modify' }), 'passes requests unchanged (nothing to modify)');
    assert.equal(
      what({
        type: 'http_modify',
        attributes: {
          request_headers: { 'x-a': '1', 'x-b': null },
          response_headers: { 'x-c': '2' },
          status: 418,
          body: 'short',
        },
      }),
      'rewrites request headers x-a, x-b, response headers x-c, the status to 418, the response body',
    );
    assert.equal(
      what({ type: 'http_modify', attributes: { response_headers: { 'x-c': '2' }, json_patch: { a: 1 } } }),
      'rewrites response headers x-c, the JSON response body with a merge patch',
    );
    assert.equal(
      what({ type: 'grpc_status' }),
      'answers gRPC calls with status 14 UNAVAILABLE without contacting the upstream',
    );
    assert.equal(
      what({ type: 'grpc_status', attributes: { code: 4, message: 'slow' } }),
      'answers gRPC calls with status 4 DEADLINE_EXCEEDED "slow" without contacting the upstream',
    );
  });

  test('the gRPC status code names, 1 to 16 (grpc/doc/statuscodes.md); 0 OK is refused', () => {
    const names = [
      'OK',
      'CANCELLED',
      'UNKNOWN',
      'INVALID_ARGUMENT',
      'DEADLINE_EXCEEDED',
      'NOT_FOUND',
      'ALREADY_EXISTS',
      'PERMISSION_DENIED',
      'RESOURCE_EXHAUSTED',
      'FAILED_PRECONDITION',
      'ABORTED',
      'OUT_OF_RANGE',
      'UNIMPLEMENTED',
      'INTERNAL',
      'UNAVAILABLE',
      'DATA_LOSS',
      'UNAUTHENTICATED',
    ];
    names
      .slice(1)
      .forEach((name, index) =>
        assert.equal(
          what({ type: 'grpc_status', attributes: { code: index + 1 } }),
          `answers gRPC calls with status ${index + 1} ${name} without contacting the upstream`,
        ),
      );
    assert.equal(names[0], 'OK');
    assert.throws(() => what({ type: 'grpc_status', attributes: { code: 0 } }), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      message: /received 0; .*0 OK is not a fault/,
    });
  });

  test('explain called with no attributes uses the documented defaults', () => {
    const bare = (type: ToxicType) => definitionOf(type).explain({});
    assert.equal(bare('latency'), 'delays data by 0 ms');
    assert.equal(bare('bandwidth'), 'stalls the connection: no data passes');
    assert.equal(definitionOf('bandwidth').explain({ rate: 3 }), 'limits the connection to 3 KB/s');
    assert.equal(bare('limit_time'), 'resets the connection (RST) 0 ms after it opened');
    assert.equal(
      bare('reorder'),
      'delays datagrams by 0 ms but sends 0% of them at once, ahead of the waiting ones',
    );
    assert.equal(bare('duplicate'), 'sends 0% of datagrams twice');
    assert.equal(
      bare('udp_bandwidth'),
      'limits datagrams to 1 KB/s, queueing up to 1000 and dropping the rest',
    );
    assert.equal(bare('loss'), 'drops 0% of datagrams');
    assert.equal(bare('udp_latency'), 'delays each datagram by 0 ms');
    assert.equal(parseToxicCreate({ type: 'udp_latency' }).attributes.limit, 1000);
    assert.equal(parseToxicCreate({ type: 'reorder', attributes: { limit: 0 } }).attributes.limit, 0);
    assert.equal(
      parseToxicCreate({ type: 'udp_latency', attributes: { limit: 1_000_000 } }).attributes.limit,
      1_000_000,
    );
    for (const [type, limit] of [
      ['udp_latency', -1],
      ['reorder', 1_000_001],
    ] as const) {
      assert.throws(() => parseToxicCreate({ type, attributes: { limit } }), {
        message: `invalid attribute limit of ${type} toxic "${type}_downstream": received ${limit}; expected a whole number of datagrams from 0 to 1000000 (how many datagrams may wait at once on one flow and direction, as netem's limit; new ones beyond it are dropped and counted)`,
      });
    }
    assert.equal(
      definitionOf('udp_latency').explain({ latency: 50, limit: 20 }),
      'delays each datagram by 50 ms, holding at most 20 and dropping the rest',
    );
    assert.equal(
      definitionOf('reorder').explain({ probability: 250_000, latency: 10, limit: 1000 }),
      'delays datagrams by 10 ms but sends 25% of them at once, ahead of the waiting ones',
    );
    assert.equal(
      definitionOf('reorder').explain({ probability: 250_000, latency: 10, limit: 0 }),
      'delays datagrams by 10 ms but sends 25% of them at once, ahead of the waiting ones, holding at most 0 and dropping the rest',
    );
    assert.equal(bare('slicer'), 'cuts data into pieces of 0 bytes, 0 µs apart');
    assert.equal(
      definitionOf('limit_time').explain({ time: 5 }),
      'resets the connection (RST) 5 ms after it opened',
    );
  });

  test('a gRPC code without a name in the table is said as its number alone', () => {
    assert.equal(
      definitionOf('grpc_status').explain({ code: 17, message: '' }),
      'answers gRPC calls with status 17 without contacting the upstream',
    );
  });

  test("json attributes' own checks: null is a value json_patch and body take", () => {
    const check = (type: ToxicType, name: string, value: JsonValue) => {
      const spec = definitionOf(type).attributes.find((attribute) => attribute.name === name);
      assert.ok(spec?.kind === 'json', `${type} ${name} is a json attribute`);
      return spec.check(value);
    };
    assert.equal(check('http_modify', 'json_patch', null), undefined);
    assert.equal(check('http_modify', 'json_patch', {}), undefined);
    assert.equal(check('http_modify', 'json_patch', []), 'it is not an object');
    assert.equal(check('http_modify', 'json_patch', 0), 'it is not an object');
    assert.equal(check('http_modify', 'body', null), undefined);
    assert.equal(check('http_modify', 'body', {}), 'it is neither a string nor null');
  });
});

describe('event types and the types filter of /events', () => {
  test('every engine event type, once', () => {
    assert.deepEqual(engineEventTypes, [
      'proxy.created',
      'proxy.updated',
      'proxy.deleted',
      'toxic.added',
      'toxic.updated',
      'toxic.removed',
      'connection.opened',
      'connection.closed',
      'connection.failed',
      'tls.failed',
      'toxic.fired',
      'http.fault',
      'http.upstream_failed',
      'stream.opened',
      'stream.closed',
      'protocol.mismatch',
      'halt',
    ]);
  });

  test("an event's proxy is its name, or none for a halt", () => {
    const summary = { name: 'db', listen: '127.0.0.1:1', upstream: '127.0.0.1:2', enabled: true };
    assert.equal(eventProxyName({ type: 'proxy.created', proxy: summary }), 'db');
    assert.equal(
      eventProxyName({ type: 'connection.failed', proxy: 'web', client: 'c', upstream: 'u', error: 'e' }),
      'web',
    );
    assert.equal(
      eventProxyName({ type: 'halt', reason: 'r', undone: [], failed: [], durationMs: 1 }),
      undefined,
    );
  });

  test('a halt reads as who asked, what it undid and what it could not', () => {
    assert.equal(
      haltSummary({
        reason: 'POST /halt from ::1: done',
        undone: ['removed a', 'removed b'],
        failed: [],
        durationMs: 12,
      }),
      'halted in 12 ms (POST /halt from ::1: done): undone: removed a; removed b',
    );
    // Each failed item is already a sentence that says what could not be done.
    assert.equal(
      haltSummary({
        reason: 'r',
        undone: [],
        failed: ['could not enable proxy api: address in use', 'could not undo paused process 7: EPERM'],
        durationMs: 0,
      }),
      'halted in 0 ms (r): nothing was left to undo; failed: could not enable proxy api: address in use; could not undo paused process 7: EPERM',
    );
  });

  test('a halt that left faults in place says so apart, never as undone; an older server sends no `left`', () => {
    assert.equal(
      haltSummary({
        reason: 'r',
        undone: [],
        left: ['created proxy api: proxy api is not the one the run made (upstream b, was a)'],
        failed: [],
        durationMs: 3,
      }),
      'halted in 3 ms (r): nothing undone; left in place: created proxy api: proxy api is not the one the run made (upstream b, was a)',
    );
    assert.equal(
      haltSummary({
        reason: 'r',
        undone: ['removed a'],
        left: ['x: why', 'y: why'],
        failed: ['z'],
        durationMs: 3,
      }),
      'halted in 3 ms (r): undone: removed a; left in place: x: why; y: why; failed: z',
    );
    assert.equal(
      haltSummary({ reason: 'r', undone: [], left: [], failed: [], durationMs: 3 }),
      'halted in 3 ms (r): nothing was left to undo',
    );
  });

  test("an event's connection is a flow on a udp proxy, a connection on every other", () => {
    assert.deepEqual(
      [
        connectionNoun({ type: 'connection.opened', protocol: 'udp' }),
        connectionNoun({ type: 'connection.opened' }),
        connectionNoun({ type: 'toxic.fired', protocol: 'http' }),
        connectionNoun({ type: 'connection.closed', protocol: undefined }),
      ],
      ['flow', 'connection', 'connection', 'connection'],
    );
  });

  test('a filter entry matches its own type or a prefix up to a dot, never part of a word', () => {
    assert.deepEqual(
      [
        typeMatches('toxic.fired', 'toxic.fired'),
        typeMatches('toxic.fired', 'toxic'),
        typeMatches('toxic.fired', 'tox'),
        typeMatches('toxic.fired', 'toxic.'),
        typeMatches('toxic', 'toxic.fired'),
      ],
      [true, true, false, false, false],
    );
  });

  test('unknownEventTypes names the entries no event type passes, in order', () => {
    assert.deepEqual(unknownEventTypes(['proxy', 'bogus.type', 'toxic.fired', 'tox', 'http', 'proxy.']), [
      'bogus.type',
      'tox',
      'proxy.',
    ]);
    assert.deepEqual(unknownEventTypes(['tls.failed', 'connection']), []);
  });
});

describe("toxicsNotApplied: the toxics a proxy update sent that are not the proxy's", () => {
  const current = [
    parseToxicCreate({ name: 'lag', type: 'latency', toxicity: 0.3, attributes: { latency: 40 } }),
    parseToxicCreate({
      name: 'fail',
      type: 'http_abort',
      attributes: { status: 503, match: { method: 'POST' }, first: 2 },
    }),
  ];
  const lag = {
    name: 'lag',
    type: 'latency',
    stream: 'downstream',
    toxicity: 0.3,
    attributes: { latency: 40 },
  };
  const fail = {
    name: 'fail',
    type: 'http_abort',
    attributes: { status: 503, match: { method: 'POST' }, first: 2 },
  };

  test("none when the update sends no toxics, or echoes the proxy's own in any key case", () => {
    assert.deepEqual(
      [
        toxicsNotApplied({ enabled: false }, current),
        toxicsNotApplied(null, current),
        toxicsNotApplied([lag], current),
        toxicsNotApplied({ toxics: null }, current),
        toxicsNotApplied({ toxics: [lag, fail] }, current),
        toxicsNotApplied({ ToXiCs: [fail, lag] }, current),
        toxicsNotApplied({ toxics: [{ ...lag, toxicity: 0.30000001192092896 }, fail] }, current),
        toxicsNotApplied({ toxics: [{ ...lag, toxicity: 0.299999 }, fail] }, current),
        toxicsNotApplied({ toxics: [] }, []),
        toxicsNotApplied('toxics', current),
        toxicsNotApplied(undefined, current),
        toxicsNotApplied({ toxics: [{ ...lag, toxicity: 1e-6 }] }, [
          parseToxicCreate({ ...lag, toxicity: 0 }),
        ]),
      ],
      [[], [], [], [], [], [], [], [], [], [], [], []],
    );
  });

  test("each toxic that differs in any part, and each of the proxy's left out, by name", () => {
    const differing = (toxic: object) => toxicsNotApplied({ toxics: [toxic, fail] }, current);
    assert.deepEqual(
      [
        differing({ ...lag, toxicity: 0.300002 }),
        differing({ ...lag, type: 'bandwidth', attributes: { rate: 40 } }),
        differing({ ...lag, stream: 'upstream' }),
        differing({ ...lag, attributes: { latency: 41 } }),
        differing({ ...lag, name: 'lag2' }),
        toxicsNotApplied(
          { toxics: [lag, { ...fail, attributes: { ...fail.attributes, match: { method: 'GET' } } }] },
          current,
        ),
        toxicsNotApplied(
          { toxics: [lag, { ...fail, attributes: { ...fail.attributes, first: 3 } }] },
          current,
        ),
        toxicsNotApplied({ toxics: [lag] }, current),
        toxicsNotApplied(
          { toxics: [lag, fail, { type: 'latency', attributes: { latency: -1 } }, 7, null, { name: 7 }] },
          current,
        ),
        toxicsNotApplied({ toxics: [{ name: 'cut', type: 'reset_peer', attributes: { timeout: 100 } }] }, [
          parseToxicCreate({ name: 'cut', type: 'timeout', attributes: { timeout: 100 } }),
        ]),
      ],
      [
        ['lag'],
        ['lag'],
        ['lag'],
        ['lag'],
        ['lag2', 'lag'],
        ['fail'],
        ['fail'],
        ['fail'],
        ['toxic 3', 'toxic 4', 'toxic 5', 'toxic 6'],
        ['cut'],
      ],
    );
  });
});

describe('/proc schedstat', () => {
  test('schedstat: nanoseconds on a CPU and waiting in a run queue; anything else is refused', () => {
    assert.deepEqual(parseSchedstat('640310 1528396 12\n'), {
      runNanoseconds: 640310,
      waitNanoseconds: 1528396,
    });
    assert.throws(
      () => parseSchedstat('640310\n'),
      /^Error: a schedstat line is "<run ns> <wait ns> <slices>", read "640310"$/,
    );
    assert.throws(() => parseSchedstat('x y 1'), /read "x y 1"/);
    assert.throws(() => parseSchedstat('x 5 1'), /read "x 5 1"/);
    assert.deepEqual(parseSchedstat('640310  1528396\t12'), {
      runNanoseconds: 640310,
      waitNanoseconds: 1528396,
    });
  });
});

describe('proxyBody: a proxy as the API shows it, back as the body that creates it', () => {
  const toxic = {
    name: 'slow',
    type: 'latency',
    stream: 'downstream',
    toxicity: 0.5,
    attributes: { latency: 100 },
  };
  test('a tcp proxy keeps only what Toxiproxy has, in order, and its toxics without extra fields', () => {
    const shown = {
      name: 'api',
      listen: '127.0.0.1:1',
      upstream: '127.0.0.1:2',
      enabled: false,
      Logger: {},
      toxics: [{ ...toxic, extra: 'dropped' }],
    } as unknown as ProxyJson;
    const body = proxyBody(shown);
    assert.deepEqual(body, {
      name: 'api',
      listen: '127.0.0.1:1',
      upstream: '127.0.0.1:2',
      enabled: false,
      toxics: [toxic],
    });
    assert.deepEqual(Object.keys(body), ['name', 'listen', 'upstream', 'enabled', 'toxics']);
  });
  test('every optional setting that is set comes back, in the API order', () => {
    const tls = { cert: 'C', key: '[redacted]' };
    const upstreamTls = { servername: 'db', insecure: false };
    const shown = {
      name: 'web',
      listen: '127.0.0.1:3',
      upstream: '127.0.0.1:4',
      enabled: true,
      protocol: 'http',
      header_faults: false,
      idle_timeout: 5,
      tls,
      upstream_tls: upstreamTls,
      Logger: {},
      toxics: [],
    } as unknown as ProxyJson;
    const body = proxyBody(shown);
    assert.deepEqual(Object.keys(body), [
      'name',
      'listen',
      'upstream',
      'enabled',
      'protocol',
      'header_faults',
      'idle_timeout',
      'tls',
      'upstream_tls',
      'toxics',
    ]);
    assert.deepEqual(
      [body.protocol, body.header_faults, body.idle_timeout, body.tls, body.upstream_tls, body.toxics],
      ['http', false, 5, tls, upstreamTls, []],
    );
  });
});

describe('sameJson: equal JSON whatever the order of object keys', () => {
  test('objects compare by keys and values in any order, nested too', () => {
    assert.equal(sameJson({ a: 1, b: { c: [1, 2], d: null } }, { b: { d: null, c: [1, 2] }, a: 1 }), true);
    assert.equal(sameJson({}, {}), true);
    assert.equal(sameJson([], []), true);
    assert.equal(sameJson('x', 'x'), true);
    assert.equal(sameJson(null, null), true);
  });

  test('a missing, extra or different key, another array order or length, or another type differs', () => {
    const differ: Array<[unknown, unknown]> = [
      [{ a: 1 }, { a: 2 }],
      [{ a: 1 }, { b: 1 }],
      [{ a: 1 }, { a: 1, b: 2 }],
      [{ a: 1, b: 2 }, { a: 1 }],
      [{ a: undefined }, { b: undefined }],
      [
        [1, 2],
        [2, 1],
      ],
      [[1], [1, 1]],
      [[1, 1], [1]],
      [[1], { 0: 1 }],
      [{ 0: 1 }, [1]],
      [{ length: 0 }, []],
      [[], { length: 0 }],
      [{ a: { b: 1 } }, { a: { b: 2 } }],
      [null, {}],
      [{}, null],
      ['1', 1],
      [{ a: [1] }, { a: [2] }],
    ];
    for (const [a, b] of differ)
      assert.equal(sameJson(a, b), false, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  });
});

test('unchecked and uncheckedProxy hand back the body they are given', () => {
  const toxic = { type: 'latency', attributes: { latency: 5 } };
  const proxy = { name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', toxics: [toxic] };
  assert.equal(unchecked(toxic), toxic);
  assert.equal(uncheckedProxy(proxy), proxy);
});
