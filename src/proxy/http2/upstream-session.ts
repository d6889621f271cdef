import http2 from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import type { ProxyView } from '../proxy-view.js';

/**
 * One HTTP/2 (h2c, prior knowledge) session to the upstream, shared by every stream of the
 * proxy, as gRPC clients share theirs. A closed, failed or GOAWAY'd session is replaced on the
 * next request.
 */
export class UpstreamSession {
  private session: http2.ClientHttp2Session | undefined;
  private sessionUpstream = '';
  private sessionTls: ConnectionOptions | undefined;

  constructor(private readonly proxy: ProxyView) {}

  get(): http2.ClientHttp2Session {
    const current = this.session;
    const secure = this.proxy.upstreamTlsOptions;
    const same = this.sessionUpstream === this.proxy.upstream && this.sessionTls === secure;
    if (current && !current.closed && !current.destroyed && same) return current;
    current?.destroy();
    const session = secure
      ? http2.connect(`https://${this.proxy.upstream}`, secure)
      : http2.connect(`http://${this.proxy.upstream}`);
    this.sessionTls = secure;
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    // A failed session fails its streams, which answer 502; the session's own error needs no more.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    this.session = session;
    this.sessionUpstream = this.proxy.upstream;
    return session;
  }

  close(): void {
    this.session?.destroy();
    this.session = undefined;
  }
}
