import assert from 'node:assert/strict';
import type http2 from 'node:http2';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { startHarness, waitFor } from './helpers.js';
import { h2ProxyTo } from './http-helpers.js';

const protoPath = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'grpc', 'orders.proto');
const Orders = (grpc.loadPackageDefinition(protoLoader.loadSync(protoPath)).shop as grpc.GrpcObject)
  .Orders as grpc.ServiceClientConstructor;

/** One gRPC message: an Order with `id` and item "a", length-prefixed. */
function orderFrame(id: number): Buffer {
  const order = Buffer.from([0x08, id, 0x12, 1, 0x61]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(order.length, 1);
  return Buffer.concat([prefix, order]);
}

const harness = await startHarness({ seed: 7 });
/** The upstream's streams, each answered with one order and left open for the test to end. */
const open: http2.ServerHttp2Stream[] = [];
const proxy = await h2ProxyTo(harness, 'watch', (stream) => {
  stream.on('error', () => undefined);
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.write(orderFrame(1));
  open.push(stream);
});
const client = new Orders(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
after(() => client.close());

/** The proxy's faultline_http_requests_active, or undefined when /metrics has no such series. */
async function requestsActive(): Promise<number | undefined> {
  const text = (await harness.api('GET', '/metrics')).text;
  const line = text
    .split('\n')
    .find((row) => row.startsWith(`faultline_http_requests_active{proxy="watch"} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/** A server-streaming call, once its first message came through the proxy: it is in flight. */
async function callInFlight(): Promise<{
  call: grpc.ClientReadableStream<unknown>;
  outcome: Promise<string>;
}> {
  const call = (client as unknown as { Watch(r: object): grpc.ClientReadableStream<unknown> }).Watch({
    id: 1,
  });
  const outcome = new Promise<string>((resolve) => {
    call.on('error', (error: grpc.ServiceError) => resolve(`${error.code}`));
    call.on('end', () => resolve('end'));
  });
  await new Promise((resolve) => call.once('data', resolve));
  call.on('data', () => undefined);
  return { call, outcome };
}

describe('faultline_http_requests_active: the HTTP/2 streams of a proxy in flight now', () => {
  it('is 0 with no call, 1 while a server-streaming call is held open, 0 once it ended', async () => {
    assert.equal(await requestsActive(), 0);
    const { outcome } = await callInFlight();
    assert.equal(await requestsActive(), 1);
    const upstream = open.shift()!;
    upstream.on('wantTrailers', () => upstream.sendTrailers({ 'grpc-status': '0' }));
    upstream.end();
    assert.equal(await outcome, 'end');
    await waitFor(async () => (await requestsActive()) === 0, 'the ended call to leave the gauge');
  });

  it('goes back to 0 when the client cancels the call', async () => {
    const { call, outcome } = await callInFlight();
    assert.equal(await requestsActive(), 1);
    call.cancel();
    assert.equal(await outcome, String(grpc.status.CANCELLED));
    await waitFor(async () => (await requestsActive()) === 0, 'the cancelled call to leave the gauge');
    open.shift()?.close();
  });
});
