import type http2 from 'node:http2';
import { join } from 'node:path';
import { after } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { type Harness, waitFor } from './helpers.js';
import { h2ProxyTo } from './http-helpers.js';

const protoPath = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'grpc', 'orders.proto');

/** The client class of the test service shop.Orders (test/fixtures/grpc/orders.proto): Get, Create, Watch. */
export const Orders = (grpc.loadPackageDefinition(protoLoader.loadSync(protoPath)).shop as grpc.GrpcObject)
  .Orders as grpc.ServiceClientConstructor;

/** An order as the test service's messages carry it. */
export interface Order {
  id: number;
  item: string;
}

/**
 * A real gRPC server of shop.Orders, shut down after the file's tests: Create echoes the order,
 * Get answers item "book", Watch streams three orders. `calls` lists what it served (`Get 5`).
 */
export async function startOrdersServer(): Promise<{ port: number; calls: string[] }> {
  const calls: string[] = [];
  const server = new grpc.Server();
  server.addService(Orders.service, {
    Create: (call: grpc.ServerUnaryCall<Order, Order>, callback: grpc.sendUnaryData<Order>) => {
      calls.push(`Create ${call.request.id}`);
      callback(null, call.request);
    },
    Get: (call: grpc.ServerUnaryCall<{ id: number }, Order>, callback: grpc.sendUnaryData<Order>) => {
      calls.push(`Get ${call.request.id}`);
      callback(null, { id: call.request.id, item: 'book' });
    },
    Watch: (call: grpc.ServerWritableStream<{ id: number }, Order>) => {
      calls.push(`Watch ${call.request.id}`);
      for (let i = 1; i <= 3; i += 1) call.write({ id: i, item: `update ${i}` });
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  after(() => server.forceShutdown());
  return { port, calls };
}

/** An Orders client of the proxy on `port` (plain text), closed after the file's tests. */
export function ordersClient(port: number): grpc.Client {
  const client = new Orders(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  after(() => client.close());
  return client;
}

/** One gRPC message: an Order with `id` and item "a", length-prefixed (10 bytes). */
export function orderFrame(id: number): Buffer {
  const order = Buffer.from([0x08, id, 0x12, 1, 0x61]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(order.length, 1);
  return Buffer.concat([prefix, order]);
}

/** An http2 proxy in front of an upstream that answers each call and leaves it open. */
export interface OpenCallsUpstream {
  readonly proxy: { name: string; port: number; upstreamPort: number };
  /** The upstream's streams not yet taken by the test, oldest first. */
  readonly open: http2.ServerHttp2Stream[];
  /** The `:path` of every call the upstream got, in order. */
  readonly paths: string[];
}

/**
 * An http2 proxy `name` whose upstream answers every call with gRPC's headers and one order
 * (`orderFrame(1)`), then leaves the stream open for the test to end ([finishCall]) or cut.
 */
export async function openCallsUpstream(harness: Harness, name: string): Promise<OpenCallsUpstream> {
  const open: http2.ServerHttp2Stream[] = [];
  const paths: string[] = [];
  const proxy = await h2ProxyTo(harness, name, (stream, headers) => {
    paths.push(String(headers[':path']));
    stream.on('error', () => undefined);
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.write(orderFrame(1));
    open.push(stream);
  });
  return { proxy, open, paths };
}

/** The oldest upstream stream the test has not taken yet, once the upstream has one. */
export async function nextOpenCall(open: http2.ServerHttp2Stream[]): Promise<http2.ServerHttp2Stream> {
  await waitFor(() => open.length > 0, 'the call upstream');
  return open.shift()!;
}

/** Ends an upstream stream as a call that succeeded: trailers with grpc-status 0. */
export function finishCall(stream: http2.ServerHttp2Stream): void {
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end();
}

/** A server-streaming Watch call, read to its end, and how it ended for the client. */
export interface WatchCall {
  readonly call: grpc.ClientReadableStream<unknown>;
  /** `end`, or the call's status code and details (`14 faultline: …`). */
  readonly outcome: Promise<string>;
}

/** Starts a Watch call (order 1) on `client`, reading whatever comes. */
export function watchCall(client: grpc.Client, options: grpc.CallOptions = {}): WatchCall {
  const call = (
    client as unknown as { Watch(r: object, o: grpc.CallOptions): grpc.ClientReadableStream<unknown> }
  ).Watch({ id: 1 }, options);
  call.on('data', () => undefined);
  const outcome = new Promise<string>((resolve) => {
    call.on('error', (error: grpc.ServiceError) => resolve(`${error.code} ${error.details}`));
    call.on('end', () => resolve('end'));
  });
  return { call, outcome };
}
