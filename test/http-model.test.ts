import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import {
  CounterState,
  matchesClient,
  matchesRequest,
  parseMatch,
  type RequestFacts,
} from '../src/model/match.js';
import { parseIpBlock } from '../src/model/ip-block.js';
import { explainToxic, parseToxicCreate, parseToxicUpdate } from '../src/model/toxic.js';
import { createProxy, readBytes, startEchoServer, startHarness, waitFor } from './helpers.js';

const request = (facts: Partial<RequestFacts>): RequestFacts => ({
  method: 'GET',
  path: '/',
  query: '',
  headers: {},
  client: '127.0.0.1',
  ...facts,
});

describe('typed attributes', () => {
  it('a byte toxic keeps integer attributes and Toxiproxy JSON; match and counters are taken out', () => {
    const plain = parseToxicCreate({ type: 'latency', attributes: { latency: 10 } });
    assert.deepEqual(plain, {
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 10, jitter: 0 },
    });
    const targeted = parseToxicCreate({
      type: 'latency',
      attributes: { latency: 10, match: { client: ['127.0.0.2'] }, FIRST: 2 },
    });
    assert.deepEqual(targeted.attributes, { latency: 10, jitter: 0 });
    assert.deepEqual(targeted.match, { client: ['127.0.0.2'] });
    assert.deepEqual(targeted.counter, { first: 2 });
  });

  it('choice, text and json attributes are checked with a message naming field, value and what is accepted', () => {
    assert.throws(() => parseToxicCreate({ type: 'http_delay', attributes: { stage: 'later' } }), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      reason: 'invalid attribute stage of http_delay toxic "http_delay_downstream"',
      hint: 'received "later"; expected one of "request", "response" (request: before the request goes upstream; response: before the response headers go back)',
    });
    assert.throws(() => parseToxicCreate({ type: 'http_abort', attributes: { status: 600 } }), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      reason: 'invalid attribute status of http_abort toxic "http_abort_downstream"',
      hint: 'received 600; expected a whole number of HTTP status from 200 to 599 (the status of the answer)',
    });
    assert.throws(() => parseToxicCreate({ type: 'http_abort', attributes: { status: 199 } }), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      hint: 'received 199; expected a whole number of HTTP status from 200 to 599 (the status of the answer)',
    });
    assert.equal(
      parseToxicCreate({ type: 'http_abort', attributes: { status: 200 } }).attributes.status,
      200,
    );
    assert.throws(() => parseToxicCreate({ type: 'http_modify', attributes: { status: 199 } }), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      hint: /status must be 0 \(keep\) or from 200 to 599 \(1xx answers are interim, never final\), received 199/,
    });
    assert.equal(
      parseToxicCreate({ type: 'http_modify', attributes: { status: 200 } }).attributes.status,
      200,
    );
    for (const side of ['request_headers', 'response_headers'])
      assert.throws(
        () => parseToxicCreate({ type: 'http_modify', attributes: { [side]: { 'Content-Length': '5' } } }),
        {
          code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
          hint: /Content-Length frames the body, so the proxy sets it from the body it sends; to change the body use body or json_patch/,
        },
      );
    assert.throws(() => parseToxicCreate({ type: 'grpc_status', attributes: { code: 17 } }), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      hint: 'received 17; expected a whole number of gRPC status code from 1 to 16 (e.g. 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED; 0 OK is not a fault (a trailers-only OK has no reply message))',
    });
    assert.throws(() => parseToxicCreate({ type: 'grpc_status', attributes: { code: 0 } }), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      hint: 'received 0; expected a whole number of gRPC status code from 1 to 16 (e.g. 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED; 0 OK is not a fault (a trailers-only OK has no reply message))',
    });
    assert.equal(parseToxicCreate({ type: 'grpc_status', attributes: { code: 1 } }).attributes.code, 1);
    assert.throws(
      () => parseToxicCreate({ type: 'http_abort', attributes: { headers: { 'retry-after': 1 } } }),
      {
        code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
        hint: 'received {"retry-after":1}; expected an object of header name → value, e.g. {"retry-after":"1"}: the value of "retry-after" is 1, not a string',
      },
    );
    assert.throws(
      () => parseToxicCreate({ type: 'http_abort', attributes: { headers: { 'x-a': 'b\r\nx-c: d' } } }),
      {
        hint: 'received {"x-a":"b\\r\\nx-c: d"}; expected an object of header name → value, e.g. {"retry-after":"1"}: the value of "x-a" holds a line break or NUL, which no header may',
      },
    );
    assert.throws(
      () =>
        parseToxicCreate({ type: 'http_modify', attributes: { request_headers: { Connection: 'close' } } }),
      {
        reason: 'invalid attributes of http_modify toxic "http_modify_downstream"',
        hint: 'Connection describes one connection, not the message, so the proxy sets it itself; accepted: any other header',
      },
    );
    const abort = parseToxicCreate({
      type: 'http_abort',
      attributes: { status: 429, headers: { 'retry-after': '1' } },
    });
    assert.deepEqual(abort.attributes, {
      action: 'respond',
      status: 429,
      body: '',
      headers: { 'retry-after': '1' },
    });
  });

  it("an integer attribute of the wrong JSON type keeps Go's wording", () => {
    assert.throws(() => parseToxicCreate({ type: 'latency', attributes: { latency: 'slow' } }), {
      reason:
        'bad request body: json: cannot unmarshal string into Go struct field LatencyToxic.attributes.latency of type int64',
    });
  });

  it('a new toxic refuses first: 0 and every: 0, which would select every request, not none', () => {
    assert.throws(() => parseToxicCreate({ type: 'refuse', attributes: { first: 0 } }), {
      reason: 'invalid attribute first of refuse toxic "refuse_downstream"',
    });
    assert.throws(() => parseToxicCreate({ type: 'http_abort', attributes: { every: 0 } }), {
      reason: 'invalid attribute every of http_abort toxic "http_abort_downstream"',
    });
    assert.equal(parseToxicCreate({ type: 'refuse', attributes: { after: 0 } }).counter, undefined);
  });

  it('an update merges counters and keeps the match unless it is sent; 0 turns a counter off', () => {
    const toxic = parseToxicCreate({
      type: 'http_abort',
      attributes: { match: { method: 'post' }, first: 3, every: 2 },
    });
    const updated = parseToxicUpdate({ attributes: { every: 0 } }, toxic);
    assert.deepEqual(updated.match, { method: ['POST'] });
    assert.deepEqual(updated.counter, { first: 3 });
    assert.equal(
      explainToxic(updated),
      'http_abort_downstream: on the first 3 matching requests (POST), answers 503 without contacting the upstream',
    );
  });
});

