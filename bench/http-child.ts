import http from 'node:http';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import httpProxy from 'http-proxy';
import { type Dispatcher, Pool } from 'undici';

/**
 * The processes the HTTP bench measures against, each in a process of its own so the load
 * generator does not share their event loop: `upstream` (a small JSON answer on HTTP/1.1 and a
 * gRPC unary method), `http-proxy` (the npm reverse proxy, with keep-alive upstream) and
 * `node-floor` (node:http in front of an undici pool, the least a proxy built on them does).
 * Each prints its ports as one JSON line on stdout.
 */
const protoPath = fileURLToPath(new URL('../../test/fixtures/grpc/orders.proto', import.meta.url));

async function upstream(): Promise<void> {
  const body = JSON.stringify({ id: 7, status: 'paid' });
  const server = http.createServer((request, response) => {
    request.resume();
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const definition = protoLoader.loadSync(protoPath);
  const shop = (grpc.loadPackageDefinition(definition).shop as grpc.GrpcObject)
    .Orders as grpc.ServiceClientConstructor;
  const grpcServer = new grpc.Server();
  grpcServer.addService(shop.service, {
    Get: (call: grpc.ServerUnaryCall<{ id: number }, object>, callback: grpc.sendUnaryData<object>) =>
      callback(null, { id: call.request.id, item: 'book' }),
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  );
  process.stdout.write(
    `${JSON.stringify({ http: (server.address() as net.AddressInfo).port, grpc: grpcPort })}\n`,
  );
}

async function reverseProxy(target: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const proxy = httpProxy.createProxyServer({ target: `http://${target}`, agent });
  proxy.on('error', (_error, _request, response) => {
    if ('writeHead' in response && !response.headersSent) response.writeHead(502).end();
  });
  const server = http.createServer((request, response) => proxy.web(request, response));
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  process.stdout.write(`${JSON.stringify({ http: (server.address() as net.AddressInfo).port })}\n`);
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/**
 * The floor for faultline's http proxy: the same node:http server and undici pool, with nothing
 * between them but dropping hop-by-hop headers; no link, no events, no toxics.
 */
async function nodeFloor(target: string): Promise<void> {
  const pool = new Pool(`http://${target}`, { keepAliveTimeout: 10_000, bodyTimeout: 0 });
  const server = http.createServer({ keepAliveTimeout: 0, requestTimeout: 0 }, (request, response) => {
    response.sendDate = false;
    const headers: string[] = [];
    const raw = request.rawHeaders;
    for (let i = 0; i < raw.length; i += 2)
      if (!HOP.has(raw[i]!.toLowerCase())) headers.push(raw[i]!, raw[i + 1]!);
    const handler: Dispatcher.DispatchHandler = {
      onConnect: () => undefined,
      onError: () => response.destroy(),
      onHeaders(status, rawHeaders) {
        const back: string[] = [];
        for (let i = 0; i < rawHeaders.length; i += 2) {
          const name = rawHeaders[i]!.toString('latin1');
          if (!HOP.has(name.toLowerCase())) back.push(name, rawHeaders[i + 1]!.toString('latin1'));
        }
        response.writeHead(status, back);
        return true;
      },
      onData: (chunk) => response.write(chunk),
      onComplete: () => void response.end(),
    };
    pool.dispatch(
      { method: request.method as Dispatcher.HttpMethod, path: request.url ?? '/', headers, body: null },
      handler,
    );
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  process.stdout.write(`${JSON.stringify({ http: (server.address() as net.AddressInfo).port })}\n`);
}

const [role, target] = process.argv.slice(2);
if (role === 'upstream') await upstream();
else if (role === 'http-proxy' && target) await reverseProxy(target);
else if (role === 'node-floor' && target) await nodeFloor(target);
else
  throw new Error(
    `usage: http-child.js upstream | http-proxy HOST:PORT | node-floor HOST:PORT (received ${process.argv.slice(2).join(' ')})`,
  );
