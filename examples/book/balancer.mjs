// A round-robin HTTP load balancer with nginx's semantics from the book's chapter 2:
// max_fails=1 fail_timeout=1s (one error takes an upstream out for a second) and a failed
// request is retried on the next upstream. GET /__stats reports what clients saw.
import { createServer, request as forward } from 'node:http';

const [listenPort, ...upstreamPorts] = process.argv.slice(2).map(Number);
const FAIL_TIMEOUT_MS = 1000;
const upstreams = upstreamPorts.map((port) => ({ port, downUntil: 0 }));
const stats = { requests: 0, errors: 0, retries: 0 };
let next = 0;

function pick(tried) {
  for (let step = 0; step < upstreams.length; step += 1) {
    const upstream = upstreams[(next + step) % upstreams.length];
    if (!tried.has(upstream) && upstream.downUntil <= Date.now()) {
      next = (upstreams.indexOf(upstream) + 1) % upstreams.length;
      return upstream;
    }
  }
  return upstreams.find((upstream) => !tried.has(upstream));
}

function proxy(clientRequest, clientResponse, tried) {
  const upstream = pick(tried);
  if (!upstream) {
    stats.errors += 1;
    return clientResponse.writeHead(502).end('no upstream answered\n');
  }
  tried.add(upstream);
  const outgoing = forward(
    {
      host: '127.0.0.1',
      port: upstream.port,
      path: clientRequest.url,
      method: clientRequest.method,
      headers: clientRequest.headers,
    },
    (response) => {
      clientResponse.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(clientResponse);
    },
  );
  outgoing.on('error', () => {
    upstream.downUntil = Date.now() + FAIL_TIMEOUT_MS;
    stats.retries += 1;
    proxy(clientRequest, clientResponse, tried);
  });
  outgoing.end();
}

createServer((request, response) => {
  if (request.url === '/__stats')
    return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
  stats.requests += 1;
  proxy(request, response, new Set());
}).listen(listenPort, '127.0.0.1');