describe('request toxics and stream', () => {
  it('refuses stream "upstream" on a request toxic with a 400 naming the field; the default "downstream" is accepted', () => {
    assert.throws(() => parseToxicCreate({ type: 'http_abort', stream: 'upstream' }), {
      code: 'FAULTLINE_ERR_INVALID_STREAM',
      reason: 'stream does not apply to http_abort toxics',
      hint: 'received "upstream"; a request toxic acts on whole requests and answers, so leave stream out (or send the default "downstream")',
    });
    assert.equal(
      parseToxicCreate({ type: 'grpc_status', stream: 'Downstream' }).name,
      'grpc_status_downstream',
    );
    assert.equal(parseToxicCreate({ type: 'latency', stream: 'upstream' }).stream, 'upstream');
  });
});

describe('counter explanations', () => {
  it('name the units the counters pick: "the first request", "the first 2 requests"', () => {
    const once = parseToxicCreate({ type: 'http_abort', attributes: { first: 1 } });
    assert.equal(
      explainToxic(once),
      'http_abort_downstream: on the first request, answers 503 without contacting the upstream',
    );
    const twice = parseToxicCreate({ type: 'http_abort', attributes: { first: 2 } });
    assert.equal(
      explainToxic(twice),
      'http_abort_downstream: on the first 2 requests, answers 503 without contacting the upstream',
    );
  });
});

