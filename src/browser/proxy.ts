import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { allowScriptHash, scriptHash } from './csp.js';
import { endToEnd } from './hop-headers.js';
import { createHostCheck, type HostCheck } from '../net/allowed-host.js';
import { passUpgrade } from './upgrade.js';

export interface BrowserProxyOptions {
  /** The app to serve, e.g. http://127.0.0.1:3000. */
  target: string;
  /** The script to inject into every HTML page (see bundle.ts). */
  script: string;
  /**
   * Host names (besides loopback names and IP addresses) that requests may carry in their Host
   * header; "*" allows any. See refuseHost.
   */
  allowedHosts?: readonly string[];
}

/**
 * The largest HTML page the proxy reads, before and after decoding: it holds a page whole to add
 * the script, and a page (or a small gzip that inflates) past it must not exhaust its memory.
 */
export const MAX_PAGE_BYTES = 64 * 1024 * 1024;
const bounded = { maxOutputLength: MAX_PAGE_BYTES };
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotli = promisify(zlib.brotliDecompress);
const decoders: Record<string, (body: Buffer) => Promise<Buffer>> = {
  gzip: (body) => gunzip(body, bounded),
  'x-gzip': (body) => gunzip(body, bounded),
  deflate: (body) => inflate(body, bounded),
  br: (body) => brotli(body, bounded),
};
const tooLarge = `the page is over ${MAX_PAGE_BYTES / 1024 / 1024} MiB, the most the proxy reads whole to add its script`;

/**
 * Serves an app through a proxy that adds the fault script to its HTML pages, so a page gets
 * faults without any change to the app. The app's Content-Security-Policy stays, with the
 * script's hash added; other responses pass through untouched. Returns a server that is not
 * listening yet.
 */
export function createBrowserProxy(options: BrowserProxyOptions): http.Server {
  const target = new URL(options.target);
  if (target.protocol !== 'http:')
    throw new Error(`--target must be an http:// URL, received ${options.target}`);
  const content = options.script.replace(/<\/script/gi, '<\\/script');
  const page = { tag: `<script>${content}</script>`, hash: scriptHash(content) };
  const hosts = createHostCheck(options.allowedHosts);
  const server = http.createServer((request, response) => {
    const refusal = refuseHost(hosts, request.headers.host);
    if (refusal === undefined) return forward(request, response, target, page);
    response.writeHead(403, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(refusal) });
    response.end(refusal);
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = refuseHost(hosts, request.headers.host);
    if (refusal === undefined) return passUpgrade(request, socket, head, target);
    socket.on('error', () => socket.destroy());
    socket.end(
      `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(refusal)}\r\nconnection: close\r\n\r\n${refusal}`,
    );
  });
  return server;
}

/**
 * The proxy sends the app the app's own Host, so an app's defence against DNS rebinding (the
 * allowed hosts of Vite or webpack-dev-server) never sees the name a page used. A page on
 * evil.example that re-binds its name to 127.0.0.1 would read the app through the proxy as
 * same-origin: a Host that is not a loopback name, an IP literal or an allowed name is refused here.
 */
function refuseHost(hosts: HostCheck, host: string | undefined): string | undefined {
  const refused = hosts.refused(host);
  if (refused === undefined) return undefined;
  return `faultline browser-proxy: the Host header ${JSON.stringify(host)} is not a loopback name, an IP address or a name given with --allowed-host; a web page that re-binds its DNS name to this machine sends such requests, and would read the app through the proxy. Reaching the proxy by a name on purpose? Start it with --allowed-host ${refused}\n`;
}

interface Injection {
  tag: string;
  hash: string;
}

function forward(request: IncomingMessage, response: ServerResponse, target: URL, page: Injection): void {
  const headers = { ...endToEnd(request.headers), host: target.host, 'accept-encoding': 'identity' };
  const upstream = http.request(
    { host: target.hostname, port: target.port || 80, method: request.method, path: request.url, headers },
    (reply) => {
      const status = reply.statusCode ?? 502;
      const html = String(reply.headers['content-type'] ?? '').includes('text/html');
      const bodyless = request.method === 'HEAD' || status === 204 || status === 304;
      keepInProxy(reply, target, request.headers.host);
      if (!html || bodyless) {
        response.writeHead(status, endToEnd(reply.headers));
        reply.pipe(response);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      reply.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_PAGE_BYTES) return void chunks.push(chunk);
        reply.destroy();
        chunks.length = 0;
        fail(response, `cannot add the script to ${target.origin}${request.url ?? ''}: ${tooLarge}`);
      });
      reply.on('end', () => {
        decode(Buffer.concat(chunks), reply.headers['content-encoding']).then(
          (body) => sendPage(response, status, reply, body, page),
          (error: NodeJS.ErrnoException) =>
            fail(
              response,
              error.code === 'ERR_BUFFER_TOO_LARGE'
                ? `cannot add the script to ${target.origin}${request.url ?? ''}: ${tooLarge} (once decoded)`
                : `cannot decode the page from ${target.origin}: ${error.message}`,
            ),
        );
      });
    },
  );
  upstream.on('error', (error) => fail(response, `cannot reach ${target.origin}: ${error.message}`));
  request.pipe(upstream);
}

/**
 * A redirect to the app's own origin (an app builds it from the Host the proxy sends) points at
 * the proxy instead, as nginx's proxy_redirect does: the browser would leave the proxy, and the
 * pages after it would have no faults.
 */
function keepInProxy(reply: IncomingMessage, target: URL, proxyHost: string | undefined): void {
  const location = reply.headers.location;
  if (location === undefined || proxyHost === undefined) return;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return; // a relative redirect stays on the proxy anyway
  }
  if (url.origin !== target.origin) return;
  reply.headers.location = `http://${proxyHost}${url.pathname}${url.search}${url.hash}`;
}

async function decode(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  const name = (encoding ?? 'identity').trim().toLowerCase();
  if (name === 'identity' || name === '') return body;
  const decoder = decoders[name];
  if (!decoder) throw new Error(`unsupported Content-Encoding "${encoding}"`);
  return decoder(body);
}

function sendPage(
  response: ServerResponse,
  status: number,
  reply: IncomingMessage,
  body: Buffer,
  page: Injection,
): void {
  const html = inject(body.toString('utf8'), page.tag);
  const headers = endToEnd(reply.headers);
  // The body changed: its length, encoding and validators are recomputed or dropped.
  for (const name of ['content-length', 'content-encoding', 'etag', 'content-md5']) delete headers[name];
  for (const name of ['content-security-policy', 'content-security-policy-report-only']) {
    const policy = headers[name];
    if (typeof policy === 'string') headers[name] = allowScriptHash(policy, page.hash);
  }
  response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(html) });
  response.end(html);
}

function fail(response: ServerResponse, message: string): void {
  if (!response.headersSent) response.writeHead(502, { 'Content-Type': 'text/plain' });
  response.end(`faultline browser-proxy: ${message}\n`);
}

/** Puts the script first in <head> (before the page's own scripts), or first in the page. */
export function inject(html: string, tag: string): string {
  const head = /<head[^>]*>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + tag + html.slice(head.index + head[0].length);
  const doctype = /<!doctype[^>]*>/i.exec(html);
  return doctype
    ? html.slice(0, doctype.index + doctype[0].length) + tag + html.slice(doctype.index + doctype[0].length)
    : tag + html;
}
