import http2 from 'node:http2';
import net from 'node:net';
import tls, { type ConnectionOptions } from 'node:tls';
import { parseHostPort } from '../../model/address.js';
import type { ProxyView } from '../proxy-view.js';
import { limitConnectTime } from './upstream-connect-timeout.js';

/**
 * One HTTP/2 (h2c, prior knowledge) session to the upstream, shared by every stream of the
 * proxy, as gRPC clients share theirs. A closed, failed or GOAWAY'd session is replaced on the
 * next request.
 */
export class UpstreamSession {
  private session: http2.ClientHttp2Session | undefined;
  private sessionUpstream = '';
  private sessionTls: ConnectionOptions | undefined;
  /** The lowest last-stream-id each session's GOAWAYs gave: the streams past it were not processed. */
  private readonly lastProcessed = new WeakMap<http2.ClientHttp2Session, number>();

  constructor(private readonly proxy: ProxyView) {}

  get(): http2.ClientHttp2Session {
    const current = this.session;
    const secure = this.proxy.upstreamTlsOptions;
    const same = this.sessionUpstream === this.proxy.upstream && this.sessionTls === secure;
    if (current && !current.closed && !current.destroyed && same) return current;
    current?.destroy();
    const { host, port } = parseHostPort(this.proxy.upstream, 'upstream');
    const target = { host: host || 'localhost', port };
    // Small frames (gRPC's) must not wait for Nagle's algorithm: node's http2 leaves it on.
    const session = secure
      ? http2.connect(`https://${this.proxy.upstream}`, {
          createConnection: () => {
            const socket = tls.connect({ ...secure, ...target, ALPNProtocols: ['h2'] });
            socket.setNoDelay(true);
            return limitConnectTime(socket, target);
          },
        })
      : http2.connect(`http://${this.proxy.upstream}`, {
          createConnection: () => limitConnectTime(net.connect({ ...target, noDelay: true }), target),
        });
    this.sessionTls = secure;
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    // A failed session fails its streams, which answer 502; the session's own error needs no more.
    session.on('error', forget);
    session.on('goaway', (_code: number, lastStreamID: number) => {
      this.lastProcessed.set(
        session,
        Math.min(lastStreamID, this.lastProcessed.get(session) ?? lastStreamID),
      );
      forget();
    });
    session.on('close', forget);
    this.session = session;
    this.sessionUpstream = this.proxy.upstream;
    return session;
  }

  /**
   * Whether `session`'s GOAWAY said the upstream did not process `stream`: its id is past the
   * GOAWAY's last stream id, or it never got one (RFC 9113 §6.8), whatever the GOAWAY's error
   * code (node then fails every stream of the session alike, processed or not).
   */
  leftUnprocessedByGoaway(session: http2.ClientHttp2Session, stream: http2.ClientHttp2Stream): boolean {
    const last = this.lastProcessed.get(session);
    return last !== undefined && (stream.id === undefined || stream.id > last);
  }

  close(): void {
    this.session?.destroy();
    this.session = undefined;
  }
}