describe('match', () => {
  it('rejects an unknown key, a bad regular expression and a bad CIDR block by name', () => {
    assert.throws(() => parseMatch({ verb: 'GET' }, 'toxic x'), {
      code: 'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      reason: 'unknown match key "verb" in toxic x',
      hint: 'accepted match keys: client, method, path, path_regex, query, headers, headers_regex, grpc_service, grpc_method',
    });
    assert.throws(() => parseMatch({ path_regex: '(' }, 'toxic x'), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: /match\.path_regex of toxic x: invalid pattern "\("/,
    });
    assert.throws(() => parseMatch({ client: ['10.0.0.0/33'] }, 'toxic x'), {
      reason: 'invalid match.client of toxic x',
      hint: 'received "10.0.0.0/33"; accepted: an IP address such as 127.0.0.2 or a CIDR block such as 10.0.0.0/8',
    });
  });

  it('matches method, path glob, regex, query, headers and gRPC calls', () => {
    const match = parseMatch(
      { method: ['post'], path: '/v1/orders/*', query: { dry: '1' }, headers: { 'X-Team': 'a' } },
      'toxic x',
    );
    const hit = request({ method: 'POST', path: '/v1/orders/7', query: 'dry=1', headers: { 'x-team': 'a' } });
    assert.equal(matchesRequest(match, hit), true);
    assert.equal(matchesRequest(match, { ...hit, method: 'GET' }), false);
    assert.equal(matchesRequest(match, { ...hit, path: '/v1/orders/7/items' }), false);
    assert.equal(matchesRequest(match, { ...hit, query: 'dry=0' }), false);
    assert.equal(matchesRequest(match, { ...hit, headers: { 'x-team': 'b' } }), false);
    const deep = parseMatch({ path: '/v1/**', path_regex: '[0-9]+$' }, 'toxic x');
    assert.equal(matchesRequest(deep, request({ path: '/v1/a/b/42' })), true);
    assert.equal(matchesRequest(deep, request({ path: '/v1/a/b/c' })), false);
    const grpc = parseMatch({ grpc_service: 'shop.Orders', grpc_method: 'Create' }, 'toxic x');
    const call = request({
      method: 'POST',
      path: '/shop.Orders/Create',
      headers: { 'content-type': 'application/grpc' },
    });
    assert.equal(matchesRequest(grpc, call), true);
    assert.equal(matchesRequest(grpc, { ...call, path: '/shop.Orders/List' }), false);
    assert.equal(matchesRequest(grpc, { ...call, headers: { 'content-type': 'application/json' } }), false);
  });

  it('matches clients by address and CIDR block, IPv4 seen as IPv4-mapped IPv6 too', () => {
    const match = parseMatch({ client: ['127.0.0.2', '10.0.0.0/8', '::1'] }, 'toxic x');
    assert.equal(matchesClient(match, '127.0.0.2'), true);
    assert.equal(matchesClient(match, '::ffff:10.200.1.1'), true);
    assert.equal(matchesClient(match, '::1'), true);
    assert.equal(matchesClient(match, '127.0.0.1'), false);
    assert.equal(matchesClient(match, '11.0.0.1'), false);
    assert.equal(parseIpBlock('fe80::/10')?.prefix, 10);
    assert.equal(parseIpBlock('1.2.3'), undefined);
  });

  it('counters: after skips, every picks each n-th, first stops', () => {
    const pattern = (counter: object, count: number) => {
      const state = new CounterState();
      return Array.from({ length: count }, () => (state.take(counter) ? 1 : 0)).join('');
    };
    assert.equal(pattern({ first: 3 }, 6), '111000');
    assert.equal(pattern({ after: 2 }, 5), '00111');
    assert.equal(pattern({ every: 3 }, 7), '0010010');
    assert.equal(pattern({ after: 1, every: 2, first: 2 }, 9), '001010000');
  });
});

