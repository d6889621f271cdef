import http2 from 'node:http2';
import type { ProxyView } from '../proxy-view.js';

/**
 * One HTTP/2 (h2c, prior knowledge) session to the upstream, shared by every stream of the
 * proxy, as gRPC clients share theirs. A closed, failed or GOAWAY'd session is replaced on the
 * next request.
 */
export class UpstreamSession {
  private session: http2.ClientHttp2Session | undefined;
  private sessionUpstream = '';

  constructor(private readonly proxy: ProxyView) {}

  get(): http2.ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed && this.sessionUpstream === this.proxy.upstream) {
      return current;
    }
    current?.destroy();
    const session = http2.connect(`http://${this.proxy.upstream}`);
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
