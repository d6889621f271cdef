import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { after } from 'node:test';
import type { EngineEvent } from '../src/model/events.js';
import { createProxy, type Harness } from './helpers.js';

export interface Upstream {
  port: number;
  address: string;
  /** Requests the upstream served, in arrival order: method, url and headers. */
  seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }>;
}

/**
 * A node:http upstream: /echo streams the request body back chunked; /big/N answers N bytes
 * (no content-length, so chunked); /json answers a small JSON object (/tagged the same, with an
 * ETag and a Content-Digest); the rest answer "ok <url>".
 */
export async function startHttpUpstream(): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = http.createServer((request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    const url = request.url ?? '/';
    if (url.startsWith('/echo')) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      request.pipe(response);
      return;
    }
    request.resume();
    if (url.startsWith('/big/')) {
      const size = Number(url.slice(5));
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const piece = Buffer.alloc(64 * 1024, 7);
      let left = size;
      const write = () => {
        while (left > 0) {
          const part = piece.subarray(0, Math.min(left, piece.length));
          left -= part.length;
          if (!response.write(part)) return void response.once('drain', write);
        }
        response.end();
      };
      write();
      return;
    }
    if (url.startsWith('/json') || url.startsWith('/tagged')) {
      const body = JSON.stringify({ id: 7, status: 'paid', items: [1, 2] });
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...(url.startsWith('/tagged') ? { etag: '"v7"', 'content-digest': 'sha-256=:old:' } : {}),
      });
      response.end(body);
      return;
    }
    const body = `ok ${request.method} ${url}`;
    response.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
    response.end(body);
  });
  server.on('upgrade', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port, address: `127.0.0.1:${port}`, seen };
}

/** Collects the engine's events from now until the file ends. */
export function collectEvents(harness: Harness): EngineEvent[] {
  const events: EngineEvent[] = [];
  const stop = harness.engine.events.on((event) => events.push(event));
  after(() => stop());
  return events;
}

/** One stream on an open HTTP/2 session, with `body` sent when given: "STATUS TEXT" once it ends. */
export function h2Exchange(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: string,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const stream = session.request(headers);
    let head = '';
    let text = '';
    stream.on('response', (received) => (head = String(received[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve(`${head} ${text}`));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

/** One GET over HTTP/2 with prior knowledge (h2c): the status and the body. */
export async function h2get(port: number, path: string): Promise<[number, string]> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  try {
    const stream = session.request({ ':path': path });
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    let body = '';
    stream.setEncoding('utf8');
    for await (const chunk of stream) body += chunk as string;
    return [Number(headers[':status']), body];
  } finally {
    session.close();
  }
}

/**
 * An h2c upstream (node:http2) serving each stream with `onStream`, and an http2 proxy named
 * `name` in front of it; both are closed when the file ends.
 */
export async function h2ProxyTo(
  harness: Harness,
  name: string,
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
  settings: object = {},
): Promise<{ name: string; port: number; upstreamPort: number }> {
  const server = http2.createServer();
  server.on('stream', onStream);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  const upstreamPort = (server.address() as net.AddressInfo).port;
  const proxy = await createProxy(harness, name, `127.0.0.1:${upstreamPort}`, {
    protocol: 'http2',
    ...settings,
  });
  return { name: proxy.name, port: proxy.port, upstreamPort };
}

/** A proxy's faultline_http_requests_active, or undefined when /metrics has no such series. */
export async function requestsActiveOn(harness: Harness, proxy: string): Promise<number | undefined> {
  const text = (await harness.api('GET', '/metrics')).text;
  const line = text
    .split('\n')
    .find((row) => row.startsWith(`faultline_http_requests_active{proxy="${proxy}"} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}
