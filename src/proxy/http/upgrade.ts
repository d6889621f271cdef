import { type IncomingMessage, STATUS_CODES } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { parseHostPort } from '../../model/address.js';
import type { ProxyView } from '../proxy-view.js';
import type { ClientTable } from './client-table.js';
import { dropsFaultHeaders, faultHeaders } from './header-faults.js';
import { hold } from './hold.js';
import { http1RequestFacts } from './http1-request-facts.js';
import { reportFired, reportUpstreamFailure, upstreamFailure } from './report.js';
import { planRequest, type ToxicRandoms } from './request-plan.js';

/**
 * An Upgrade (WebSocket, h2c upgrade) passes through as bytes: the request head goes to the
 * upstream as it came, then both directions are piped. Request toxics still see the upgrade
 * request, so an abort can refuse it and a request delay holds it; after the upgrade only
 * connection toxics apply.
 */
export async function passUpgrade(
  proxy: ProxyView,
  clients: ClientTable,
  randoms: ToxicRandoms,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const linked = clients.find(request.socket);
  const facts = http1RequestFacts(request, linked);
  const label = { connection: linked.id, method: facts.method, path: facts.path };
  const plan = planRequest(proxy, facts, randoms);
  socket.on('error', () => socket.destroy());
  if (plan?.problem !== undefined) {
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(plan.problem)}\r\nconnection: close\r\n\r\n${plan.problem}`,
    );
    return;
  }
  const abort = plan?.abort;
  if (plan && abort) {
    reportFired(proxy, plan, label, abort.kind === 'respond' ? { status: abort.status } : {});
    if (abort.kind === 'respond') {
      const body = Buffer.from(abort.body);
      const reason = STATUS_CODES[abort.status] ?? 'Unknown';
      const extra = Object.entries(abort.headers)
        .filter(([name]) => !['content-length', 'connection'].includes(name.toLowerCase()))
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.end(
        `HTTP/1.1 ${abort.status} ${reason}\r\n${extra}content-length: ${body.length}\r\nconnection: close\r\n\r\n${abort.body}`,
      );
    } else socket.destroy();
    return;
  }
  if (plan && plan.requestDelay > 0) {
    reportFired(proxy, plan, label, {});
    const gone = new AbortController();
    socket.once('close', () => gone.abort());
    if ((await hold(proxy, plan, 'request', gone.signal)).clientLeft) return;
  }
  const { host, port } = parseHostPort(proxy.upstream, 'upstream');
  const secure = proxy.upstreamTlsOptions;
  const upstream = secure
    ? tls.connect({ ...secure, host: host || 'localhost', port })
    : net.connect({ host: host || 'localhost', port, noDelay: true });
  upstream.once(secure ? 'secureConnect' : 'connect', () => {
    upstream.write(requestHead(request, dropsFaultHeaders(proxy.headerFaults, plan)));
    if (head.length > 0) upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
  upstream.once('error', (error) => {
    if (upstream.bytesRead === 0 && socket.writable) {
      const text = upstreamFailure(proxy, error);
      reportUpstreamFailure(proxy, label, text, 502);
      socket.end(
        `HTTP/1.1 502 Bad Gateway\r\ncontent-length: ${Buffer.byteLength(text) + 1}\r\nconnection: close\r\n\r\n${text}\n`,
      );
    } else socket.destroy();
  });
  socket.once('close', () => upstream.destroy());
  upstream.once('close', () => socket.destroy());
}

function requestHead(request: IncomingMessage, dropFaultHeaders: boolean): string {
  let head = `${request.method} ${request.url} HTTP/${request.httpVersion}\r\n`;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (dropFaultHeaders && (faultHeaders as readonly string[]).includes(name.toLowerCase())) continue;
    head += `${name}: ${raw[i + 1] ?? ''}\r\n`;
  }
  return `${head}\r\n`;
}