describe('protocol field', () => {
  it("a tcp proxy's JSON has no protocol key; other protocols show it", async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    const tcp = await harness.api('POST', '/proxies', {
      name: 'plain',
      upstream: echo.address,
      listen: '127.0.0.1:0',
    });
    assert.equal(tcp.status, 201);
    assert.deepEqual(Object.keys(tcp.json), ['name', 'listen', 'upstream', 'enabled', 'Logger', 'toxics']);
    const udp = await harness.api('POST', '/proxies', {
      name: 'dns',
      upstream: '127.0.0.1:53',
      protocol: 'udp',
    });
    assert.equal(udp.status, 201, udp.text);
    assert.equal(udp.json.protocol, 'udp');
    const bad = await harness.api('POST', '/proxies', {
      name: 'x',
      upstream: '127.0.0.1:1',
      protocol: 'quic',
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, 'invalid protocol of proxy "x"');
    assert.equal(
      bad.json.hint,
      'received "quic"; accepted protocols: tcp, http, http2, udp (tcp when omitted)',
    );
  });

  it('a protocol cannot change by update, header_faults needs http, and populate re-creates a proxy whose protocol changed', async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    const spec = { name: 'moving', upstream: echo.address, listen: '127.0.0.1:0' };
    const first = await harness.api('POST', '/populate', [{ ...spec, protocol: 'http' }]);
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.proxies[0].protocol, 'http');
    const change = await harness.api('POST', '/proxies/moving', { protocol: 'http2' });
    assert.equal(change.status, 400);
    assert.equal(change.json.error, 'the protocol of a proxy cannot change');
    const same = await harness.api('POST', '/proxies/moving', { protocol: 'http', header_faults: true });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.json.header_faults, true);
    const second = await harness.api('POST', '/populate', [spec]);
    assert.equal(second.status, 201, second.text);
    assert.deepEqual(Object.keys(second.json.proxies[0]), [
      'name',
      'listen',
      'upstream',
      'enabled',
      'Logger',
      'toxics',
    ]);
    const onTcp = await harness.api('POST', '/proxies', {
      name: 'bytes2',
      upstream: echo.address,
      header_faults: true,
    });
    assert.equal(onTcp.status, 400);
    assert.equal(onTcp.json.error, 'header_faults needs an http or http2 proxy');
  });

  it('an HTTP toxic on a tcp proxy, or a request match key on a byte toxic, is a 400 naming what is accepted', async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    await createProxy(harness, 'bytes', echo.address);
    const abort = await harness.api('POST', '/proxies/bytes/toxics', { type: 'http_abort' });
    assert.equal(abort.status, 400);
    assert.equal(abort.json.error, 'toxic type http_abort needs a proxy with protocol http or http2');
    const byMethod = await harness.api('POST', '/proxies/bytes/toxics', {
      type: 'latency',
      attributes: { latency: 1, match: { method: 'POST' } },
    });
    assert.equal(byMethod.status, 400);
    assert.equal(byMethod.json.error, 'match key method needs a request toxic on an http or http2 proxy');
  });

  it('match.client on a tcp proxy: a connection from 127.0.0.2 gets the toxic, one from 127.0.0.1 does not', async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    const proxy = await createProxy(harness, 'peers', echo.address);
    const added = await harness.api('POST', '/proxies/peers/toxics', {
      name: 'cut_peer2',
      type: 'timeout',
      attributes: { timeout: 0, match: { client: '127.0.0.2' } },
    });
    assert.equal(added.status, 200);
    assert.deepEqual(added.json.attributes, { timeout: 0, match: { client: ['127.0.0.2'] } });
    const { port } = proxy;
    const open = (localAddress: string) =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
        socket.once('error', reject);
      });
    const fromOne = await open('127.0.0.1');
    fromOne.write('ping');
    assert.equal((await readBytes(fromOne, 4)).toString(), 'ping');
    const fromTwo = await open('127.0.0.2');
    const received: Buffer[] = [];
    fromTwo.on('data', (data: Buffer) => received.push(data));
    fromTwo.write('ping');
    // The same bytes sent again on the first connection come back: the proxy has read and
    // forwarded later data, so the second connection's ping was held, not merely slow.
    fromOne.write('pong');
    assert.equal((await readBytes(fromOne, 4)).toString(), 'pong');
    const actions = () => harness.engine.get('peers').stats().toxicActions.get('cut_peer2') ?? 0;
    await waitFor(() => actions() > 0, 'the timeout toxic to hold the ping from 127.0.0.2');
    assert.equal(Buffer.concat(received).length, 0);
    fromOne.destroy();
    fromTwo.destroy();
  });
});
