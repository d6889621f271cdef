import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProxyView } from '../proxy-view.js';

/**
 * The HTTP/1.1 requests node:http serves for one http proxy, counted in the proxy's requests
 * in flight (faultline_http_requests_active) from their head to their answer's end or their
 * connection's close. A pipelined request queued behind others has no answer of its own yet:
 * when its connection closes, node:http never closes that answer, so the connection's close
 * ends every request still counted on it (one listener per connection, however many are queued).
 */
export class RequestsInFlight {
  private readonly byConnection = new WeakMap<Duplex, Set<() => void>>();

  constructor(private readonly proxy: ProxyView) {}

  /** A request's head came: it counts until its answer closes (sent whole, or cut) or its connection does. */
  started(request: IncomingMessage, response: ServerResponse): void {
    const open = this.openOn(request.socket);
    const ended = this.proxy.requestStarted();
    const done = (): void => {
      open.delete(done);
      ended();
    };
    open.add(done);
    response.once('close', done);
  }

  /** An Upgrade (a WebSocket) counts while its connection is open, as Envoy counts its stream. */
  upgraded(socket: Duplex): void {
    this.openOn(socket).add(this.proxy.requestStarted());
  }

  private openOn(socket: Duplex): Set<() => void> {
    let open = this.byConnection.get(socket);
    if (open === undefined) {
      const requests = new Set<() => void>();
      socket.once('close', () => {
        for (const done of [...requests]) done();
        requests.clear();
      });
      this.byConnection.set(socket, requests);
      open = requests;
    }
    return open;
  }
}
