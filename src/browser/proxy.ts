import http, { type IncomingMessage, type ServerResponse } from 'node:http';

export interface BrowserProxyOptions {
  /** The app to serve, e.g. http://127.0.0.1:3000. */
  target: string;
  /** The script to inject into every HTML page (see bundle.ts). */
  script: string;
}

/**
 * Serves an app through a proxy that adds the fault script to its HTML pages, so a page gets
 * faults without any change to the app. Other responses pass through untouched. Returns a
 * server that is not listening yet.
 */
export function createBrowserProxy(options: BrowserProxyOptions): http.Server {
  const target = new URL(options.target);
  if (target.protocol !== 'http:')
    throw new Error(`--target must be an http:// URL, received ${options.target}`);
  const tag = `<script>${options.script.replace(/<\/script/gi, '<\\/script')}</script>`;
  return http.createServer((request, response) => forward(request, response, target, tag));
}

function forward(request: IncomingMessage, response: ServerResponse, target: URL, tag: string): void {
  const headers = { ...request.headers, host: target.host, 'accept-encoding': 'identity' };
  const upstream = http.request(
    { host: target.hostname, port: target.port || 80, method: request.method, path: request.url, headers },
    (reply) => {
      const type = String(reply.headers['content-type'] ?? '');
      if (!type.includes('text/html')) {
        response.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(response);
        return;
      }
      const chunks: Buffer[] = [];
      reply.on('data', (chunk: Buffer) => chunks.push(chunk));
      reply.on('end', () => {
        const html = inject(Buffer.concat(chunks).toString('utf8'), tag);
        const rest = { ...reply.headers };
        delete rest['content-length'];
        delete rest['content-security-policy'];
        response.writeHead(reply.statusCode ?? 200, { ...rest, 'content-length': Buffer.byteLength(html) });
        response.end(html);
      });
    },
  );
  upstream.on('error', (error) => {
    if (!response.headersSent) response.writeHead(502, { 'Content-Type': 'text/plain' });
    response.end(`faultline browser-proxy: cannot reach ${target.origin}: ${error.message}\n`);
  });
  request.pipe(upstream);
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
