import type http from 'node:http';
import { parseHostPort } from '../../model/address.js';
import type { MemorySocket } from '../memory-socket.js';
import { monotonicNow } from '../monotonic-now.js';
import type { ServedConnection } from '../protocol.js';
import type { ProxyView } from '../proxy-view.js';
import { llhttpLoads } from './llhttp.js';
import { PassThrough, type PassThroughOwner } from './pass-through.js';

/**
 * The pass-through connections of one http proxy: while it has no request toxic, no header
 * faults and no upstream TLS, a new HTTP/1.1 connection passes its bytes through (PassThrough)
 * instead of going through node:http and undici, which cost a request several times the CPU.
 */
export class PassThroughs implements PassThroughOwner {
  private readonly open = new Set<PassThrough>();
  private parsed: { address: string; host: string; port: number } | undefined;
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    readonly proxy: ProxyView,
    private readonly server: http.Server,
  ) {}

  wantsFullPath(): boolean {
    const proxy = this.proxy;
    return proxy.requestToxics.length > 0 || proxy.headerFaults || proxy.upstreamTlsOptions !== undefined;
  }

  /** Serves `socket` as a pass-through, or says (false) that it must go the full way. */
  serve(socket: MemorySocket, connection: ServedConnection): boolean {
    if (this.wantsFullPath() || !llhttpLoads()) return false;
    this.open.add(new PassThrough(socket, connection, this));
    this.sweep ??= this.startSweep();
    return true;
  }

  target(): { host: string; port: number } {
    const upstream = this.proxy.upstream;
    if (this.parsed?.address !== upstream) {
      const { host, port } = parseHostPort(upstream, 'upstream');
      this.parsed = { address: upstream, host: host || 'localhost', port };
    }
    return this.parsed;
  }

  handOver(socket: MemorySocket, unread: Buffer[]): void {
    if (socket.destroyed) return;
    if (unread.length > 0) socket.unshift(unread.length === 1 ? unread[0]! : Buffer.concat(unread));
    this.server.emit('connection', socket);
    socket.resume();
  }

  closed(passThrough: PassThrough): void {
    this.open.delete(passThrough);
    if (this.open.size === 0 && this.sweep !== undefined) {
      clearInterval(this.sweep);
      this.sweep = undefined;
    }
  }

  /** The requests of pass-through connections sent upstream and not yet answered whole, and their open Upgrades. */
  requestsInFlight(): number {
    let count = 0;
    for (const passThrough of this.open) count += passThrough.requestsInFlight;
    return count;
  }

  close(): void {
    for (const passThrough of [...this.open]) passThrough.close();
    if (this.sweep !== undefined) clearInterval(this.sweep);
    this.sweep = undefined;
  }

  /**
   * The upstream response timeout, checked a few times per timeout for every connection at
   * once: one timer per request would cost each request more than its parsing does.
   */
  private startSweep(): NodeJS.Timeout {
    const { upstreamResponseTimeoutMs: timeoutMs, clientHeadersTimeoutMs } = this.proxy.environment.limits;
    const timer = setInterval(
      () => {
        const now = monotonicNow();
        for (const passThrough of [...this.open]) {
          const since = passThrough.waitingSince;
          if (since > 0 && now - since >= timeoutMs) passThrough.timedOut(timeoutMs);
          // A head begun and never finished (slowloris) gets node:http's 408, as on the full path.
          const begun = passThrough.headBegunAt;
          if (begun > 0 && now - begun >= clientHeadersTimeoutMs) passThrough.headTimedOut();
        }
      },
      Math.max(10, Math.min(1000, Math.min(timeoutMs, clientHeadersTimeoutMs) / 4)),
    );
    timer.unref();
    return timer;
  }
}
